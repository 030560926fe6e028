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
  (fishbone). Each change is to a value not shown before in that page. The server's
  chart warmer (workbook.apps.chartcache) draws every district's views one choice away
  after it starts, as it would on a real server; the benchmark waits for it to finish
  and prints how long it took, so the needs figures are those of a warmed server. The
  fishbone is drawn from what is typed, so nothing is drawn ahead for it. Measured once
  Voila has refilled its kernel pool (starting a kernel takes a CPU for a few seconds;
  on a small machine a change made meanwhile waits for it).

Then, under load (skip with --no-load):

* a burst of 20 first opens at the same moment, spread over the six apps, each in its own
  browser page: median and worst time to the app's content (target median 3 s);
* a reload: the same app opened again 1 s after its first open rendered (a person
  checking a save), time to content (target 1.5 s);
* 30 opens without a browser (as curl, a chat's link preview or a killed browser do: no
  websocket, no unload beacon): kernels alive and their memory (proportional set size,
  which counts memory shared between forked kernels once) right after, and again after
  --idle-wait seconds (default 300; target: back to the pool, one per app).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
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


def pooled(log: str, app: str) -> int:
    """The app's pre-heated kernels waiting in its pool now, read from the server's log:
    kernels that reached their wait for a request, less those a page took."""
    return (log.count(f"[workbook] {app} app warm")
            - len(re.findall(rf"Using pre-heated kernel: \S+ for {app}\.ipynb", log)))


def wait_warm(server, apps: Iterable[str] = tuple(READY), timeout: float = 300) -> None:
    """Wait until the apps' pools are full again (`workbook serve`'s pool size each): no
    kernel being pre-heated meanwhile. A page that found the pool empty started a kernel
    of its own, which is not refilled, so the log's counts are what tell."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = server.log()
        if all(pooled(log, app) >= POOL_SIZE for app in apps):
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
    parser.add_argument("--no-load", action="store_true", help="skip the load figures")
    parser.add_argument("--idle-wait", type=float, default=300)
    args = parser.parse_args()
    # a `timeout` or a Ctrl-C stops the server and its kernels too (the `finally` below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
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
            wait_warm(server)
            print(f"apps in Chromium, {args.trials} trials each, pre-heated kernels, "
                  f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
            report(run(server, args.trials, sync_playwright, chromium))
            if not args.no_load:
                report(load(server, chromium, args.idle_wait))
        except (Exception, SystemExit):  # SystemExit: kernels that did not warm up
            print(f"server log: {server.log_path}", file=sys.stderr)
            print(server.log()[-4000:], file=sys.stderr)
            raise
        finally:
            server.stop()


def report(results: list) -> None:
    for name, values, target, unit in results:
        print(line(name, values, target, unit) if unit in ("s", "ms") else
              f"{name:<44} {values[0]:7.0f} {unit}" + (
                  "" if target is None else f"  target {target:5.0f} {unit}  "
                  + ("ok" if values[0] <= target else "OVER")), flush=True)


def run(server, trials: int, sync_playwright, chromium: str) -> list:
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
                wait_warm(server)  # every pool full: no kernel starting meanwhile
                start = time.perf_counter()
                page.goto(f"{server.base}/voila/render/{app}.ipynb?district={DISTRICT}",
                          wait_until="commit")
                page.wait_for_selector(selector)
                times.append(time.perf_counter() - start)
                page.goto("about:blank")
            results.append((f"first render: {app}", times, FIRST_RENDER_TARGET, "s"))
        results += redraws(server, page, trials)
        browser.close()
    return results


def change(page, *args) -> float:
    """One timed change, after a pause: a person does not change the next dropdown while
    the kernel is still drawing the other charts of the last change."""
    page.wait_for_timeout(1000)
    return page.evaluate(CHANGE_JS, list(args)) / 1000


def wait_warmer(server, timeout: float = 1200) -> float:
    """Seconds the server's chart warmer took (it prints one line when it is done)."""
    import re

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"chart warmer: (\d+) districts drawn in (\d+) s", server.log())
        if found:
            return float(found.group(2))
        time.sleep(1)
    raise SystemExit("the chart warmer did not finish in time; see " + str(server.log_path))


def redraws(server, page, trials: int) -> list:
    out = [("chart warmer: every district's views, after start", [wait_warmer(server)],
            None, "s total")]
    wait_warm(server, ["needs"])
    page.goto(f"{server.base}/voila/render/needs.ipynb?district={DISTRICT}")
    page.wait_for_selector(".wb-chart-gap svg")
    wait_warm(server, ["needs"])  # Voila's refill of the pool is done
    n_ind = page.eval_on_selector(".wb-indicator select", "e => e.options.length")
    gap = [change(page, ".wb-indicator select", ".wb-chart-gap", "select", i)
           for i in range(1, min(n_ind, trials + 1))]
    out.append(("redraw: needs indicator -> gap chart", gap, REDRAW_TARGET, "ms"))
    n_grp = page.eval_on_selector(".wb-group select", "e => e.options.length")
    trend = [change(page, ".wb-group select", ".wb-chart-trend", "select", i)
             for i in range(1, min(n_grp, trials + 1))]
    out.append(("redraw: needs student group -> trend", trend, REDRAW_TARGET, "ms"))
    wait_warm(server, ["rootcause"])
    page.goto(f"{server.base}/voila/render/rootcause.ipynb?district={DISTRICT}")
    page.wait_for_selector(".wb-chart-fishbone svg")
    wait_warm(server, ["rootcause"])
    fish = [change(page, ".wb-cause textarea", ".wb-chart-fishbone", "text",
                   f"Teachers lack time to plan together {i}") for i in range(trials)]
    out.append(("redraw: root cause keystroke -> fishbone", fish, REDRAW_TARGET, "ms"))
    return out



