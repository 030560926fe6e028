"""`workbook serve`: the click-through apps under Voila, and nothing else.

Voila on its own serves a whole folder: a file browser, the contents API, any file that
matches its allowlist, and a `?template=` switch. District teams need none of that, and a
liaison's server should not show a file list or a line of source code to anyone. So this
module starts Voila with:

* only `notebooks/apps/` as its root, and no tree, contents or files handlers: the only
  pages are the landing page (ours, listing the apps and workbooks), the rendered apps,
  and the four workbooks of `notebooks/`, each under its exact name, read-only, with
  their parameters from the page address (see `workbook.apps.workbooks`);
* who may come in (`--auth`, see `workbook.users.auth`): people of the store's users
  table on our own login page (the default once the store has users), a single sign-on
  proxy's user header, or a token like JupyterLab's (printed once at start, or
  JUPYTER_TOKEN; the browser keeps a cookie after the first visit), or none only when
  bound to a loopback address; the access log never shows a token in full;
* each kernel knows who opened its page: the page handler records kernel -> person
  server-side (`workbook.users.kernels`) and the kernel reads its own entry, so what a
  role may change is decided in the kernel (`workbook.apps.common`);
* no tracebacks to clients, the template and theme fixed, sources stripped;
* pre-heated kernels: each app notebook runs up to the point where it waits for the
  request (see `workbook.apps.common.run`), so a page opens in about a second; a workbook
  page starts its kernel when it is opened (its cells depend on the address);
* the store's URL in the environment, so every kernel saves to the same database, and the
  region data cached before any kernel starts, so kernels never race to build it.

Why ~480 lines: every handler the server keeps or replaces is here, so one file shows all
that the server exposes (`workbook.apps.workbooks` holds the workbook pages' hook).
"""

from __future__ import annotations

import html
import ipaddress
import json
import os
import re
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from workbook.errors import WorkbookError

if TYPE_CHECKING:
    import subprocess

#: Where the app notebooks live; nothing outside this folder is ever served.
APPS_DIR = Path(__file__).resolve().parent.parent.parent / "notebooks" / "apps"
#: Big enough that a pasted 10 MB text reaches the kernel (which refuses it with a message
#: next to the field) instead of the websocket closing under the user.
WEBSOCKET_MAX_BYTES = 64 * 1024 * 1024


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: bool) -> None:
    """Refuse to serve without a token anywhere but on loopback."""
    if not token and not is_loopback(host):
        raise WorkbookError(
            f"--no-token is only allowed on a loopback address (127.0.0.1, ::1, localhost); "
            f"{host!r} would let anyone who can reach this machine read and change every "
            "plan. Drop --no-token, or bind to 127.0.0.1.")


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def app_notebooks(folder: Path = APPS_DIR) -> list[Path]:
    """The app notebooks, in navigation order (then any others by name)."""
    from workbook.apps import APPS

    order = {name: i for i, (name, _) in enumerate(APPS)}
    found = [p for p in folder.glob("*.ipynb") if not p.name.startswith(("_", "."))]
    return sorted(found, key=lambda p: (order.get(p.stem, len(order)), p.name))


def notebook_summary(path: Path) -> tuple[str, str]:
    """(title, first paragraph) of a notebook's first markdown cell, for the landing page."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return path.stem, ""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", []))
            lines = [ln.strip() for ln in text.strip().splitlines()]
            title = lines[0].lstrip("# ").strip() if lines else path.stem
            body: list[str] = []
            for ln in lines[1:]:
                if not ln and body:
                    break
                if ln:
                    body.append(ln)
            return title, " ".join(body)
    return path.stem, ""


def _prepare_data() -> None:
    """Build the Parquet cache of every region once, here, before kernels start."""
    from workbook.run import context, regions

    for manifest in regions.manifests():
        context.region_outcomes(manifest.stem)


def _share_charts() -> None:
    """A chart folder for this server's kernels, and its warmer (see apps.chartcache)."""
    import atexit
    import shutil
    import threading

    from workbook import paths
    from workbook.apps import chartcache

    charts = chartcache.new_folder(paths.cache_root())
    os.environ[chartcache.ENV] = str(charts)
    warmer = chartcache.start_warmer()
    atexit.register(shutil.rmtree, charts, True)
    atexit.register(warmer.terminate)
    # reap it when it is done (no zombie process for the server's lifetime)
    threading.Thread(target=warmer.wait, name="workbook-chart-warmer", daemon=True).start()


