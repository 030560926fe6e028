"""How fast the apps are in a real browser: first render, and a change that redraws a chart.

Run: .venv/bin/python benchmarks/apps.py [--trials 3]

Starts `workbook serve` (pre-heated kernels, one per app) on a temporary SQLite store
holding the sample plans, waits until every app's kernel is warm, then drives Debian's
Chromium (offline but for the server) and prints, for each figure, the median and the
worst of the trials against its target:

* first render: from asking for the page to the app's main content on screen (the charts
  drawn, the form filled), with a pre-heated kernel (target 2 s). Between trials the
  benchmark waits for Voila to warm the next kernel, as a real server would have done in
  the minutes between two people opening the app.
* a widget change that redraws a chart: measured inside the page, from the change event
  to the new drawing in the document (target 150 ms): the needs explorer's indicator
  (gap chart) and student group (trend), and a keystroke in the root cause builder
  (fishbone). Each change is to a value not shown before, so no cached drawing helps.
  Measured once Voila has refilled its kernel pool (starting a kernel takes a CPU for a
  few seconds; on a small machine a change made meanwhile waits for it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

DISTRICT = "27661590000000"  # Salinas Union High: a rich plan, many groups
FIRST_RENDER_TARGET = 2.0
REDRAW_TARGET = 0.150
#: app -> what is on screen once the app has rendered
READY = {
    "needs": ".wb-chart-gap svg",
    "rating": ".wb-progress b",
    "rootcause": ".wb-chart-fishbone svg",
    "plan": ".wb-findings h4",
    "coaching": ".wb-record",
    "status": ".wb-quarter table",
}
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 # offline but for this machine
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

# In-page timer: apply a change, resolve with the ms until `target` shows a new drawing.
CHANGE_JS = """
async ([selector, target, kind, value]) => {
  const box = document.querySelector(target);
  const before = box.innerHTML;
  const el = document.querySelector(selector);
  const done = new Promise((resolve) => {
    const t0 = performance.now();
    const obs = new MutationObserver(() => {
      if (box.innerHTML !== before && box.querySelector('svg')) {
        obs.disconnect(); resolve(performance.now() - t0);
      }
    });
    obs.observe(box, {childList: true, subtree: true, characterData: true});
    if (kind === 'select') {
      el.selectedIndex = value;
      el.dispatchEvent(new Event('change', {bubbles: true}));
    } else {
      el.value = value;
      el.dispatchEvent(new Event('input', {bubbles: true}));
    }
  });
  return await done;
}
"""


def ready_count(log: str, app: str) -> int:
    return log.count(f"[workbook] {app} app warm")


def wait_warm(server, counts: dict[str, int], timeout: float = 300) -> None:
    """Wait until every app has one more warm kernel than `counts` says were used."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = server.log()
        if all(ready_count(log, app) > used for app, used in counts.items()):
            time.sleep(0.5)  # let the kernel settle into its wait
            return
        time.sleep(0.2)
    raise SystemExit("kernels did not warm up in time; see " + str(server.log_path))


def stats(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), max(values)


def line(name: str, values: list[float], target: float, unit: str) -> str:
    med, worst = stats(values)
    scale, digits = (1000, 0) if unit == "ms" else (1, 2)
    ok = "ok" if worst <= target else "OVER"
    return (f"{name:<44} median {med * scale:7.{digits}f} {unit}  worst "
            f"{worst * scale:7.{digits}f} {unit}  target {target * scale:5.{digits}f} {unit}"
            f"  {ok}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from workbook.apps.serve import Background
    from workbook.run import context
    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    chromium = "/usr/bin/chromium"
    if not os.access(chromium, os.X_OK):
        raise SystemExit("needs Debian's chromium (scripts/system-setup.sh)")
    with tempfile.TemporaryDirectory(prefix="wb-bench-apps-") as tmp:
        os.environ["WORKBOOK_CACHE_DIR"] = str(Path(tmp) / "cache")
        url = f"sqlite:///{Path(tmp) / 'workbook.db'}"
        store = Store(url)
        sample_plans.load_into(store, context.region_outcomes("sample"))
        store.engine.dispose()
        server = Background(database_url=url, log_path=Path(tmp) / "serve.log",
                            env={"JUPYTERHUB_USER": "benchmark"})
        server.start()
        try:
            used = dict.fromkeys(READY, 0)
            wait_warm(server, used)
            results = run(server, args.trials, used, sync_playwright, chromium)
        except Exception:
            print(f"server log (last lines):\n{server.log()[-4000:]}", file=sys.stderr)
            raise
        finally:
            server.stop()
    print(f"apps in Chromium, {args.trials} trials each, pre-heated kernels, "
          f"{os.cpu_count()} CPUs")
    for name, values, target, unit in results:
        print(line(name, values, target, unit))


def run(server, trials: int, used: dict[str, int], sync_playwright, chromium: str) -> list:
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
        ctx.set_default_timeout(120_000)
        page = ctx.new_page()
        page.goto(server.url)
        for app, selector in READY.items():
            times = []
            for _ in range(trials):
                wait_warm(server, used)  # every pool full: no kernel starting meanwhile
                start = time.perf_counter()
                page.goto(f"{server.base}/voila/render/{app}.ipynb?district={DISTRICT}",
                          wait_until="commit")
                page.wait_for_selector(selector)
                times.append(time.perf_counter() - start)
                used[app] += 1
                page.goto("about:blank")
            results.append((f"first render: {app}", times, FIRST_RENDER_TARGET, "s"))
        results += redraws(server, page, trials, used)
        browser.close()
    return results


def change(page, *args) -> float:
    """One timed change, after a pause: a person does not change the next dropdown while
    the kernel is still drawing the other charts of the last change."""
    page.wait_for_timeout(1000)
    return page.evaluate(CHANGE_JS, list(args)) / 1000


def redraws(server, page, trials: int, used: dict[str, int]) -> list:
    out = []
    wait_warm(server, {"needs": used["needs"]})
    page.goto(f"{server.base}/voila/render/needs.ipynb?district={DISTRICT}")
    page.wait_for_selector(".wb-chart-gap svg")
    used["needs"] += 1
    wait_warm(server, {"needs": used["needs"]})  # Voila's refill of the pool is done
    n_ind = page.eval_on_selector(".wb-indicator select", "e => e.options.length")
    gap = [change(page, ".wb-indicator select", ".wb-chart-gap", "select", i)
           for i in range(1, min(n_ind, trials + 1))]
    out.append(("redraw: needs indicator -> gap chart", gap, REDRAW_TARGET, "ms"))
    n_grp = page.eval_on_selector(".wb-group select", "e => e.options.length")
    trend = [change(page, ".wb-group select", ".wb-chart-trend", "select", i)
             for i in range(1, min(n_grp, trials + 1))]
    out.append(("redraw: needs student group -> trend", trend, REDRAW_TARGET, "ms"))
    wait_warm(server, {"rootcause": used["rootcause"]})
    page.goto(f"{server.base}/voila/render/rootcause.ipynb?district={DISTRICT}")
    page.wait_for_selector(".wb-chart-fishbone svg")
    used["rootcause"] += 1
    wait_warm(server, {"rootcause": used["rootcause"]})
    fish = [change(page, ".wb-cause textarea", ".wb-chart-fishbone", "text",
                   f"Teachers lack time to plan together {i}") for i in range(trials)]
    out.append(("redraw: root cause keystroke -> fishbone", fish, REDRAW_TARGET, "ms"))
    return out


if __name__ == "__main__":
    sys.exit(main())
