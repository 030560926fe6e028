"""Signing in to `workbook serve`: the jupyter_server identity provider, our login page, the
authorizer, and an access log that never writes a token in full.

Three modes (`workbook serve --auth`):

* `users`: people sign in on our login page with the name and password kept in the
  store's users table (argon2 hashes). The login cookie is signed (tornado secure cookie,
  HttpOnly, SameSite=Lax, Secure under HTTPS) and carries a digest of the password hash,
  so a new password or a disabled account ends every session at its next request.
* `proxy`: a reverse proxy that already did single sign-on (oauth2-proxy, for one) names
  the person in a header (`--proxy-header`, X-Forwarded-User by default). The header is
  believed only from the proxy's own addresses (`--trusted-proxy`); the person must be an
  enabled user of the table (their roles live there).
* `token`: one shared token, for one person on their own machine (the old behaviour), or
  none at all on loopback (`--no-token`).

The `RoleAuthorizer` lets a signed-in person reach only the kernels of the pages they
opened (`workbook.users.kernels` records who each kernel serves); the server offers no
other API. What each role may change is decided in the kernel (`workbook.apps.common`).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.base.handlers import JupyterHandler
from traitlets import List, Unicode

from workbook.users import hashing, kernels
from workbook.users.store import Users

MODES = ("users", "proxy", "token")
#: How long a sign-in lasts (a working day and a night).
SESSION_DAYS = 1
#: Query parameters whose values the access log shortens.
SECRET_PARAMS = frozenset({"token", "_xsrf", "password"})
TEMPLATE = Path(__file__).parent / "templates" / "login.html"


def mask_uri(uri: str) -> str:
    """`uri` with every secret parameter cut to its first 4 characters and "..."."""
    parts = urlsplit(uri)
    if not parts.query:
        return uri
    pairs = [(k, (v[:4] + "...") if k.lower() in SECRET_PARAMS and v else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def log_request(handler: Any) -> None:
    """tornado's `log_function`: one access-log line, secrets masked."""
    from tornado.log import access_log

    status = handler.get_status()
    level = (logging.INFO if status < 400 else logging.WARNING if status < 500
             else logging.ERROR)
    request = handler.request
    user = getattr(handler, "_jupyter_current_user", None)
    who = getattr(user, "username", "") or "-"
    access_log.log(level, "%d %s %s (%s@%s) %.2fms", status, request.method,
                   mask_uri(request.uri or ""), who, request.remote_ip,
                   1000.0 * request.request_time())


@dataclass
class SignedIn(User):
    """A person signed in from the users table (the cookie also carries `stamp`)."""

    stamp: str = ""


def _page(heading: str, *, message: str = "", form: str = "", note: str = "") -> str:
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        heading=html.escape(heading),
        message=(f"<p class='wb-login-error' role='alert'>{html.escape(message)}</p>"
                 if message else ""),
        form=form, note=html.escape(note))


class LoginHandler(LoginFormHandler):
    """Our sign-in page (never Jupyter's): name and password, a token, or the SSO note."""

    def _next(self) -> str:
        return self.get_argument("next", default=self.base_url)

    def _form(self, fields: str, button: str) -> str:
        return (f"<form method='post' action='{html.escape(self.request.path)}?"
                f"{html.escape(urlencode({'next': self._next()}))}'>"
                f"<input type='hidden' name='_xsrf' "
                f"value='{html.escape(self.xsrf_token.decode())}'>"
                f"{fields}<button type='submit'>{html.escape(button)}</button></form>")

    def _render(self, message: Any = None) -> None:
        ip = self.identity_provider
        mode = getattr(ip, "mode", "token")
        text = message.get("error", "") if isinstance(message, dict) else (message or "")
        self.set_header("Cache-Control", "no-store")
        if mode == "users":
            form = self._form(
                "<label>Name<input name='username' autocomplete='username' required "
                "autofocus></label><label>Password<input name='password' type='password' "
                "autocomplete='current-password' required></label>", "Sign in")
            self.write(_page("Sign in", message=text, form=form, note=(
                "Forgot your password? Your workbook administrator sets a new one.")))
        elif mode == "proxy":
            self.write(_page("Sign in through your organisation", message=text, note=(
                "This server is reached through your organisation's single sign-on. Open "
                "it from the address your administrator gave you.")))
        else:
            form = self._form("<label>Access token<input name='password' type='password' "
                              "autocomplete='off' required autofocus></label>", "Open")
            self.write(_page("Open the workbook apps", message=text, form=form, note=(
                "The token is printed by `workbook serve` when it starts, in the address "
                "it shows.")))

    @allow_unauthenticated
    def get(self) -> None:
        if self.current_user:
            self._redirect_safe(self._next())
            return
        ip = self.identity_provider
        if getattr(ip, "mode", "") == "proxy":
            claimed = ip.claimed_name(self) if isinstance(ip, WorkbookIdentityProvider) else ""
            self.set_status(403)
            self._render(f"Your sign-on names you {claimed!r}, who has no workbook account "
                         "(or a disabled one): ask your workbook administrator."
                         if claimed else "")
            return
        self._render()

    @allow_unauthenticated
    async def post(self) -> None:
        ip = self.identity_provider
        user: User | None = None
        if isinstance(ip, WorkbookIdentityProvider) and ip.mode == "users":
            name = self.get_argument("username", default="").strip()
            password = self.get_argument("password", default="")
            loop = asyncio.get_running_loop()
            user = await loop.run_in_executor(None, ip.check_password, name, password)
        elif getattr(ip, "mode", "token") == "token":
            typed = self.get_argument("password", default="")
            if ip.token and secrets.compare_digest(typed.encode(), ip.token.encode()):
                user = ip.generate_anonymous_user(self)
        if user is None:
            await asyncio.sleep(1.0)  # slows down guessing
            self.set_status(403)
            self._render("That name and password do not match an enabled account."
                         if getattr(ip, "mode", "") == "users" else
                         "That is not the token of this server.")
            return
        self.log.info("%s signed in", user.username)
        ip.set_login_cookie(self, user)
        self._redirect_safe(self._next())