def _landing_handler():
    """The landing page handler class (imported lazily: jupyter_server is heavy)."""
    import tornado.web
    from jupyter_server.base.handlers import JupyterHandler

    class LandingHandler(JupyterHandler):
        """Lists the apps; keeps the query string (the chosen district) on every link."""

        def initialize(self, folder: str) -> None:
            self.folder = Path(folder)

        @tornado.web.authenticated
        def get(self) -> None:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            user = self.current_user
            who = user.username if os.environ.get("WORKBOOK_AUTH") in SIGNED_IN else ""
            self.write(landing_page(self.folder, self.base_url, self.request.arguments,
                                    who=who))

    return LandingHandler


_LANDING_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2933;
background:#f5f7fa}
header{background:#1f4e79;color:white;padding:1.2rem 2rem}
header h1{margin:0;font-size:1.5rem} header p{margin:.3rem 0 0;opacity:.9}
main{max-width:980px;margin:1.5rem auto;padding:0 1rem}
ul.apps,ul.workbooks{list-style:none;padding:0;display:grid;
grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:1rem}
main li{background:white;border:1px solid #d9e2ec;border-radius:8px;padding:1rem}
main li a{font-weight:600;font-size:1.1rem;color:#1f4e79;text-decoration:none}
main li a:hover{text-decoration:underline} main li p{margin:.4rem 0 0;color:#52606d}
.note{color:#52606d;font-size:.9rem} main h2{font-size:1.15rem;margin:1.5rem 0 .3rem}
"""


def workbook_notebooks() -> list[Path]:
    """The four workbooks the server shows read-only, in the order of the cycle."""
    from workbook.apps.workbooks import WORKBOOKS, notebook_path

    return [notebook_path(name) for name in WORKBOOKS]


def _cards(notebooks: list[Path], href: Callable[[Path], str]) -> str:
    """One card per notebook: its title (a link) and first paragraph."""
    out = []
    for nb in notebooks:
        title, text = notebook_summary(nb)
        out.append(f'<li><a href="{html.escape(href(nb))}">{html.escape(title)}</a>'
                   f"<p>{html.escape(text)}</p></li>")
    return "".join(out)


def landing_page(folder: Path, base_url: str, arguments: dict[str, list[bytes]],
                 workbooks: list[Path] | None = None, *, who: str = "") -> str:
    """The landing page: one card per app and per workbook, links carrying the district
    from the URL (`district` for the apps, `district_id` for the workbooks); `who`, the
    signed-in person (with a sign-out link), when there is one."""
    keep = {k: v[-1].decode("utf-8", "replace") for k, v in arguments.items()
            if k in ("region", "district") and v}
    query = ("?" + urlencode(keep)) if keep else ""
    renamed = {("district_id" if k == "district" else k): v for k, v in keep.items()}
    wb_query = ("?" + urlencode(renamed)) if renamed else ""
    cards = _cards(app_notebooks(folder), lambda nb: f"{base_url}voila/render/{nb.name}{query}")
    reports = _cards(workbook_notebooks() if workbooks is None else workbooks,
                     lambda nb: f"{base_url}voila/render/{nb.name}{wb_query}")
    chosen = (f"<p class='note'>District {html.escape(keep['district'])} is chosen; every "
              "app opens on it.</p>") if "district" in keep else (
        "<p class='note'>Each app lets you pick the region and district; the choice is kept "
        "in the page address, so you can share a link to it.</p>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<link rel='icon' href='data:;base64,='>"
        f"<title>Workbook apps</title><style>{_LANDING_CSS}</style></head><body>"
        "<header><h1>Workbook apps</h1><p>The school and district continuous-improvement "
        "cycle: needs, root causes, plan, coaching and monthly status.</p>"
        + (f"<p class='wb-who'>Signed in as <b>{html.escape(who)}</b> · <a "
           f"href='{html.escape(base_url)}logout' style='color:white'>Sign out</a></p>"
           if who else "") + "</header>"
        f"<main>{chosen}<h2>Apps</h2><ul class='apps'>{cards}</ul>"
        "<p class='note'>Every save is recorded with your name and kept in the plan store; "
        "if two people change the same thing, the second is asked what to keep.</p>"
        "<h2>Workbooks (read-only)</h2><p class='note'>The reports of the cycle for one "
        "district, as the batch run writes them: choose the region and district at the top "
        "of each.</p>"
        f"<ul class='workbooks'>{reports}</ul>"
        "</main></body></html>")


def _voila_class():
    """Voila with only the app and workbook routes: no tree, no contents API, no files."""
    from voila.app import Voila
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
    from voila.static_file_handler import AllowListFileHandler
    from voila.tornado.contentshandler import VoilaContentsHandler
    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    dropped = (TornadoVoilaTreeHandler, VoilaContentsHandler, AllowListFileHandler,
               VoilaShutdownKernelHandler)

    class WorkbookVoila(Voila):
        name = "workbook-serve"
        #: pages served at once before new ones get the busy page (set by `serve`)
        max_kernels = 32

        def setup_template_dirs(self) -> None:
            """Our template first: it extends Voila's lab template (see its file)."""
            from workbook.apps.page import TEMPLATE_DIR

            super().setup_template_dirs()
            self.template_paths: list[str] = [str(TEMPLATE_DIR), *self.template_paths]

        def workbook_configuration(self):
            """Voila's configuration for the workbook pages: the same, plus the prelaunch
            hook. Only their routes carry it, because Voila refuses a prelaunch hook
            together with pre-heated kernels (the apps keep theirs)."""
            from voila.configuration import VoilaConfiguration

            from workbook.apps.workbooks import prelaunch_hook

            conf = VoilaConfiguration(parent=self)
            for name, value in self.voila_configuration.trait_values(config=True).items():
                setattr(conf, name, value)
            conf.prelaunch_hook = prelaunch_hook
            return conf

        def init_handlers(self) -> list:
            import tornado.web
            from jupyter_server.services.contents.largefilemanager import LargeFileManager
            from jupyter_server.utils import url_path_join
            from voila.tornado.handler import TornadoVoilaHandler

            from workbook.apps import pool, workbooks
            from workbook.apps.capacity import capped
            from workbook.apps.request import harden_voila_request_socket
            from workbook.run.notebooks import NOTEBOOK_DIR

            # refills after the rush, one at a time, never a page waiting on a sleeping one
            pool.install(self.kernel_manager)
            # a pre-heated kernel's request is never lost on its way (workbook.apps.request)
            harden_voila_request_socket()

            handlers = [h for h in super().init_handlers()
                        if not (len(h) > 1 and isinstance(h[1], type)
                                and issubclass(h[1], dropped))]
            # every page handler records who opened its kernel, and answers "busy, retry"
            # at the kernel cap (workbook.apps.capacity)
            owned = capped(owner_recording(TornadoVoilaHandler), self.max_kernels)
            handlers = [(h[0], owned, *h[2:]) if len(h) > 1 and h[1] is TornadoVoilaHandler
                        else h for h in handlers]
            pages = {"template_paths": self.template_paths, "config": self.config,
                     "voila_configuration": self.workbook_configuration(),
                     "contents_manager": LargeFileManager(parent=self,
                                                          root_dir=str(NOTEBOOK_DIR))}
            # ours go first: Voila's routes end in a catch-all
            return [
                (self.server_url, _landing_handler(), {"folder": self.root_dir}),
                (url_path_join(self.server_url, workbooks.ROUTE),
                 capped(owner_recording(workbooks.page_handler()), self.max_kernels), pages),
                (url_path_join(self.server_url, r"/voila/api/shutdown/(.*)"),
                 _shutdown_handler()),
                (url_path_join(self.server_url, r"/voila/tree.*"),
                 tornado.web.RedirectHandler, {"url": self.server_url}),
                *handlers]

    return WorkbookVoila


def owner_recording(base: type) -> type:
    """`base` (a Voila page handler) noting which person each kernel it hands out serves.

    The handler's kernel manager is wrapped: the kernel a page takes from the pool, or
    starts, is recorded as the signed-in person's (`workbook.users.kernels.record`)
    before the request reaches the kernel, so the kernel finds its owner when it asks.
    Nothing is recorded in token mode (no owners folder).
    """
    from jupyter_core.utils import ensure_async

    from workbook.users import kernels

    class Owned:
        def __init__(self, manager: Any, user: str) -> None:
            self._manager, self._user = manager, user

        def _note(self, kernel_id: str) -> None:
            if self._user:
                kernels.record(kernel_id, self._user)

        async def get_rendered_notebook(self, *args: Any, **kwargs: Any) -> Any:
            render_task, rendered, kernel_id = await self._manager.get_rendered_notebook(
                *args, **kwargs)
            self._note(kernel_id)
            return render_task, rendered, kernel_id

        async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
            kernel_id = await ensure_async(self._manager.start_kernel(*args, **kwargs))
            self._note(kernel_id)
            return kernel_id

        def __getattr__(self, name: str) -> Any:
            return getattr(self._manager, name)

    class OwnerRecording(base):  # a Voila page handler class, given at run time
        @property
        def kernel_manager(self) -> Any:
            user = self.current_user
            name = user.username if user is not None and kernels.folder() else ""
            return Owned(super().kernel_manager, name)

    OwnerRecording.__name__ = f"OwnerRecording{base.__name__}"
    return OwnerRecording


#: Seconds a closed page's kernel is kept, in case the page is still there after all.
SHUTDOWN_GRACE = 3.0


def _shutdown_handler():
    """Voila's "the page is closing" beacon, made safe for unsaved work.

    Voila's page asks to shut its kernel down on `beforeunload`, before the user has
    answered "leave this page?". Here the kernel is shut down only if, after a short
    grace period, no page is connected to it any more. The beacon carries no XSRF field
    (the page never got the cookie), so the kernel id, a random secret only that page
    knows, is what authorises it, as for the kernel's own websocket.
    """
    import asyncio

    import tornado.web
    from jupyter_core.utils import ensure_async
    from jupyter_server.base.handlers import APIHandler

    class ShutdownWhenGone(APIHandler):
        def check_xsrf_cookie(self) -> None:
            return None

        async def post(self, kernel_id: str) -> None:
            from workbook.users import kernels

            manager = self.kernel_manager
            user = self.current_user
            if kernels.folder() and (user is None or
                                     kernels.owner(kernel_id) != user.username):
                raise tornado.web.HTTPError(403)  # only the page's own person closes it
            self.set_status(204)
            self.finish()
            await asyncio.sleep(SHUTDOWN_GRACE)
            if kernel_id in manager and not manager.kernel_model(kernel_id)["connections"]:
                await ensure_async(manager.shutdown_kernel(kernel_id))

    return ShutdownWhenGone


#: Seconds after a page takes a pre-heated kernel before Voila starts its replacement.
FILL_DELAY_SECONDS = 4.0
#: Seconds a kernel no page is connected to is kept before it is shut down.
KERNEL_IDLE_SECONDS = 120


def voila_config(*, host: str, port: int, token: str, preheat: bool, pool_size: int):
    """Voila's settings for the apps (a traitlets Config)."""
    from traitlets.config import Config

    c = Config()
    c.Voila.ip = host
    c.Voila.port = port
    c.Voila.port_retries = 0
    c.Voila.open_browser = False
    c.Voila.token = token
    c.Voila.tornado_settings = {"websocket_max_message_size": WEBSOCKET_MAX_BYTES}
    v = c.VoilaConfiguration
    v.show_tracebacks = False
    v.strip_sources = True
    v.allow_template_override = "NO"
    v.allow_theme_override = "NO"
    v.file_allowlist = []
    v.preheat_kernel = preheat
    v.default_pool_size = pool_size if preheat else 0
    # what a cell's error says instead of its traceback (the server log has that)
    c.VoilaExecutor.cell_error_instruction = (
        "This part of the page could not be shown; the server's log has the details.")
    # kernels start as forks of one warm process (see workbook.apps.forkserver): a new
    # page's kernel is ready in about half a second instead of 3-4 s of imports
    from workbook.apps.forkserver import kernel_spec_manager_class

    v.kernel_spec_manager_class = kernel_spec_manager_class()
    # A kernel of an open page is never culled (the page's websocket is its heartbeat:
    # the server pings it every 30 s and drops it after 90 s without an answer). A kernel
    # nobody is connected to (a link preview, curl, a killed browser) goes after
    # KERNEL_IDLE_SECONDS. Voila never culls the pre-heated kernels waiting in its pool.
    c.MappingKernelManager.cull_idle_timeout = KERNEL_IDLE_SECONDS
    c.MappingKernelManager.cull_interval = 30
    c.MappingKernelManager.cull_connected = False
    # when a taken kernel is replaced: workbook.apps.pool (once the server is quiet, one
    # at a time); Voila's own delay is only used if that policy is not installed
    c.VoilaKernelManager.fill_delay = FILL_DELAY_SECONDS
    # A kernel talks to the server over unix sockets in the server's private runtime
    # folder, not TCP ports on loopback: ports that jupyter_client picks are free when it
    # picks them but can be taken by another kernel before this one binds them ("Address
    # already in use", a page that never starts); a socket file cannot be taken that way,
    # and no other user of the machine can connect to it.
    c.KernelManager.transport = "ipc"
    return c


#: The ways people come in (`--auth`); see workbook.users.auth.
AUTH_MODES = ("users", "proxy", "token")
#: The modes in which every page knows its person (kernels read it; no typed name).
SIGNED_IN = ("users", "proxy")


def auth_config(c: Any, *, mode: str, database_url: str, proxy_header: str,
                trusted_proxies: tuple[str, ...]) -> None:
    """Add the identity provider, authorizer and masked access log to Voila's config."""
    from workbook.users.auth import RoleAuthorizer, WorkbookIdentityProvider, log_request

    c.Voila.identity_provider_class = WorkbookIdentityProvider
    c.Voila.authorizer_class = RoleAuthorizer
    c.WorkbookIdentityProvider.mode = mode
    c.WorkbookIdentityProvider.database_url = database_url
    c.WorkbookIdentityProvider.proxy_header = proxy_header
    c.WorkbookIdentityProvider.trusted_proxies = list(trusted_proxies)
    c.Voila.tornado_settings = {**c.Voila.tornado_settings, "log_function": log_request}


def choose_auth(auth: str | None, database_url: str) -> str:
    """The --auth mode: as given, else `users` when the store has users, else `token`."""
    from workbook.users import Users

    has_users = Users.open(database_url).any()
    if auth is None:
        return "users" if has_users else "token"
    if auth not in AUTH_MODES:
        raise WorkbookError(f"--auth must be one of {', '.join(AUTH_MODES)}, not {auth!r}")
    if auth in SIGNED_IN and not has_users:
        raise WorkbookError(
            f"--auth {auth} needs people in the store's users table, and it has none; add "
            "one first: workbook users add NAME --role admin")
    return auth


def check_proxies(trusted: tuple[str, ...]) -> tuple[str, ...]:
    for address in trusted:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise WorkbookError(f"--trusted-proxy {address!r} is not an IP address (the "
                                "proxy's own address, e.g. 127.0.0.1)") from None
    if not trusted:
        raise WorkbookError("--auth proxy needs at least one --trusted-proxy address")
    return trusted


#: Who the apps show student counts to: "stakeholder" hides small groups (the default),
#: "team" shows every count, for a server only the district's own staff can reach.
AUDIENCES = ("stakeholder", "team")


def serve(host: str = "127.0.0.1", port: int = 8866, token: bool = True,
          database_url: str = "", *, pool_size: int = 2, audience: str = "stakeholder",
          max_kernels: int | None = None,
          folder: Path | None = None, auth: str | None = None,
          proxy_header: str = "X-Forwarded-User",
          trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")) -> None:
    """Serve the apps until interrupted (Ctrl-C or SIGTERM); blocks.

    `auth` (users, proxy, token; None: users when the store has users, else token) says
    who may come in (see `workbook.users.auth`). `token=False` is allowed only on loopback
    and in token mode. The token is printed with the URL to open;
    it is new at every start unless JUPYTER_TOKEN sets it (as for JupyterLab).
    `database_url` (else WORKBOOK_DATABASE_URL, else the embedded SQLite file) is created
    or upgraded before any kernel starts and handed to every kernel.
    `pool_size` kernels per app are kept running ahead of requests (0: start one per
    page, slower to open, no memory held while idle); two, so that a reload right after
    a first open also finds a kernel ready. `max_kernels` pages are served at once (None:
    as many as the machine's available memory allows, see `workbook.apps.capacity`);
    one more gets a page that says the server is busy and retries by itself. `audience`
    is handed to the kernels as WORKBOOK_APPS_AUDIENCE (see AUDIENCES).
    """
    from workbook.store import Store
    from workbook.store import database_url as resolve_url

    if not token:  # --no-token: one person on this machine, no sign-in at all
        if auth not in (None, "token"):
            raise WorkbookError(f"--no-token is for --auth token only, not --auth {auth}")
        check_binding(host, token)
    if audience not in AUDIENCES:
        raise WorkbookError(f"--audience must be one of {', '.join(AUDIENCES)}, not "
                            f"{audience!r}")
    if not 0 <= pool_size <= 8:
        raise WorkbookError(f"--pool-size must be between 0 and 8, not {pool_size}")
    from workbook.apps import capacity

    if max_kernels is not None and not 1 <= max_kernels <= capacity.MAX_KERNELS:
        raise WorkbookError(f"--max-kernels must be between 1 and {capacity.MAX_KERNELS}, "
                            f"not {max_kernels}")
    cap = max_kernels or capacity.default_cap()
    folder = Path(folder or APPS_DIR).resolve()
    if not app_notebooks(folder):
        raise WorkbookError(f"no app notebooks in {folder}")
    if not port_is_free(host, port):
        raise WorkbookError(f"port {port} on {host} is in use; pick another with --port")
    url = resolve_url(database_url or None)
    Store(url).engine.dispose()  # create or upgrade the schema once, here
    mode = "token" if not token else choose_auth(auth, url)
    if mode == "proxy":
        trusted_proxies = check_proxies(tuple(trusted_proxies))
        if not re.fullmatch(r"[A-Za-z0-9-]{1,100}", proxy_header):
            raise WorkbookError(f"--proxy-header {proxy_header!r} is not a header name")
    os.environ["WORKBOOK_DATABASE_URL"] = url  # kernels inherit the server's environment
    os.environ["WORKBOOK_APPS_AUDIENCE"] = audience
    os.environ["WORKBOOK_AUTH"] = mode
    if mode in SIGNED_IN:
        import atexit
        import shutil

        from workbook.users import kernels

        owners = kernels.make_folder()
        os.environ[kernels.ENV] = str(owners)
        atexit.register(shutil.rmtree, owners, True)
    else:
        os.environ.pop("WORKBOOK_KERNEL_OWNERS", None)
    _prepare_data()
    _share_charts()
    # like JupyterLab: a fixed token from JUPYTER_TOKEN (links survive a restart), else new
    secret = ((os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24))
              if token and mode == "token" else "")
    shown = f"[{host}]" if ":" in host else host
    link = f"http://{shown}:{port}/" + (f"?token={secret}" if secret else "")
    print(f"workbook apps: {link}", flush=True)
    print(f"plan store: {_redact(url)}", flush=True)
    print("sign-in: " + {
        "users": "people of the store's users table, on the login page",
        "proxy": f"the {proxy_header} header of the proxy at {', '.join(trusted_proxies)}",
        "token": "the token in the address above" if secret else
        "none: anyone on this machine can open the apps"}[mode], flush=True)
    print(f"audience: {audience} (" + ("small groups of students hidden" if audience ==
          "stakeholder" else "every student count shown") + ")", flush=True)
    print(f"kernels: {pool_size} ready per app, at most {cap} pages at once", flush=True)
    config = voila_config(host=host, port=port, token=secret, preheat=pool_size > 0,
                          pool_size=pool_size)
    auth_config(config, mode=mode, database_url=url, proxy_header=proxy_header,
                trusted_proxies=tuple(trusted_proxies))
    from workbook.apps.templates import share_compiled_templates

    share_compiled_templates()  # each page's templates compiled once, not once per page
    voila_class = _voila_class()
    voila_class.max_kernels = cap
    app = voila_class(config=config)
    app.initialize([str(folder)])
    app.start()


def _redact(url: str) -> str:
    """The database URL without its password, for the log."""
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Background:
    """`workbook serve` in a child process: start, wait until it answers, stop.

    For tests and benchmarks: the server is the real command line, in its own process
    (so a restart is a real restart), logging to `log_path`. `url` carries the token.
    """

    def __init__(self, *, database_url: str, log_path: Path, port: int | None = None,
                 env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.database_url = database_url
        self.args = tuple(args)  # more `workbook serve` options, e.g. ("--auth", "users")
        self.log_path = Path(log_path)
        self.port = port or free_port()
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Background:
        import subprocess
        import sys
        import time
        import urllib.error
        import urllib.request

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = len(self.log())  # a restart appends: read only this run's lines
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 (the child owns it)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbook.cli", "serve", "--port", str(self.port),
             "--database", self.database_url, *self.args],
            stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        log.close()
        self.url = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise WorkbookError(f"workbook serve exited ({self.proc.returncode}); see "
                                    f"{self.log_path}:\n{self.log()[offset:][-3000:]}")
            line = next((ln for ln in self.log()[offset:].splitlines()
                         if ln.startswith("workbook apps: ")), "")
            if line:
                self.url = line.removeprefix("workbook apps: ").strip()
                try:
                    with urllib.request.urlopen(self.url, timeout=2) as reply:
                        if "/login" not in reply.url or not self.token:
                            return self  # a login page is the answer of a users server
                except urllib.error.HTTPError as err:  # a proxy server's login page: 403
                    if "/login" in (err.url or "") and not self.token:
                        return self
                except OSError:
                    pass
            time.sleep(0.2)
        self.stop()
        raise WorkbookError(f"workbook serve did not answer within {timeout:.0f} s; see "
                            f"{self.log_path}")

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1] if "token=" in self.url else ""

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (Voila shuts its kernels down), then SIGKILL the group if it hangs."""
        import signal
        import subprocess

        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:  # kernels notice their parent is gone and exit
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def __enter__(self) -> Background:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
