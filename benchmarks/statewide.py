"""A statewide run: every LEA of a California statewide file x its district workbooks, plus
the network report, measured in one run.

Run: .venv/bin/python benchmarks/statewide.py [--leas 1000] [--workers 2] [--keep DIR]

No statewide file is bundled, so one is made from the bundled CDE file: the Monterey County
Dashboard 2024 rows (its 25 districts and county office, with their schools) copied until
there are `--leas` LEAs, each copy with new CDS codes (county, district) and names, in a
temporary folder that is deleted afterwards (never under outputs/ or committed). The first
copy keeps the real codes, so its 25 districts have the illustrative sample plans and every
other LEA has none, as in a real statewide run.

Setup, not timed: the file, its manifest (`districts: all`, audience `team` so every LEA gets
every workbook; `--audience stakeholder` leaves the plan workbooks out for LEAs with no plan),
a fresh SQLite store with the sample plans, and the Parquet cache of the file (`data check`
once per state file). Timed: `workbook.run.batch.run` on the whole state with `--workers` warm
kernels: planning, every district workbook and its HTML report, the network report, the
region's disclosure audit and landing page. Peak RSS: the largest sum, sampled every 0.2 s,
of the resident memory of this process and every process it started (the kernels).

Prints: LEAs, district-notebooks, wall time (and how much of it the districts' notebooks,
the network report, and the audit and landing page took), time per district-notebook, CPU
time and how much of it went to drawing charts, peak RSS. Any failed
notebook stops the script with its error; no timings are printed then.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

SAMPLE = "ca_dashboard_2024_monterey/dashboard_2024_monterey.csv"


def statewide_file(folder: Path, leas: int) -> tuple[Path, int]:
    """The Monterey file's rows copied until there are `leas` LEAs; returns the file and its
    LEA count. Copy k gets a county code other than Monterey's (27) and district codes
    'kkNNN', so no copy's code is another's."""
    import pandas as pd

    from workbook.data import SAMPLE_DIR

    base = pd.read_csv(SAMPLE_DIR / SAMPLE, dtype=str, keep_default_na=False)
    codes = sorted(base["cds"].str[2:7].unique())
    per_copy = len(codes)
    copies = -(-leas // per_copy)
    frames = []
    for k in range(copies):
        part = base.copy()
        wanted = codes[: leas - k * per_copy] if (k + 1) * per_copy > leas else codes
        part = part[part["cds"].str[2:7].isin(wanted)]
        if k:  # the first copy keeps the real codes (and so the sample plans)
            index = {c: f"{k % 100:02d}{i:03d}" for i, c in enumerate(codes)}
            county = f"{[c for c in range(1, 59) if c != 27][k % 57]:02d}"
            part["cds"] = county + part["cds"].str[2:7].map(index) + part["cds"].str[7:]
            part["districtname"] = part["districtname"] + f" {k}"
            part["schoolname"] = part["schoolname"].where(part["schoolname"] == "",
                                                          part["schoolname"] + f" {k}")
            part["countyname"] = f"County {k:03d}"
        frames.append(part)
    state = pd.concat(frames, ignore_index=True)
    path = folder / "data" / "dashboard_2024_statewide.csv"
    path.parent.mkdir(parents=True)
    state.to_csv(path, index=False)
    return path, state["cds"].str[:7].nunique()


def manifest(folder: Path, data: Path, audience: str) -> Path:
    path = folder / "statewide.yaml"
    path.write_text(
        "name: statewide\ntitle: California, every LEA (generated benchmark file)\n"
        "school_year: '2024-25'\nyear: 2024\nstate: CA\n"
        f"sources:\n  - {{format: ca_dashboard, path: '{data}'}}\n"
        "districts: all\nquarter: 2\nplan_year: 1\nplan_start: '2024-08-01'\n"
        f"audience: {audience}\n"
        "notebooks: [01_needs_assessment, 02_root_cause_analysis, 03_strategy_and_measures,\n"
        "            04_quarterly_report, 05_region_network]\n")
    return path


class PeakRSS:
    """The largest total resident memory of this process and its descendants, sampled."""

    def __init__(self, every: float = 0.2):
        import psutil

        self._me, self._every, self.peak = psutil.Process(), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for proc in [self._me, *self._me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self._every)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _own_cpu() -> float:
    """CPU seconds of this process alone: the threads that drive the kernels and write the
    pages, and the region's tail."""
    t = os.times()
    return t.user + t.system


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the kernels, once closed)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leas", type=int, default=1000, help="LEAs (default 1000)")
    parser.add_argument("--workers", type=int, default=2, help="warm kernels (default 2)")
    parser.add_argument("--audience", choices=["team", "stakeholder"], default="team")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="workbook-statewide-")
    folder = args.keep or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["WORKBOOK_CACHE_DIR"] = str(folder / "cache")
    url = f"sqlite:///{folder / 'plans.db'}"
    try:
        print(f"setup: a statewide file of {args.leas} LEAs, the sample plans, the cache ...",
              flush=True)
        from workbook.data import cache
        from workbook.run import batch, context, regions
        from workbook.samples import plans as sample_plans
        from workbook.store import Store

        data, leas = statewide_file(folder, args.leas)
        region = regions.load(str(manifest(folder, data, args.audience)))
        outcomes = cache.read_all(cache.cached(region.source_paths()))
        store = Store(url)
        sample_plans.load_into(store, context.region_outcomes("sample"))
        planned = set(store.orgs()) & {d for d, _name in batch.district_ids(region, outcomes)}
        store.engine.dispose()
        del outcomes

        print(f"running {leas} LEAs with {args.workers} warm kernels on {os.cpu_count()} "
              "cores ...", flush=True)
        from workbook.run.speedups import CHART_TIMES_ENV

        chart_times = folder / "chart-seconds.txt"
        os.environ[CHART_TIMES_ENV] = str(chart_times)  # the kernels add each drawing's time
        with PeakRSS() as rss:
            start, cpu0, own0 = time.perf_counter(), _cpu(), _own_cpu()
            seen: dict[str, float] = {}  # phase -> seconds from the start when it ended

            def progress(got: list) -> None:
                phase = "network" if any(o.notebook == batch.NETWORK for o in got) \
                    else "districts"
                seen[phase] = time.perf_counter() - start

            result = batch.run(region.manifest, workers=args.workers,
                               out_root=folder / "out", database_url=url, progress=progress)
            wall, cpu = time.perf_counter() - start, _cpu() - cpu0
            own = _own_cpu() - own0
        if result.failed:
            first = result.failed[0]
            sys.exit(f"{len(result.failed)} failed; first: {first.district_id} "
                     f"{first.notebook}: {first.error}")
        done = [o for o in result.outcomes if o.status == "done"]
        district_nbs = [o for o in done if o.notebook != batch.NETWORK]
        drawn = [float(v) for v in chart_times.read_text().split()] if chart_times.exists() \
            else []
    finally:
        if not args.keep:
            tmp.cleanup()
    print()
    print(f"LEAs                      {leas} ({len(planned)} with a plan)")
    print(f"district-notebooks        {len(district_nbs)} (+ the network report)")
    print(f"wall time                 {wall:.1f} s")
    print(f"per district-notebook     {wall / len(district_nbs):.3f} s")
    districts_end = seen.get("districts", 0.0)
    network_end = seen.get("network", districts_end)
    print(f"  of which                {districts_end:.1f} s the districts' notebooks "
          f"({args.workers} at a time), {network_end - districts_end:.1f} s the network "
          f"report, {wall - network_end:.1f} s the audit and the landing page")
    print(f"CPU time                  {cpu:.1f} s (this process and the kernels; "
          f"{cpu / len(district_nbs) / args.workers:.3f} s per district-notebook over "
          f"{args.workers} cores: the wall time on an otherwise idle machine)")
    print(f"  of which                {own:.1f} s in this process (driving the kernels, "
          f"writing notebooks and pages, the region's tail), {cpu - own:.1f} s in kernels")
    draw = sum(drawn)
    print(f"of which drawing charts   {draw:.1f} s in vl-convert ({len(drawn)} drawings, "
          f"{draw / max(len(drawn), 1) * 1000:.0f} ms each; {draw / leas:.2f} s per LEA, "
          f"{draw / len(district_nbs) / args.workers:.3f} s per district-notebook over "
          f"{args.workers} cores)")
    print(f"everything else           "
          f"{(cpu - draw) / len(district_nbs) / args.workers:.3f} s per district-notebook "
          f"over {args.workers} cores")
    print(f"peak RSS                  {rss.peak / 2**20:.0f} MiB (this process and kernels)")


if __name__ == "__main__":
    main()