BURST = 20
BURST_TARGET = 3.0
RELOAD_TARGET = 1.5
BEACONLESS = 30
POOL_SIZE = 2  # `workbook serve --pool-size` default


def kernels(server) -> tuple[int, float]:
    """(kernels alive, their memory in MB): the fork server's children, PSS summed."""
    import psutil

    count, pss = 0, 0
    for proc in psutil.Process(server.proc.pid).children():
        try:
            if "--serve" not in proc.cmdline():
                continue
            for kernel in proc.children():
                count += 1
                pss += kernel.memory_full_info().pss
        except psutil.Error:
            continue
    return count, pss / 2**20


def cpu_by_part(server) -> dict[tuple[str, int], float]:
    """CPU seconds used so far by each process, keyed by (part, pid): the server's own
    process, its kernels (the fork server and every process under the server), and the
    browser (every Chromium process)."""
    import psutil

    out = {}
    root = psutil.Process(server.proc.pid)
    under = {p.pid for p in root.children(recursive=True)}
    for proc in psutil.process_iter(["cmdline"]):
        try:
            times = proc.cpu_times()
            if proc.pid == root.pid:
                part = "server"
            elif proc.pid in under:
                part = "kernels"
            elif "chromium" in " ".join(proc.info["cmdline"] or []):
                part = "browser"
            else:
                continue
            out[(part, proc.pid)] = times.user + times.system
        except psutil.Error:
            continue
    return out


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each part used between two `cpu_by_part` readings."""
    used: dict[str, float] = dict.fromkeys(("browser", "kernels", "server"), 0.0)
    for key, seconds in after.items():
        used[key[0]] += seconds - before.get(key, 0.0)
    return used


def load(server, chromium: str, idle_wait: float) -> list:
    """The burst, the reload and the beacon-less opens (see the module's docstring)."""
    import asyncio
    import concurrent.futures
    import urllib.request

    from playwright.async_api import TimeoutError as PlaywrightTimeout
    from playwright.async_api import async_playwright

    apps = list(READY)
    wait_warm(server)

    async def burst() -> list[float]:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            ctx = await browser.new_context(viewport={"width": 1300, "height": 900})
            ctx.set_default_timeout(300_000)
            first = await ctx.new_page()
            await first.goto(server.url)  # the token's cookie, as a person's first visit

            async def one(i: int) -> float:
                app = apps[i % len(apps)]
                page = await ctx.new_page()
                start = time.perf_counter()
                await page.goto(f"{server.base}/voila/render/{app}.ipynb?district="
                                f"{DISTRICT}", wait_until="commit")
                try:
                    await page.wait_for_selector(READY[app])
                except PlaywrightTimeout:  # counted as never: the worst figure says so
                    return float("inf")
                return time.perf_counter() - start

            before = cpu_by_part(server)
            times = await asyncio.gather(*(one(i) for i in range(BURST)))
            burst_cpu.update(cpu_used(before, cpu_by_part(server)))  # before its pages close
            await browser.close()
            return list(times)

    burst_cpu: dict[str, float] = {}
    burst_times = asyncio.run(burst())
    cores = os.cpu_count() or 1
    total = sum(burst_cpu.values())
    # where the burst's time went: the CPU each part used while the pages opened. With
    # every page's browser on the same cores, the browser's part alone is a floor.
    print(f"  CPU in the burst: browser {burst_cpu['browser']:.1f} s, kernels "
          f"{burst_cpu['kernels']:.1f} s, server {burst_cpu['server']:.1f} s; {total:.1f} s "
          f"in all = {total / cores:.1f} s of wall on {cores} cores, "
          f"{total / BURST:.2f} CPU-s a page ({burst_cpu['browser'] / BURST:.2f} of it the "
          f"browser's)", flush=True)
    time.sleep(5)
    wait_warm(server)

    async def reload() -> float:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = await browser.new_page()
            page.set_default_timeout(120_000)
            await page.goto(server.url)
            address = f"{server.base}/voila/render/status.ipynb?district={DISTRICT}"
            await page.goto(address)
            await page.wait_for_selector(READY["status"])
            await page.wait_for_timeout(1000)
            start = time.perf_counter()
            await page.goto(address, wait_until="commit")
            await page.wait_for_selector(READY["status"])
            took = time.perf_counter() - start
            await browser.close()
            return took

    reload_time = asyncio.run(reload())
    wait_warm(server)

    def fetch(i: int) -> int:
        app = apps[i % len(apps)]
        with urllib.request.urlopen(f"{server.base}/voila/render/{app}.ipynb?token="
                                    f"{server.token}", timeout=600) as reply:
            return len(reply.read())

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(fetch, range(BEACONLESS)))
    after_count, after_mb = kernels(server)
    # back to the pools: every app's pre-heated kernels, `workbook serve`'s default pool size
    from workbook.apps.serve import app_notebooks

    pooled = POOL_SIZE * len(app_notebooks())
    time.sleep(idle_wait)
    late_count, late_mb = kernels(server)
    return [
        (f"{BURST} concurrent first opens", burst_times, BURST_TARGET, "s"),
        ("reload 1 s after a first open", [reload_time], RELOAD_TARGET, "s"),
        (f"kernels right after {BEACONLESS} beacon-less opens", [after_count], None,
         "kernels"),
        ("  their memory (PSS)", [after_mb], None, "MB"),
        (f"kernels {idle_wait:.0f} s later", [late_count], pooled, "kernels"),
        ("  their memory (PSS)", [late_mb], None, "MB"),
    ]


if __name__ == "__main__":
    sys.exit(main())
