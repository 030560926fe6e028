"""When Voila refills its pools of pre-heated kernels: after the rush, one at a time.

Voila keeps `pool_size` kernels per app that have already run the app's notebook, so a page
opened takes one and shows at once. When a page takes a kernel, Voila puts a replacement in
the pool straight away: a task that sleeps `fill_delay` seconds, then starts a kernel and
runs the whole notebook in it. Under a burst of opens on a small server that goes wrong
twice (measured with 20 opens at once on 2 cores: median 42 s to content, one page never):

- the next page opened within `fill_delay` pops that sleeping task and waits for the sleep,
  the kernel's start and the notebook's run, where it would have been quicker to start
  its own kernel at once;
- every taken kernel starts a refill at the same moment, so a dozen notebooks run while
  the burst's own pages are still being drawn, and all of them share the same two CPUs.

`Refills` changes only when replacements are made. A page that takes a kernel queues its
app for a refill instead; the pool holds only kernels that are already starting or ready,
so a page never waits for a sleep (with the pool empty, Voila starts the page a kernel of
its own, as it does without pre-heating). The queue is worked one kernel at a time (the
next starts when the last has run its notebook up to the wait for its page's request), once
the server is quiet: no page taken or started for `QUIET_SECONDS` and no kernel of an open
page running code. A server that is never quiet still refills, after `MAX_WAIT_SECONDS`.
The first fill at start-up is Voila's own, unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

log = logging.getLogger(__name__)

#: No page opened for this long, and no page's kernel busy: the server is quiet.
QUIET_SECONDS = 2.0
#: A refill waits at most this long for quiet (a server that is never quiet still refills).
MAX_WAIT_SECONDS = 45.0
#: The next refill starts after this long even if the last one's notebook has not reached
#: its wait for a request (it goes on running; a stuck notebook holds back no other pool).
RUN_WAIT_SECONDS = 120.0
#: How often a waiting refill looks again.
POLL_SECONDS = 0.25


class Refills:
    """Mixed into Voila's kernel manager class (see `install`)."""

    _refill_queue: list[tuple[str, dict[str, Any], float]]
    _refill_task: asyncio.Task | None
    _last_take: float

    # Voila calls this with delay=0 to fill every pool at start-up, and with delay=None
    # after a page took a kernel: only the second is changed
    def fill_if_needed(self, delay: float | None = None, notebook_name: str | None = None,
                       **kwargs: Any) -> None:
        if delay == 0 or notebook_name is None:
            super().fill_if_needed(delay=delay, notebook_name=notebook_name,  # type: ignore[misc]
                                   **kwargs)
            return
        self._last_take = time.monotonic()
        if all(name != notebook_name for name, _kw, _t in self._refill_queue):
            self._refill_queue.append((notebook_name, kwargs, time.monotonic()))
        if self._refill_task is None or self._refill_task.done():
            self._refill_task = asyncio.get_event_loop().create_task(self._refill_loop())

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        """A page's own kernel (the pool was empty): the server is busy now."""
        self._last_take = time.monotonic()
        return await super().start_kernel(*args, **kwargs)  # type: ignore[misc]

    def _busy_pages(self) -> bool:
        """Is a kernel of an open page (not one being pre-heated) running code?"""
        in_pool = set()
        for pool in self._pools.values():  # type: ignore[attr-defined]
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    in_pool.add(task.result().get("kernel_id"))
        for kernel_id in list(self.list_kernel_ids()):  # type: ignore[attr-defined]
            if kernel_id in in_pool:
                continue
            kernel = self._kernels.get(kernel_id)  # type: ignore[attr-defined]
            if kernel is not None and getattr(kernel, "execution_state", "") == "busy":
                return True
        return False

    def _quiet(self) -> bool:
        return (time.monotonic() - self._last_take >= QUIET_SECONDS
                and not self._busy_pages())

    async def _refill_loop(self) -> None:
        while self._refill_queue:
            name, kwargs, queued = self._refill_queue[0]
            while not self._quiet() and time.monotonic() - queued < MAX_WAIT_SECONDS:
                await asyncio.sleep(POLL_SECONDS)
            self._refill_queue.pop(0)
            pool = self._pools.setdefault(name, [])  # type: ignore[attr-defined]
            before = list(pool)
            try:
                super().fill_if_needed(delay=0, notebook_name=name,  # type: ignore[misc]
                                       **kwargs)
                for task in [t for t in pool if t not in before]:
                    await _ready(await task)
            except TimeoutError:
                log.warning("a pre-heated kernel for %s is still running its notebook after "
                            "%.0f s; refilling the next pool", name, RUN_WAIT_SECONDS)
            except Exception:  # a kernel that failed to start: Voila logs it; go on
                log.warning("could not pre-heat a kernel for %s", name, exc_info=True)


def _waiting_for_request(kernel_id: str) -> bool:
    """Has the kernel's notebook reached the wait for its page's request? Our apps'
    notebooks connect to Voila's request socket then (workbook.apps.request)."""
    from voila.request_info_handler import RequestInfoSocketHandler

    return kernel_id in RequestInfoSocketHandler._waiters


async def _ready(content: dict[str, Any]) -> None:
    """Until a pre-heated kernel is ready: its notebook has run up to the wait for the
    page's request (an app's notebook), or to its end (one that does not wait). Voila's
    render task ends only after the request, so waiting for it alone would wait for ever.
    Raises TimeoutError after RUN_WAIT_SECONDS; the notebook goes on running."""
    deadline = time.monotonic() + RUN_WAIT_SECONDS
    while not content["task"].done() and not _waiting_for_request(content["kernel_id"]):
        if time.monotonic() >= deadline:
            raise TimeoutError
        await asyncio.sleep(POLL_SECONDS)


def install(manager: Any) -> Any:
    """Give a Voila kernel manager (already made) the refill policy above."""
    cls = manager.__class__
    if not issubclass(cls, Refills):
        manager.__class__ = type(f"Refilling{cls.__name__}", (Refills, cls), {})
        manager._refill_queue, manager._refill_task, manager._last_take = [], None, 0.0
    return manager
