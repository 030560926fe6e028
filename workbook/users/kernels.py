"""Which person a kernel serves, known to the server and to the kernel, never to the page.

The design: when the server hands a kernel to a page (a pre-heated one from the pool, or
one started for the page), the handler that authenticated the request writes
`<kernel id>.json` = {"user": name} into a folder only the server's own account can read
(mode 0700, made at start, named in WORKBOOK_KERNEL_OWNERS, which kernels inherit). The
kernel finds its own id in the name of its connection file (`kernel-<id>.json`, as
jupyter_client names it) and reads that file once the request has reached it; it then
reads the person's roles from the users table itself. Nothing the browser sends reaches
this path: the page can only send widget messages (Voila allows no code), and the
kernel websocket of a kernel is refused to anyone but its owner (`auth.RoleAuthorizer`).
A file, not a store table: the mapping lives as long as the server process, and a page
open costs no database write.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

#: The environment variable naming the owners folder (set by `workbook serve`).
ENV = "WORKBOOK_KERNEL_OWNERS"
_KERNEL_ID = re.compile(r"[0-9a-fA-F-]{8,64}")


def make_folder() -> Path:
    """A new private folder for this server's kernel owners (0700)."""
    return Path(tempfile.mkdtemp(prefix="workbook-kernel-owners-"))


def folder() -> Path | None:
    value = os.environ.get(ENV, "")
    return Path(value) if value else None


def record(kernel_id: str, user: str, where: Path | None = None) -> None:
    """Note that `kernel_id` serves `user` (atomically, readable by this account only)."""
    where = where or folder()
    if where is None or not _KERNEL_ID.fullmatch(kernel_id):
        return
    tmp = where / f".{kernel_id}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"user": user}, f)
    os.replace(tmp, where / f"{kernel_id}.json")


def owner(kernel_id: str, where: Path | None = None) -> str | None:
    """The person `kernel_id` serves (None: not recorded)."""
    where = where or folder()
    if where is None or not _KERNEL_ID.fullmatch(kernel_id or ""):
        return None
    try:
        data = json.loads((where / f"{kernel_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    user = data.get("user") if isinstance(data, dict) else None
    return user if isinstance(user, str) and user else None


def forget(kernel_id: str, where: Path | None = None) -> None:
    where = where or folder()
    if where is not None and _KERNEL_ID.fullmatch(kernel_id or ""):
        (where / f"{kernel_id}.json").unlink(missing_ok=True)


def this_kernel_id() -> str | None:
    """The id of the kernel this code runs in (from its connection file), else None."""
    try:
        from ipykernel.connect import get_connection_file

        name = Path(get_connection_file()).stem
    except Exception:  # not in a kernel (tests, JupyterLab's own console)
        return None
    return name.removeprefix("kernel-") if name.startswith("kernel-") else None


def this_kernels_owner() -> str | None:
    kernel_id = this_kernel_id()
    return owner(kernel_id) if kernel_id else None