class LogoutHandler(JupyterHandler):
    @allow_unauthenticated
    def get(self) -> None:
        self.identity_provider.clear_login_cookie(self)
        self.redirect(self.base_url + "login")


class WorkbookIdentityProvider(IdentityProvider):
    """jupyter_server's identity provider for `workbook serve` (see the module doc)."""

    mode = Unicode("token", help="users, proxy or token").tag(config=True)
    database_url = Unicode("", help="The store holding the users table").tag(config=True)
    proxy_header = Unicode("X-Forwarded-User").tag(config=True)
    trusted_proxies = List(Unicode(), default_value=["127.0.0.1", "::1"]).tag(config=True)

    _users: Users | None = None

    @property
    def users(self) -> Users:
        if self._users is None:
            from workbook.store import make_engine

            self._users = Users(make_engine(self.database_url or None))
        return self._users

    @property
    def auth_enabled(self) -> bool:
        return self.mode != "token" or bool(self.token)

    @property
    def login_available(self) -> bool:
        return self.auth_enabled

    def get_handlers(self) -> list[tuple[str, object]]:
        """Our login and logout pages, whatever class Voila asked for."""
        return [(r"/login", LoginHandler), (r"/logout", LogoutHandler)]

    # -- who is asking ---------------------------------------------------------------
    def get_user(self, handler: Any) -> Any:
        if self.mode == "users":
            return self._cookie_user(handler)
        if self.mode == "proxy":
            name = self.claimed_name(handler)
            return self._known(name) if name else None
        return super().get_user(handler)

    def claimed_name(self, handler: Any) -> str:
        """The proxy's user header, when the request comes from a trusted proxy."""
        if handler.request.remote_ip not in self.trusted_proxies:
            return ""
        return (handler.request.headers.get(self.proxy_header) or "").strip()[:200]

    def _known(self, name: str, stamp: str | None = None) -> SignedIn | None:
        row = self.users.get(name)
        if row is None or row.disabled:
            return None
        current = hashing.stamp(row.password_hash)
        if stamp is not None and not secrets.compare_digest(stamp, current):
            return None
        return SignedIn(username=name, name=name, display_name=name, stamp=current)

    def _cookie_user(self, handler: Any) -> SignedIn | None:
        if getattr(handler, "_jupyter_current_user", None):
            return handler._jupyter_current_user
        raw = handler.get_secure_cookie(self.get_cookie_name(handler),
                                        max_age_days=SESSION_DAYS)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            user = self._known(str(data["u"]), str(data["s"]))
        except (ValueError, KeyError, TypeError):
            user = None
        if user is None:
            self.clear_login_cookie(handler)
        return user

    def check_password(self, name: str, password: str) -> SignedIn | None:
        """The user, when `name` and `password` match an enabled account (slow: argon2)."""
        row = self.users.get(name) if name else None
        ok = hashing.verify(row.password_hash if row else None, password)
        if not ok or row is None or row.disabled:
            return None
        return SignedIn(username=name, name=name, display_name=name,
                        stamp=hashing.stamp(row.password_hash))

    # -- the cookie -------------------------------------------------------------------
    def user_to_cookie(self, user: User) -> str:
        if self.mode == "users":
            return json.dumps({"u": user.username, "s": getattr(user, "stamp", "")})
        return super().user_to_cookie(user)

    def set_login_cookie(self, handler: Any, user: User) -> None:
        if self.mode == "proxy":
            return  # the proxy's header comes with every request
        self.cookie_options.setdefault("samesite", "Lax")
        self.cookie_options.setdefault("expires_days", SESSION_DAYS)
        super().set_login_cookie(handler, user)

    def validate_security(self, app: Any, ssl_options: dict[str, Any] | None = None) -> None:
        return None  # `workbook serve` checks its own binding (serve.check_binding)


_KERNEL_PATH = re.compile(r"/api/kernels/([0-9a-fA-F-]+)")


class RoleAuthorizer(Authorizer):
    """Signed-in people reach only the kernels of their own pages; no other API exists.

    In token mode (one person) everything the server offers is allowed, as before.
    """

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        ip = self.identity_provider
        if not isinstance(ip, WorkbookIdentityProvider) or ip.mode == "token":
            return True
        if user is None or resource != "kernels":
            return False
        kernel_id = getattr(handler, "kernel_id", None)
        if not kernel_id:
            found = _KERNEL_PATH.search(handler.request.path)
            kernel_id = found.group(1) if found else None
        if not kernel_id or kernels.owner(kernel_id) != user.username:
            self.log.warning("refused %s of kernel %s to %s", action, kernel_id,
                             user.username)
            return False
        return ip.users.access(user.username) is not None
