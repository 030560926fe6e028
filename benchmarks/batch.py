"""Running the region's workbooks: plain papermill vs `workbook run`, measured in one run.

Run: .venv/bin/python benchmarks/batch.py [--districts 10] [--workers 2]

The same N districts of the sample region (the first N by id) x the region's notebooks
are run three ways, one after another, and each is timed by the wall clock:

1. papermill CLI: one `papermill IN OUT -p ... -r ...` process per notebook, one at a
   time; every notebook starts Python, a fresh kernel and re-imports pandas, altair, ...
2. papermill API: `papermill.execute_notebook` in a loop in this process; still a fresh
   kernel per notebook, but no interpreter start for papermill itself.
3. workbook run: `workbook.run.batch.run` with --workers warm kernels, a fresh output folder,
   no resume. Its time includes planning, the HTML report of every notebook and the
   landing page; the papermill ways write notebooks only.

All three get exactly the parameters `workbook run` plans (each its own data_dir) and
read the same data and plans. Setup, not timed: a temporary folder with a fresh SQLite
store loaded with the sample plans and a warm data cache (nothing is written under
outputs/). Every run is checked (exit code, error outputs, failed outcomes); if any
failed, the script stops with the error and prints no timings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REGION = "sample"


def setup(tmp: Path) -> str:
    """A fresh plan store with the sample plans and a warm data cache, both under tmp."""
    os.environ["WORKBOOK_CACHE_DIR"] = str(tmp / "cache")
    url = f"sqlite:///{tmp / 'bench.db'}"
    os.environ["WORKBOOK_DATABASE_URL"] = url  # inherited by papermill and the kernels
    from workbook.run import context
    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    outcomes = context.region_outcomes(REGION)
    store = Store(url)
    sample_plans.load_into(store, outcomes)
    store.engine.dispose()
    return url


def plan(tmp: Path, districts: int, url: str):
    """The jobs `workbook run` would run: districts, notebooks and their parameters."""
    from workbook.run import batch, regions

    jobs = batch.plan_jobs(regions.load(REGION), tmp / "plan", limit=districts,
                           database_url=url)
    if len(jobs) < districts:
        sys.exit(f"the {REGION} region has only {len(jobs)} districts, not {districts}")
    return jobs


def tasks(jobs, out: Path):
    """(notebook, parameters, output path) for every district-notebook, data_dir under out."""
    for job in jobs:
        for nb in job.notebooks:
            params = dict(job.parameters[nb],
                          data_dir=str(out / job.district_id / "data" / nb))
            yield nb, params, out / job.district_id / f"{nb}.ipynb"


def check_notebook(path: Path, label: str) -> None:
    import nbformat

    from workbook.run.kernels import first_error

    error = first_error(nbformat.read(path, as_version=4))
    if error:
        sys.exit(f"{label} failed: {path}: {error}")


def papermill_cli(jobs, out: Path) -> int:
    """One papermill process per notebook, like a shell loop would run them."""
    from workbook.run import notebooks

    exe = Path(sys.executable).with_name("papermill")
    count = 0
    for nb, params, output in tasks(jobs, out):
        output.parent.mkdir(parents=True, exist_ok=True)
        cmd = [str(exe), str(notebooks.path_of(nb)), str(output), "-k", "python3",
               "--no-progress-bar"]
        for key, value in params.items():  # -r keeps ids such as "2766159..." as text
            cmd += ["-p" if isinstance(value, int) else "-r", key, str(value)]
        done = subprocess.run(cmd, cwd=notebooks.NOTEBOOK_DIR, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            sys.exit(f"papermill CLI failed on {nb} ({params['district_id']}), "
                     f"exit {done.returncode}:\n{tail}")
        check_notebook(output, "papermill CLI")
        count += 1
    return count


def papermill_api(jobs, out: Path) -> int:
    """papermill.execute_notebook in a loop, in this process."""
    import papermill

    from workbook.run import notebooks

    count = 0
    for nb, params, output in tasks(jobs, out):
        output.parent.mkdir(parents=True, exist_ok=True)
        try:
            papermill.execute_notebook(str(notebooks.path_of(nb)), str(output),
                                       parameters=params, kernel_name="python3",
                                       progress_bar=False, cwd=str(notebooks.NOTEBOOK_DIR))
        except Exception as exc:
            sys.exit(f"papermill API failed on {nb} ({params['district_id']}): "
                     f"{str(exc).strip().splitlines()[-1:]}")
        check_notebook(output, "papermill API")
        count += 1
    return count


def workbook_run(jobs, out: Path, workers: int, url: str) -> int:
    """`workbook run` on the same districts: warm kernels, HTML reports included."""
    from workbook.run import batch

    result = batch.run(REGION, only=[j.district_id for j in jobs], workers=workers,
                       out_root=out, database_url=url)
    expected = sum(len(j.notebooks) for j in jobs)
    done = [o for o in result.outcomes if o.status == "done"]
    if result.failed or len(done) != expected:
        first = result.failed[0] if result.failed else None
        why = f"{first.notebook} ({first.district_id}): {first.error}" if first else \
            f"{len(done)} of {expected} notebooks done"
        sys.exit(f"workbook run failed: {why}")
    return len(done)


def timed(fn, *args) -> tuple[int, float]:
    start = time.perf_counter()
    count = fn(*args)
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=10, help="districts (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="workbook run workers")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="workbook-bench-") as name:
        tmp = Path(name)
        print("setup: fresh SQLite store with the sample plans, warm data cache ...",
              flush=True)
        url = setup(tmp)
        jobs = plan(tmp, args.districts, url)
        n_nb = len(jobs[0].notebooks)
        print(f"{len(jobs)} districts x {n_nb} notebooks = {len(jobs) * n_nb} "
              f"district-notebooks; {os.cpu_count()} cores; workbook run with "
              f"{args.workers} workers", flush=True)
        ways = [("papermill CLI", papermill_cli, (jobs, tmp / "cli")),
                ("papermill API", papermill_api, (jobs, tmp / "api")),
                ("workbook run", workbook_run, (jobs, tmp / "run", args.workers, url))]
        results = {}
        for label, fn, fn_args in ways:
            print(f"running {label} ...", flush=True)
            results[label] = timed(fn, *fn_args)

    per = {label: secs / count for label, (count, secs) in results.items()}
    print()
    print(f"{'way':<15} {'notebooks':>9} {'total s':>9} {'s / district-notebook':>22}")
    for label, (count, secs) in results.items():
        print(f"{label:<15} {count:>9} {secs:>9.1f} {per[label]:>22.2f}")
    print()
    print("papermill ways: one notebook at a time, notebooks only, no HTML;")
    print(f"workbook run: {args.workers} workers, also writes every HTML report "
          f"and the landing page.")
    base = per["workbook run"]
    for label in ("papermill CLI", "papermill API"):
        print(f"{label} vs workbook run: {per[label] / base:.1f}x the time")
    print(f"speedup vs papermill CLI: {per['papermill CLI'] / base:.1f}x")


if __name__ == "__main__":
    main()
