"""A cap on the kernels the server runs, and a friendly page when it is reached.

Every open app or workbook page holds a kernel (a few hundred MB). Without a cap, a burst
of opens (a class of 40 following a link, a crawler) starts kernels until the machine
runs out of memory and every page fails. With the cap, a page opened while
`max_kernels` pages are already being served gets a short "busy, retrying" page (HTTP
503 with Retry-After) that reloads itself after a few seconds; kernels of pages that went
away are culled within minutes (see `workbook.apps.serve.voila_config`), so it clears.

The default cap follows the machine: about one kernel per `KERNEL_BUDGET_MB` of the
memory that was available when the server started, between `MIN_KERNELS` and
`MAX_KERNELS`; `workbook serve --max-kernels N` sets it.
"""

from __future__ import annotations

import html
from typing import Any

#: Memory a served page's kernel is planned at (measured: ~175 MB of its own once
#: forked from the warm process, more after big charts), in MB.
KERNEL_BUDGET_MB = 300
MIN_KERNELS, MAX_KERNELS = 4, 200
#: Seconds the busy page waits before it tries again.
RETRY_SECONDS = 5


def default_cap(available_bytes: int | None = None) -> int:
    """The cap for this machine: its available memory over the per-kernel budget."""
    if available_bytes is None:
        try:
            import psutil

            available_bytes = int(psutil.virtual_memory().available)
        except Exception:  # no psutil, or no /proc: a safe middle
            return 32
    return max(MIN_KERNELS, min(MAX_KERNELS, available_bytes // (KERNEL_BUDGET_MB << 20)))


def pages_served(manager: Any) -> int:
    """Kernels serving pages: every kernel but those pre-heated and waiting in a pool."""
    pooled = 0
    for pool in getattr(manager, "_pools", {}).values():
        pooled += len(pool)
    return max(0, len(manager.list_kernel_ids()) - pooled)


def busy_page(retry: int = RETRY_SECONDS) -> str:
    """What a page opened at the cap shows: what is happening, and that it will retry."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta http-equiv='refresh' content='{int(retry)}'>"
        "<title>Busy: trying again shortly</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;"
        "padding:0 1rem;line-height:1.5;color:#1a1a1a}</style></head><body>"
        "<main><h1>The apps are busy</h1>"
        f"<p role='status'>Many pages are open on this server right now. This page will "
        f"try again by itself in {int(retry)} seconds; you do not need to do anything.</p>"
        "<p>If it keeps showing, close app tabs you are no longer using, or ask the "
        "server's administrator to raise its <code>--max-kernels</code>.</p>"
        f"<p><a href=''>{html.escape('Try again now')}</a></p></main></body></html>")


def capped(handler_class: type, cap: int) -> type:
    """`handler_class` (a Voila page handler) that answers the busy page at the cap."""

    class Capped(handler_class):
        async def get(self, *args: Any, **kwargs: Any) -> Any:
            if pages_served(self.kernel_manager) >= cap:
                self.log.warning("kernel cap of %d reached: asked %s to retry", cap,
                                 self.request.path)
                self.set_status(503)
                self.set_header("Retry-After", str(RETRY_SECONDS))
                self.set_header("Cache-Control", "no-store")
                self.finish(busy_page())
                return None
            return await super().get(*args, **kwargs)

    Capped.__name__ = Capped.__qualname__ = f"Capped{handler_class.__name__}"
    return Capped
