"""Drawn charts shared between the kernels of one server, on disk.

Every page has its own kernel, so a chart one kernel drew (an SVG: half a second of
Vega-Lite and Altair work) is lost when its page closes, and the next person to open the
same district waits for it again. `workbook serve` gives its kernels a folder for this
server's lifetime (`ENV`); a chart function wrapped in `shared` keeps what it drew there,
under a digest of its name, its arguments and the language, and any later kernel reads it back.

What is drawn depends only on the arguments and on the region's data, which a server
reads once when it starts (its kernels are forks of a process that has read them); the
folder is new at every start, so a restart after new data or new code draws afresh.
Without the variable (tests, notebooks, batch runs) nothing is kept on disk. A folder
that cannot be read or written only costs the drawing: it never fails a page.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

#: The environment variable naming this server's chart folder.
ENV = "WORKBOOK_CHART_CACHE"
#: Folders of servers that stopped more than this many seconds ago are removed at start.
STALE_SECONDS = 24 * 3600

F = TypeVar("F", bound=Callable[..., str])


def folder() -> Path | None:
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def _path(root: Path, name: str, args: tuple, kwargs: dict) -> Path:
    from workbook.i18n import language  # titles and labels are in the page's language

    key = json.dumps([name, language(), list(args), sorted(kwargs.items())], default=str)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return root / digest[:2] / f"{digest[2:]}.svg"


def shared(fn: F) -> F:
    """`fn` (a function of plain arguments returning markup) kept in the server's folder."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> str:
        root = folder()
        if root is None:
            return fn(*args, **kwargs)
        path = _path(root, name, args, kwargs)
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        out = fn(*args, **kwargs)
        _write(path, out)
        return out

    return wrapper  # type: ignore[return-value]


def _write(path: Path, text: str) -> None:
    """Write whole or not at all: another kernel reads either nothing or all of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


def new_folder(cache_root: Path) -> Path:
    """A fresh folder for a starting server under `cache_root`/charts, removing those of
    servers long gone (a server running beside this one keeps its own)."""
    base = Path(cache_root) / "charts"
    base.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in base.iterdir():
        try:
            if old.is_dir() and now - old.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue
    return Path(tempfile.mkdtemp(dir=base, prefix=time.strftime("%Y%m%d-%H%M%S-")))


# --------------------------------------------------------------------------- warming

#: How a server starts its warmer: the lowest CPU priority, so pages always come first.
WARM_NICE = 19


def start_warmer():
    """Draw, in a background process at the lowest priority, the needs explorer's charts
    into this server's folder (see `warm`: every district's opening view, then the views
    one choice away), so people find them drawn. Its lines go to the server's log.
    Returns the process (the caller stops it; it also stops by itself when the server is
    gone)."""
    import subprocess
    import sys

    def lower() -> None:
        os.nice(WARM_NICE)

    return subprocess.Popen([sys.executable, "-m", "workbook.apps.chartcache",
                             str(os.getpid())], stdin=subprocess.DEVNULL,
                            preexec_fn=lower)


def warm(parent: int, only: tuple[str, ...] = (), *, views: bool = True) -> int:
    """The warmer's work, while `parent` (the server) runs: first every district's opening
    view (grid, gap and trend), then, with `views`, the views one choice away (each
    indicator's gap and trend, and the opening indicator's trend for each student group),
    so that a person's first changes are drawn already. Each region in turn, or only those
    named in `only`. Returns how many districts were opened in the first pass."""
    from workbook.apps.common import district_choices
    from workbook.apps.needs import NeedsApp
    from workbook.run import regions, speedups
    from workbook.store import Store
    from workbook.users.model import Access

    speedups.install()
    store = Store()
    opened: list[dict[str, str]] = []
    done = 0

    def open_app(query: dict[str, str]) -> NeedsApp | None:
        try:
            return NeedsApp(store, query, access=Access.single_user())
        except Exception as exc:  # that district's page will say what is wrong
            print(f"[workbook] chart warmer: {query['region']}/{query['district']}: {exc}",
                  flush=True)
            return None

    try:
        for manifest in regions.manifests():
            if only and manifest.stem not in only:
                continue
            for district_id, _name in district_choices(manifest.stem):
                if os.getppid() != parent:
                    return done
                query = {"region": manifest.stem, "district": district_id}
                if open_app(dict(query)) is not None:
                    opened.append(query)
                done += 1
        for query in opened if views else ():
            if os.getppid() != parent:
                return done
            app = open_app(dict(query))  # its opening view is read back, not drawn
            if app is not None:
                _one_choice_away(app)
    finally:
        store.engine.dispose()
    return done


def _one_choice_away(app) -> None:
    """Choose, as a person would, each indicator and then each student group of the
    opening indicator: the app draws (and so keeps) every chart they lead to."""
    first_indicator, first_group = app.indicator.value, app.group.value
    for _label, code in list(app.indicator.options)[1:]:
        app.indicator.value = code
    app.indicator.value = first_indicator
    for _label, code in list(app.group.options):
        if code != first_group:
            app.group.value = code


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit() or folder() is None:
        print(f"usage: {ENV}=FOLDER python -m workbook.apps.chartcache SERVER_PID")
        return 2
    start = time.monotonic()
    try:
        n = warm(int(argv[0]))
    except Exception as exc:  # only a warm-up: pages draw what is missing themselves
        print(f"[workbook] chart warmer stopped: {exc}", flush=True)
        return 1
    print(f"[workbook] chart warmer: {n} districts drawn in {time.monotonic() - start:.0f} s",
          flush=True)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
