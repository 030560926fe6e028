"""Password hashes: argon2id through argon2-cffi (the library jupyter_server itself uses).

Only the hash is stored. `verify` takes as long for an unknown name as for a known one
(it checks against a dummy hash), so a login form does not tell which names exist.
"""

from __future__ import annotations

import functools
import hashlib

from workbook.users.model import UserError

#: Shortest password accepted (NIST SP 800-63B's floor for user-chosen secrets is 8).
MIN_LENGTH = 10
MAX_LENGTH = 1024


@functools.cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def check_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise UserError(f"the password is {len(password)} characters long; use at least "
                        f"{MIN_LENGTH} (a few words are easy to remember)")
    if len(password) > MAX_LENGTH:
        raise UserError(f"the password is longer than {MAX_LENGTH} characters")
    if password != password.strip() or any(ord(c) < 32 for c in password):
        raise UserError("the password starts or ends with a space, or holds a control "
                        "character (a stray newline?)")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of a checked password (a new random salt each time)."""
    return _hasher().hash(check_password(password))


@functools.cache
def _dummy() -> str:
    return _hasher().hash("not a real password, only for timing")


def verify(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored` (None: no such user, or no password)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored or _dummy(), password)) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def stamp(stored: str | None) -> str:
    """A short digest of the stored hash: a login cookie carries it, so changing the
    password (or disabling the user) ends every session signed in before."""
    return hashlib.sha256((stored or "").encode()).hexdigest()[:16]
