"""Running the workbooks for every district of a region: fast, resumable, cluster-ready.

Each worker keeps one warm kernel (workbook.run.kernels) and runs whole districts on it; the
region's data is read once per worker from the Parquet cache. Every output is written
atomically and a district-notebook is marked done (a small JSON beside it, written last)
with a fingerprint of everything it was built from and every file it published (path,
sha256, size), so `--resume` redoes exactly what is missing, damaged or out of date; a
marker it cannot read means "redo". One district's failure never stops the others, and the
summary (`run.json`) and landing page (`index.html`) are written whatever failed, listing
every failure. Before the landing page is written, everything the region publishes is
audited together (`workbook.report.region`).

Executors: `local` (threads, each driving its own kernel process) or `dask`
(dask.distributed: each Dask worker keeps its own warm kernel). Either way, every kernel a
run starts is closed when it ends, also on an error, Ctrl-C or SIGTERM (kernels.Kernels).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import html
import json
import logging
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from workbook import i18n, paths, privacy
from workbook.data import cache
from workbook.errors import WorkbookError
from workbook.files import write_text
from workbook.i18n import _
from workbook.run import notebooks, regions

if TYPE_CHECKING:
    from workbook.run.kernels import Kernels, WarmKernel

VERSION = "2"  # of the fingerprint and the done-marker
log = logging.getLogger(__name__)


@dataclass
class Job:
    """One district: the notebooks to run and where their outputs go.

    `notebooks` names editions: a workbook (`01_needs_assessment`, in English) or its edition
    in another language (`01_needs_assessment.es`); an edition's files are named after it
    (`01_needs_assessment.es.html`, `data/01_needs_assessment.es/`, its done-marker)."""

    region: str
    district_id: str
    district_name: str
    notebooks: list[str]
    out_dir: str
    parameters: dict[str, dict[str, Any]]  # edition -> parameters
    fingerprints: dict[str, str]  # edition -> fingerprint of its inputs
    headline: str = ""  # e.g. "All students: 2 Red, 1 Orange"
    has_plan: bool = True  # the store holds a plan for the district


def edition(notebook: str, language: str = "en") -> str:
    """A workbook's edition in a language: the workbook's own name in English,
    `<notebook>.<language>` in any other."""
    return notebook if language == "en" else f"{notebook}.{language}"


def notebook_of(key: str) -> str:
    """The workbook an edition is of (`01_needs_assessment.es` -> `01_needs_assessment`)."""
    return key.split(".", 1)[0]


def language_of(key: str) -> str:
    """The language of an edition (`01_needs_assessment.es` -> `es`; no suffix: `en`)."""
    return key.split(".", 1)[1] if "." in key else "en"


@dataclass
class Outcome:
    district_id: str
    notebook: str
    status: str  # "done", "skipped" (up to date), "failed"
    seconds: float = 0.0
    error: str = ""
    html_bytes: int = 0


@dataclass
class RunResult:
    region: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


# ---------------------------------------------------------------------------- planning
def district_ids(region: regions.Region, outcomes) -> list[tuple[str, str]]:
    """(id, name) of the region's districts, as the manifest selects them."""
    rows = outcomes[(outcomes["org_level"] == "district") & (outcomes["year"] == region.year)]
    rows = rows.drop_duplicates("district_id")[["district_id", "org_name", "county", "state"]]
    sel = region.districts
    if isinstance(sel, list):
        unknown = sorted(set(sel) - set(rows["district_id"]))
        if unknown:
            raise WorkbookError(f"region {region.name!r} lists districts not in its data: "
                                f"{unknown}")
        rows = rows[rows["district_id"].isin(sel)]
    elif isinstance(sel, regions.DistrictFilter):
        if sel.county:
            rows = rows[rows["county"].str.lower() == sel.county.lower()]
        if sel.state:
            rows = rows[rows["state"] == sel.state]
        if sel.counties:  # an Oregon ESD's counties
            rows = rows[rows["county"].str.lower().isin([c.lower() for c in sel.counties])]
        if sel.members:  # an Oregon ESD's member districts, declared in the manifest
            unknown = sorted(set(sel.members) - set(rows["district_id"]))
            if unknown:
                raise WorkbookError(f"region {region.name!r} names member districts not in "
                                    f"its data: {unknown}")
            rows = rows[rows["district_id"].isin(sel.members)]
    chosen = sorted(zip(rows["district_id"], rows["org_name"], strict=True))
    regions.check_selection(region, chosen, outcomes)  # selecting nothing is an error
    return chosen


@dataclass(frozen=True)
class _Stored:
    digest: str  # of the district's records (ids and versions): the plan's fingerprint
    has_plan: bool  # any record besides the organisation's own


def _store_states(store) -> dict[str, _Stored]:
    """Every organisation's stored plan in one query (a statewide run plans ~1,000
    districts): a digest of its records' ids and versions, and whether it has a plan."""
    from workbook.store import RECORDS

    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(RECORDS.c.org_id, RECORDS.c.id, RECORDS.c.version,
                                      RECORDS.c.kind)
                            .order_by(RECORDS.c.org_id, RECORDS.c.id)).all()
    by_org: dict[str, list[tuple[str, int]]] = {}
    planned: set[str] = set()
    for org, rid, version, kind in rows:
        by_org.setdefault(org, []).append((rid, version))
        if kind != "organisation":
            planned.add(org)
    return {org: _Stored(_digest_of(ids), org in planned) for org, ids in by_org.items()}


def _digest_of(rows: list[tuple[str, int]]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


#: A district the store knows nothing about.
_NO_PLAN = _Stored(_digest_of([]), False)


def notebook_parameters(region: regions.Region, district_id: str, nb: str,
                        out_dir: Path | None, database_url: str = "") -> dict[str, Any]:
    """One edition's parameters for one district of the region (`out_dir` None: no CSVs):
    the district's, and the region's values of whatever else the workbook's typed parameters
    take (the quarter, the plan year ...); `language` for an edition other than English."""
    from workbook.run.params import NOTEBOOK_PARAMS

    p: dict[str, Any] = {"district_id": district_id, "region": region.manifest,
                         "year": region.year, "audience": region.audience,
                         "database_url": database_url,
                         "data_dir": str(out_dir / "data" / nb) if out_dir else ""}
    fields = NOTEBOOK_PARAMS[notebook_of(nb)].model_fields
    p |= {k: getattr(region, k) for k in ("quarter", "plan_year", "plan_start") if k in fields}
    if language_of(nb) != "en":
        p["language"] = language_of(nb)
    return p


def editions(region: regions.Region, has_plan: bool,
             languages: Iterable[str] | None = None) -> list[str]:
    """The editions a district gets: every district workbook in every language, except that
    a stakeholder edition of a district with no plan leaves out the workbooks about the plan
    (`params.PLAN_NOTEBOOKS`: they would be empty reports)."""
    from workbook.run.params import PLAN_NOTEBOOKS

    langs = regions.check_languages(list(languages or region.languages))
    shown = [n for n in region.district_notebooks
             if has_plan or region.audience != "stakeholder" or n not in PLAN_NOTEBOOKS]
    return [edition(n, lang) for n in shown for lang in langs]


def plan_jobs(region: regions.Region, out_root: Path, *, only: Iterable[str] = (),
              limit: int | None = None, database_url: str = "",
              languages: Iterable[str] | None = None) -> list[Job]:
    """The jobs of a run: one per selected district, with each edition's fingerprint
    (`languages`: instead of the manifest's)."""
    sources = region.source_paths()
    data_fp = cache.fingerprint(sources)
    outcomes = cache.read_all(cache.cached(sources))
    chosen = district_ids(region, outcomes)
    only = set(only)
    if only:
        unknown = only - {d for d, _name in chosen}
        if unknown:
            raise WorkbookError(f"--only names districts not in region {region.name!r}: "
                                f"{sorted(unknown)}")
        chosen = [(d, n) for d, n in chosen if d in only]
    if limit is not None:
        chosen = chosen[:limit]
    nb_fp = {n: hashlib.sha256(notebooks.path_of(n).read_bytes()).hexdigest()[:16]
             for n in region.district_notebooks}
    made_by = software_fingerprint(region)
    from workbook.store import Store

    store = Store(database_url or None)  # creates or upgrades the schema if needed
    stored = _store_states(store)
    store.engine.dispose()
    langs = regions.check_languages(list(languages or region.languages))
    heads = headlines(outcomes, [d for d, _name in chosen], region.year)
    jobs = []
    for district_id, name in chosen:
        out_dir = out_root / region.name / district_id
        plan = stored.get(district_id, _NO_PLAN)
        params, fps = {}, {}
        keys = editions(region, plan.has_plan, langs)
        for nb in keys:
            params[nb] = p = notebook_parameters(region, district_id, nb, out_dir,
                                                 database_url)
            blob = json.dumps([VERSION, nb_fp[notebook_of(nb)], data_fp, plan.digest, p,
                               made_by], sort_keys=True)
            fps[nb] = hashlib.sha256(blob.encode()).hexdigest()[:20]
        jobs.append(Job(region.name, district_id, name, keys, str(out_dir), params, fps,
                        heads.get(district_id, ""), plan.has_plan))
    return jobs


#: Folders of the project whose files make a report besides its notebook, data, plan and
#: parameters: the states' rules and terms and the providers (under the project root).
RULE_FOLDERS = ("parameters/states", "parameters/providers")
#: What in the package is read as data, not code that makes reports: the bundled sample
#: files (a region that reads one has it in its data fingerprint) and Python's byte code.
_NOT_SOFTWARE = ("__pycache__", "samples/data")


def _files_digest(folder: Path, digest: Any, skip: tuple[str, ...] = ()) -> None:
    """Every file under `folder` (path and bytes, in path order) into `digest`."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if not path.is_file() or any(rel == s or rel.startswith(s + "/") or f"/{s}/" in rel
                                     for s in skip):
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")


@functools.lru_cache(maxsize=1)
def _package_fingerprint() -> str:
    """The workbook package's own files (code, page templates, translations, catalogues):
    the same for the life of a process."""
    digest = hashlib.sha256()
    _files_digest(Path(__file__).resolve().parent.parent, digest, _NOT_SOFTWARE)
    return digest.hexdigest()[:20]


def software_fingerprint(region: regions.Region) -> str:
    """What makes a report besides its notebook, data, plan and parameters: the workbook
    package (a new release or a mended rule redoes what it made), the states' rules and the
    providers under parameters/, and the region's manifest. A resumed run redoes a report
    whose fingerprint moved, so "already up to date" is never said of a page an older
    version made."""
    digest = hashlib.sha256(_package_fingerprint().encode())
    for folder in RULE_FOLDERS:
        digest.update(folder.encode() + b"\0")
        _files_digest(paths.root() / folder, digest)
    manifest = Path(region.manifest) if region.manifest else None
    if manifest is not None and manifest.is_file():
        digest.update(b"manifest\0" + manifest.read_bytes())
    return digest.hexdigest()[:20]


def headlines(outcomes, district_ids: list[str], year: int) -> dict[str, str]:
    """`headline` of each district, reading the table once (not once per district)."""
    rows = outcomes[(outcomes["org_level"] == "district") & (outcomes["year"] == year)
                    & (outcomes["student_group"] == "ALL")
                    & outcomes["district_id"].isin(district_ids)]
    groups = dict(iter(rows.groupby("district_id", sort=False)))
    return {d: _headline(groups.get(d, rows.iloc[:0])) for d in district_ids}


def headline(outcomes, district_id: str, year: int) -> str:
    """The district's all-students Dashboard colors in a few words, for the landing page."""
    rows = outcomes[(outcomes["district_id"] == district_id)
                    & (outcomes["org_level"] == "district") & (outcomes["year"] == year)
                    & (outcomes["student_group"] == "ALL")]
    return _headline(rows)


def _headline(rows) -> str:
    from workbook import states
    from workbook.data.model import COLOR_NAMES

    # a state without Dashboard colors (Oregon) says where it stands in its own terms
    if len(rows) and rows["state"].nunique() == 1 and \
            not states.terms(str(rows["state"].iloc[0]))["colors"]:
        from workbook.identification.oregon import headline as oregon_headline

        return oregon_headline(rows)
    red = sorted(rows.loc[rows["color"] == 1, "indicator"])
    orange = sorted(rows.loc[rows["color"] == 2, "indicator"])
    parts = [f"{COLOR_NAMES[1]}: {', '.join(red)}" if red else "",
             f"{COLOR_NAMES[2]}: {', '.join(orange)}" if orange else ""]
    return "; ".join(p for p in parts if p) or "no Red or Orange indicators"


def remove_leftovers(folder: Path) -> int:
    """Delete temporary files a killed run left behind (finished files are never partial)."""
    count = 0
    if folder.is_dir():
        for tmp in folder.rglob(".*.tmp-*"):
            tmp.unlink(missing_ok=True)
            count += 1
    return count


def _marker(out_dir: Path, nb: str) -> Path:
    return out_dir / ".done" / f"{nb}.json"


def _digest(path: Path) -> tuple[str, int]:
    """sha256 and size of a file, read in blocks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def _written(out_dir: Path, nb: str) -> dict[str, dict[str, Any]]:
    """What a finished notebook published, for its done-marker: every file (the notebook, its
    HTML report and the data behind its tables) by path under the district's folder, with its
    sha256 and size."""
    paths = [out_dir / f"{nb}.ipynb", out_dir / f"{nb}.html"]
    data = out_dir / "data" / nb
    if data.is_dir():
        paths += sorted(p for p in data.rglob("*") if p.is_file()
                        and not p.name.startswith("."))
    files = {}
    for path in paths:
        sha, size = _digest(path)
        files[path.relative_to(out_dir).as_posix()] = {"sha256": sha, "size": size}
    return files


def stale_reason(job: Job, nb: str) -> str:
    """Why the notebook's outputs cannot be kept ("" when they can): they must have been
    built from exactly these inputs, and every file the done-marker lists must be there with
    its recorded size and hash, the HTML report complete. A marker that is not what this
    version writes (not JSON, `[1,2]`, wrong types, missing keys) means: redo."""
    out_dir = Path(job.out_dir)
    marker = _marker(out_dir, nb)
    try:
        saved = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "not done yet"
    except (OSError, ValueError, RecursionError) as problem:
        return f"unreadable done-marker ({type(problem).__name__})"
    files = saved.get("files") if isinstance(saved, dict) else None
    if not isinstance(files, dict) or not isinstance(saved.get("fingerprint"), str):
        return "malformed done-marker"
    if saved["fingerprint"] != job.fingerprints[nb]:
        return "inputs changed (notebook, data, plan, parameters, rules or software)"
    if not {f"{nb}.ipynb", f"{nb}.html"} <= files.keys():
        return "done-marker lists no notebook or report"
    root = out_dir.resolve()
    for rel, want in files.items():
        if not (isinstance(want, dict) and isinstance(want.get("sha256"), str)
                and type(want.get("size")) is int):
            return f"malformed done-marker entry for {rel!r}"
        path = (out_dir / rel).resolve()
        if not path.is_relative_to(root):
            return f"done-marker names a file outside the district's folder: {rel!r}"
        try:
            if not path.is_file() or path.stat().st_size != want["size"]:
                return f"{rel} missing or changed size"
            if _digest(path)[0] != want["sha256"]:
                return f"{rel} changed"
            if path.suffix == ".html" and not _ends_html(path):
                return f"{rel} incomplete"
        except OSError as problem:
            return f"{rel} unreadable ({problem.strerror or problem})"
    return ""


def _ends_html(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 64))
        return f.read().rstrip().endswith(b"</html>")


def is_current(job: Job, nb: str) -> bool:
    """Outputs exist, are intact and were built from exactly these inputs."""
    return not stale_reason(job, nb)


# ---------------------------------------------------------------------------- executing
def _warm_kernel() -> WarmKernel:
    """A kernel for the workbooks: in notebooks/, with this project as its home."""
    from workbook.run.kernels import WarmKernel

    return WarmKernel(cwd=notebooks.NOTEBOOK_DIR, env={"WORKBOOK_HOME": str(paths.root())})


def _kernels() -> Kernels:
    """An empty set of warm kernels for one run (or one Dask worker's share of it)."""
    from workbook.run.kernels import Kernels

    return Kernels(_warm_kernel)


def run_job(job: Job, *, resume: bool, kernel: Callable[[], WarmKernel]) -> list[Outcome]:
    """Run one district's notebooks on the warm kernel `kernel()` gives this thread, and write
    the outputs."""
    import nbformat

    from workbook.report.page import page_meta, render
    from workbook.run.kernels import first_error

    out_dir = Path(job.out_dir)
    results = []
    for nb in job.notebooks:
        start = time.perf_counter()
        try:
            if resume:
                why = stale_reason(job, nb)
                if not why:
                    results.append(Outcome(job.district_id, nb, "skipped"))
                    continue
                log.info("%s %s: redo, %s", job.district_id, nb, why)
            # what an earlier run published for this notebook no longer stands: its marker
            # first (a run killed from here on redoes the notebook), then its data, which
            # the notebook writes afresh
            _marker(out_dir, nb).unlink(missing_ok=True)
            shutil.rmtree(out_dir / "data" / nb, ignore_errors=True)
            done = kernel().execute(notebooks.path_of(notebook_of(nb)), job.parameters[nb])
            error = first_error(done)
            text = nbformat.writes(done)
            if error:
                (out_dir / f"{nb}.html").unlink(missing_ok=True)
                write_text(out_dir / f"{nb}.failed.ipynb", text)
                raise WorkbookError(error)
            with i18n.using(language_of(nb)):  # the page's own fixed text, in its language
                page = render(done, **_page_args(page_meta(done), notebook_of(nb)))
            write_text(out_dir / f"{nb}.ipynb", text)
            write_text(out_dir / f"{nb}.html", page)
            write_text(_marker(out_dir, nb), json.dumps(
                {"version": VERSION, "fingerprint": job.fingerprints[nb],
                 "finished": time.time(), "files": _written(out_dir, nb)}))
            (out_dir / f"{nb}.failed.ipynb").unlink(missing_ok=True)
            results.append(Outcome(job.district_id, nb, "done",
                                   round(time.perf_counter() - start, 3), "", len(page)))
        except Exception as exc:  # one notebook's failure is reported, never fatal
            results.append(Outcome(job.district_id, nb, "failed",
                                   round(time.perf_counter() - start, 3), _one_line(exc)))
    return results


#: The region-level workbook: run once per region, after its districts, as network.html.
NETWORK = "05_region_network"
#: How the region-wide audit names the network view's tables (it is no district's).
REGION_REPORT = "region"


def run_network(region: regions.Region, folder: Path, database_url: str = "") -> Outcome:
    """The region's network view (`notebooks/05_region_network.ipynb`), written as
    `network.html` with its CSVs under `data/05_region_network/`; a failure is an outcome."""
    import nbformat

    from workbook.report.page import page_meta, render
    from workbook.run.kernels import first_error

    start = time.perf_counter()
    try:
        shutil.rmtree(folder / "data" / NETWORK, ignore_errors=True)
        (folder / "network.html").unlink(missing_ok=True)
        params = {"region": region.manifest or region.name, "year": region.year,
                  "audience": region.audience, "database_url": database_url,
                  "data_dir": str(folder / "data" / NETWORK)}
        notebooks.check(notebooks.MODELS[NETWORK], {**notebooks.defaults(NETWORK), **params},
                        where=NETWORK)
        # a kernel of its own on unix sockets, as the districts' are: no loopback port that
        # another kernel on the machine could take first, and no warning about plain TCP
        with _warm_kernel() as kernel:
            done = kernel.execute(notebooks.path_of(NETWORK), params)
        error = first_error(done)
        if error:  # as a district's: the executed notebook kept beside, for whoever mends it
            (folder / "network.ipynb").unlink(missing_ok=True)
            write_text(folder / "network.failed.ipynb", nbformat.writes(done))
            raise WorkbookError(error)
        write_text(folder / "network.ipynb", nbformat.writes(done))
        (folder / "network.failed.ipynb").unlink(missing_ok=True)
        page = render(done, **_page_args(page_meta(done), NETWORK))
        write_text(folder / "network.html", page)
        return Outcome(region.name, NETWORK, "done", round(time.perf_counter() - start, 3),
                       "", len(page))
    except Exception as exc:  # the district reports stand without it; the index says so
        log.warning("the network view failed", exc_info=True)
        return Outcome(region.name, NETWORK, "failed", round(time.perf_counter() - start, 3),
                       _one_line(exc))


def _one_line(exc: BaseException) -> str:
    """An exception as one line: its message's first line, or its type's name; a file
    system error names the file and says what the system said."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f": {exc.filename}" if exc.filename else "")
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def report_now(region_name: str, district_id: str, notebook: str, *,
               overrides: dict[str, Any] | None = None, database_url: str = "") -> str:
    """Run one workbook for one district now, on a kernel of its own, and return the HTML
    report (for the apps' "printable report" button). Nothing is written to outputs/; the
    region's audience applies unless `overrides` says otherwise. Raises WorkbookError with
    the notebook's first error if it fails."""
    from workbook.report.page import page_meta, render
    from workbook.run.kernels import first_error

    region = regions.load(region_name)
    if notebook not in region.district_notebooks:
        raise WorkbookError(f"region {region.name!r} does not run {notebook}")
    params = {**notebook_parameters(region, district_id, notebook, None, database_url),
              **(overrides or {})}
    with _warm_kernel() as kernel:
        done = kernel.execute(notebooks.path_of(notebook), params)
    error = first_error(done)
    if error:
        raise WorkbookError(f"{notebook} failed for {district_id}: {error}")
    return render(done, **_page_args(page_meta(done), notebook))


def _page_args(meta: dict, nb: str) -> dict:
    return {"title": meta.get("title", nb), "subtitle": meta.get("subtitle", ""),
            "audience": meta.get("audience", "team"),
            "illustrative": meta.get("illustrative", False), "glossary": meta.get("glossary"),
            "state": meta.get("state", "")}


def run_local(jobs: list[Job], *, workers: int, resume: bool,
              progress: Callable[[list[Outcome]], None]) -> list[Outcome]:
    """Threads, each driving its own warm kernel process."""
    outcomes: list[Outcome] = []
    kernels = _kernels()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            futures = [pool.submit(run_job, j, resume=resume, kernel=kernels.get)
                       for j in jobs]
            for fut in as_completed(futures):
                got = fut.result()
                outcomes += got
                progress(got)
        finally:  # also on an error or Ctrl-C: districts not started never start
            pool.shutdown(wait=False, cancel_futures=True)
            kernels.close()
    return outcomes


# Each Dask worker's kernels, by (run, worker address): a Dask task runs on a thread of the
# worker, while `client.run` and plugins run on its event loop, so a thread-local is no use.
_worker_kernels: dict[tuple[str, str], Kernels] = {}
_worker_kernels_lock = threading.Lock()


def _kernels_of(run_id: str, worker: str) -> Kernels:
    with _worker_kernels_lock:
        return _worker_kernels.setdefault((run_id, worker), _kernels())


_task_thread = threading.local()


def _run_on_worker(job: Job, *, resume: bool, run_id: str) -> list[Outcome]:
    from distributed import get_worker

    kernel = _kernels_of(run_id, get_worker().address).get
    # jupyter_client keeps an event loop in a context variable, and Dask runs a task in a
    # copy of the context of the thread that submitted it; so on an in-process cluster the
    # worker threads would share one loop. Each worker thread gets a context of its own.
    context = getattr(_task_thread, "context", None)
    if context is None:
        context = _task_thread.context = contextvars.Context()
    return context.run(run_job, job, resume=resume, kernel=kernel)


def _close_kernels_of(run_id: str, worker: str) -> None:
    """Close the worker's kernels of the run; the entry stays, closed, so a late task of the
    run cannot start a new kernel."""
    _kernels_of(run_id, worker).close()


def _kernel_closer(run_id: str):
    """A Dask worker plugin whose teardown closes the run's kernels on its worker. Teardown
    runs when the run removes the plugin, and when a worker shuts down before that."""
    from distributed import WorkerPlugin

    class CloseKernels(WorkerPlugin):
        def teardown(self, worker) -> None:
            _close_kernels_of(run_id, worker.address)

    return CloseKernels()


def run_dask(jobs: list[Job], *, scheduler: str | None, workers: int, resume: bool,
             progress: Callable[[list[Outcome]], None]) -> list[Outcome]:
    """Submit districts to Dask distributed; each Dask worker keeps a warm kernel."""
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    run_id = uuid.uuid4().hex
    plugin = f"workbook-kernels-{run_id}"
    futures = []
    try:
        client.register_plugin(_kernel_closer(run_id), name=plugin)
        futures = [client.submit(_run_on_worker, j, resume=resume, run_id=run_id, pure=False,
                                 key=f"district-{j.region}-{j.district_id}") for j in jobs]
        outcomes: list[Outcome] = []
        for fut in dask_completed(futures):
            got = fut.result()
            outcomes += got
            progress(got)
        return outcomes
    finally:  # also on an error or Ctrl-C
        try:
            client.cancel(futures)
            client.unregister_worker_plugin(plugin)  # its teardown closes the kernels
        except Exception:
            log.warning("could not close the warm kernels on the Dask workers", exc_info=True)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


# ---------------------------------------------------------------------------- the run
def run(region_name: str, *, only: Iterable[str] = (), limit: int | None = None,
        workers: int = 2, resume: bool = False, executor: str = "local",
        scheduler: str | None = None, out_root: Path | None = None, database_url: str = "",
        progress: Callable[[list[Outcome]], None] | None = None,
        languages: Iterable[str] | None = None) -> RunResult:
    """Run a region's workbooks; writes outputs, run.json and index.html.

    The summary and the landing page are written whatever happened to the notebooks (each
    failure is an outcome "failed" with one line saying why), and a summary file that cannot
    be written is itself a failed outcome of the region. SIGTERM stops the run as Ctrl-C does,
    so its kernels are closed and their socket folders removed; the socket folders of earlier
    runs that were killed outright are removed when the next run starts. `languages` (e.g.
    `["en", "es"]`) replaces the manifest's `languages:`."""
    if executor not in ("local", "dask"):
        raise WorkbookError(f"unknown executor {executor!r}; use local or dask")
    region = regions.load(region_name)
    out_root = Path(out_root) if out_root else paths.outputs()
    from workbook.run.kernels import remove_stale_socket_dirs

    remove_stale_socket_dirs()
    jobs = plan_jobs(region, out_root, only=only, limit=limit, database_url=database_url,
                     languages=languages)
    remove_leftovers(out_root / region.name)
    start = time.perf_counter()
    outcomes: list[Outcome] = []

    def collect(got: list[Outcome]) -> None:
        outcomes.extend(got)
        if progress:
            progress(got)

    with _sigterm_stops_the_run():
        try:
            if executor == "local":
                run_local(jobs, workers=workers, resume=resume, progress=collect)
            else:
                run_dask(jobs, scheduler=scheduler, workers=workers, resume=resume,
                         progress=collect)
        except Exception as exc:  # the executor itself broke: say so, list what finished
            log.warning("the %s executor stopped", executor, exc_info=True)
            collect([Outcome(region.name, f"{executor} executor", "failed",
                             error=_one_line(exc))])
        # the network view, when the manifest runs it, needs every district
        if jobs and NETWORK in region.region_notebooks and not only and limit is None:
            collect([run_network(region, out_root / region.name, database_url)])
    result = RunResult(region.name, outcomes, round(time.perf_counter() - start, 3))
    problems = {(o.district_id, o.notebook): o
                for o in write_summary(region, jobs, result, out_root / region.name)}
    result.outcomes = [problems.pop((o.district_id, o.notebook), o) for o in outcomes]
    result.outcomes += problems.values()
    return result


@contextlib.contextmanager
def _sigterm_stops_the_run() -> Iterator[None]:
    """While the run lasts, SIGTERM raises KeyboardInterrupt in the main thread (as Ctrl-C
    does), so every `finally` runs: kernels closed, socket folders removed. A second SIGTERM
    during that clean-up is ignored. Elsewhere than the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def write_summary(region: regions.Region, jobs: list[Job], result: RunResult,
                  folder: Path) -> list[Outcome]:
    """run.json with every district's status and timings, and the landing page.

    Both are attempted whatever happens to the other; what cannot be written (a full disk, a
    read-only folder) comes back as failed outcomes of the region, and the page lists it,
    with every failed notebook."""
    problems: list[Outcome] = []
    extra = _published_audit(region, jobs, result, folder)
    problems += extra.withheld
    record = _record(region, jobs, result, problems)
    try:
        write_text(folder / "run.json", json.dumps(record, indent=1))
    except OSError as exc:
        problems.append(Outcome(region.name, "run.json", "failed", error=_one_line(exc)))
        record = _record(region, jobs, result, problems)
    try:
        write_text(folder / "index.html", _index_html(
            region, record, jobs, extra, network_shown=(folder / "network.html").is_file()))
    except OSError as exc:
        problems.append(Outcome(region.name, "index.html", "failed", error=_one_line(exc)))
    return problems


@dataclass
class _Published:
    """What the landing page adds after the region's audit, and the reports it withheld."""

    totals: str = ""  # the region totals' HTML, or a warning saying why they are not shown
    withheld: list[Outcome] = field(default_factory=list)


def _published_audit(region: regions.Region, jobs: list[Job], result: RunResult,
                     folder: Path) -> _Published:
    """Audit every table the region publishes, together (`report.region`): withhold each
    report that gives away what another hides (its page, data and marker removed, its
    notebook kept as `.withheld.ipynb`), and write the region totals as they may be shown.
    For a team audience nothing is suppressed and the totals are shown whole."""
    from workbook.report import region as published

    try:
        ran = {(o.district_id, o.notebook) for o in result.outcomes
               if o.status in ("done", "skipped")}
        outcomes = cache.read_all(cache.cached(region.source_paths()))
        totals = published.totals_frame(outcomes, [j.district_id for j in jobs], region.year)
        if region.audience != "stakeholder":
            return _Published(_write_totals(folder, totals, published))
        tables, unreadable = {}, {}
        for job in jobs:
            for nb in job.notebooks:
                if (job.district_id, nb) in ran:
                    try:
                        tables[(job.district_id, nb)] = published.read_published(
                            Path(job.out_dir), job.district_id, nb)
                    except WorkbookError as problem:
                        unreadable[(job.district_id, nb)] = f"withheld: {problem}"
        if (folder / "network.html").is_file():  # the network view: a region-wide report
            try:
                tables[(REGION_REPORT, NETWORK)] = published.read_published(
                    folder, REGION_REPORT, NETWORK)
            except WorkbookError as problem:
                unreadable[(REGION_REPORT, NETWORK)] = f"withheld: {problem}"
        found = published.audit_region(tables, totals, district_ids=[j.district_id
                                                                     for j in jobs],
                                       threshold=privacy.threshold_for(region.state))
    except (WorkbookError, OSError, ValueError) as problem:
        log.warning("the region's disclosure audit failed", exc_info=True)
        return _Published(f"<p class='wb-warning'>Region totals not shown: the disclosure "
                          f"audit could not run ({html.escape(_one_line(problem))}).</p>",
                          [Outcome(region.name, "disclosure audit", "failed",
                                   error=_one_line(problem))])
    withheld = []
    for (district, nb), reason in sorted({**unreadable, **found.withheld}.items()):
        if district == REGION_REPORT:
            _withhold_network(folder)
            withheld.append(Outcome(region.name, nb, "failed", error=reason))
            continue
        _withhold(Path(next(j.out_dir for j in jobs if j.district_id == district)), nb)
        withheld.append(Outcome(district, nb, "failed", error=reason))
    if found.totals is None:
        withheld.append(Outcome(region.name, published.TOTALS, "failed",
                                error=found.totals_reason))
        return _Published(f"<p class='wb-warning'>Region totals not shown: "
                          f"{html.escape(found.totals_reason)}</p>", withheld)
    try:
        return _Published(_write_totals(folder, found.totals, published), withheld)
    except OSError as problem:  # e.g. a full disk: the page goes without its totals
        withheld.append(Outcome(region.name, f"data/{published.TOTALS}.csv", "failed",
                                error=_one_line(problem)))
        return _Published("", withheld)


def _write_totals(folder: Path, shown: pd.DataFrame, published) -> str:
    from workbook.files import write_csv

    if shown.empty:
        return ""
    write_csv(shown, folder / "data" / f"{published.TOTALS}.csv")
    return published.totals_html(shown)


def _withhold(out_dir: Path, nb: str) -> None:
    """Take a report out of what the region publishes (the landing page no longer links it,
    whatever the file system allows)."""
    try:
        _marker(out_dir, nb).unlink(missing_ok=True)
        (out_dir / f"{nb}.html").unlink(missing_ok=True)
        shutil.rmtree(out_dir / "data" / nb, ignore_errors=True)
        done = out_dir / f"{nb}.ipynb"
        if done.is_file():
            done.replace(out_dir / f"{nb}.withheld.ipynb")
    except OSError:
        log.warning("could not remove the withheld report %s/%s", out_dir, nb, exc_info=True)


def _withhold_network(folder: Path) -> None:
    try:
        (folder / "network.html").unlink(missing_ok=True)
        shutil.rmtree(folder / "data" / NETWORK, ignore_errors=True)
        if (folder / "network.ipynb").is_file():
            (folder / "network.ipynb").replace(folder / "network.withheld.ipynb")
    except OSError:
        log.warning("could not remove the withheld network view in %s", folder, exc_info=True)


def _record(region: regions.Region, jobs: list[Job], result: RunResult,
            problems: list[Outcome]) -> dict[str, Any]:
    by_district: dict[str, list[Outcome]] = {}
    for o in result.outcomes:
        by_district.setdefault(o.district_id, []).append(o)
    withheld = {(o.district_id, o.notebook): o for o in problems}
    names = {j.district_id: j.district_name for j in jobs}
    districts = {}
    for d, os_ in sorted(by_district.items()):
        notebooks_ = {o.notebook: asdict(withheld.get((d, o.notebook), o)) for o in os_}
        failed = any(v["status"] == "failed" for v in notebooks_.values())
        districts[d] = {"name": names.get(d, d), "status": "failed" if failed else "ok",
                        "notebooks": notebooks_}
    failures = [asdict(o) for o in [*result.outcomes, *problems] if o.status == "failed"]
    return {"region": region.name, "title": region.title, "seconds": result.seconds,
            "districts": districts, "failures": failures}


def _support(region: regions.Region, jobs: list[Job]) -> tuple[dict[str, str], str]:
    """The landing page's differentiated-assistance column (computed by the state's rules,
    with the published status where a list is loaded) and its Appendix A table: LEAs
    identified, new, continuing and exited by Dashboard year."""
    from workbook.identification import model, tables

    if region.state == "OR":  # ESD, partnerships, growth targets (no differentiated assistance)
        from workbook.identification import oregon

        url = next((str(p.get("database_url") or "") for j in jobs
                    for p in j.parameters.values()), "")  # the run's plan store
        return {}, oregon.index_html(region, cache.read_all(cache.cached(region.source_paths())),
                                     [j.district_id for j in jobs], database_url=url)
    if region.state != "CA" or region.year not in model.years(region.state):
        return {}, ""
    sources = region.source_paths()
    lists = cache.read_lists(cache.cached_lists(sources))
    ident = tables.identify_with_prior(cache.read_all(cache.cached(sources)), region.year,
                                       lists)
    ids = {j.district_id for j in jobs}
    side = tables.compare(ident, lists).set_index("org_id")
    cells = {}
    for lea in ident.leas[ident.leas["org_id"].isin(ids)].itertuples(index=False):
        text = f"Level {lea.level}: {lea.status}" if lea.status else "not determined"
        if lea.groups:
            text += f" ({lea.groups.replace(':', ' ')})"
        row = side.loc[lea.org_id]
        if row["published"]:
            text += " · CDE list: " + ("agrees" if row["agree"] else
                                       f"{row['published_status']} (differs)")
        cells[lea.org_id] = text
    hist = tables.history(lists, ident)
    totals = tables.totals_by_year(hist[hist["org_id"].isin(ids)])
    head = ("<tr><th>Dashboard year</th><th>LEAs</th><th>Identified</th><th>New</th>"
            "<th>Continuing</th><th>Exited</th><th>Second year of support</th></tr>")
    body = "".join(
        f"<tr><td>{r.year}</td><td>{r.leas}</td><td>{r.identified}</td>"
        + "".join(f"<td>{'' if pd.isna(v) else v}</td>" for v in (r.new, r.continuing,
                                                                    r.exited, r.second_year))
        + "</tr>" for r in totals.itertuples(index=False))
    sources_note = ", ".join(sorted({str(s) for s in hist.loc[hist["org_id"].isin(ids),
                                                                "source"]}))
    table = (f"<h2>Differentiated assistance by year</h2><p class='meta'>The region's "
             f"districts and county office identified for differentiated assistance (level "
             f"2) by Dashboard year ({html.escape(sources_note)}: the state's lists, and "
             f"{region.year} computed by the state's rules where no list for it is loaded)."
             f"</p><table class='wb-table'><thead>{head}</thead><tbody>{body}</tbody>"
             f"</table>")
    return cells, table


def _report_link(job: Job, entry: dict, key: str, label: str) -> str:
    """A link to one edition of a report, or what stopped it (its label already escaped)."""
    o = entry["notebooks"].get(key, {})
    lang = language_of(key)
    attrs = f' hreflang="{lang}" lang="{lang}"' if lang != "en" else ""
    if (Path(job.out_dir) / f"{key}.html").is_file() and o.get("status") != "failed":
        return f'<a href="{job.district_id}/{key}.html"{attrs}>{label}</a>'
    err = html.escape(o.get("error", "not run"))
    return f'<span class="wb-warning" title="{err}">{label}: failed</span>'


def _language_name(key: str) -> str:
    """An edition's language named in itself ("español"), escaped; its code without Babel."""
    code = language_of(key)
    try:
        from babel import Locale, UnknownLocaleError

        try:
            name = Locale.parse(code).get_display_name(code) or code
        except (UnknownLocaleError, ValueError):
            name = code
    except ImportError:
        name = code
    return f"({html.escape(name)})"


def _index_html(region: regions.Region, record: dict, jobs: list[Job],
                extra: _Published | None = None, *, network_shown: bool = False) -> str:
    from workbook.report.page import CSS

    try:
        support, appendix = _support(region, jobs)
    except (WorkbookError, OSError, ValueError, KeyError) as problem:  # the page says so
        log.warning("differentiated assistance not computed", exc_info=True)
        support, appendix = {}, (f"<p class='wb-warning'>Differentiated assistance not "
                                 f"computed: {html.escape(_one_line(problem))}</p>")
    failures = "".join(
        f"<li>{html.escape(f['district_id'])} {html.escape(f['notebook'])}: "
        f"{html.escape(f['error'])}</li>" for f in record.get("failures", []))
    failures = (f"<h2>Failures</h2><ul class='wb-warning'>{failures}</ul>" if failures
                else "")
    network = ("<p class='wb-network'><a href='network.html'>The network view: every "
               "district's plans, implementation, results and supports side by side</a></p>"
               if network_shown else "")
    rows = []
    for job in jobs:
        entry = record["districts"].get(job.district_id, {"status": "not run", "notebooks": {}})
        links = []
        for nb in dict.fromkeys(notebook_of(k) for k in job.notebooks):
            label = html.escape(nb.split("_", 1)[1].replace("_", " "))
            others = [k for k in job.notebooks if notebook_of(k) == nb and k != nb]
            links.append(" ".join([_report_link(job, entry, nb, label)]
                                  + [_report_link(job, entry, k, _language_name(k))
                                     for k in others]))
        if not job.has_plan:
            links.append(f"<em class='wb-no-plan'>{html.escape(_('no plan yet'))}</em>")
        da = f"<td>{html.escape(support.get(job.district_id, ''))}</td>" if support else ""
        rows.append(f"<tr><td>{html.escape(job.district_name)}</td>"
                    f"<td>{job.district_id}</td><td>{html.escape(entry['status'])}</td>"
                    f"<td>{html.escape(job.headline)}</td>{da}<td>{' · '.join(links)}</td></tr>")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(region.title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{html.escape(region.title)}</h1><p class='meta'>School year "
            f"{html.escape(region.school_year)} · {len(jobs)} districts · workbooks for "
            f"{html.escape(region.audience)}s</p>{network}"
            f"<table class='wb-table'><thead><tr><th>District</th><th>Code</th><th>Status</th>"
            f"<th>{'All students' if region.state == 'OR' else 'All students, lowest colors'}"
            f"</th>"
            f"{'<th>Differentiated assistance</th>' if support else ''}<th>Reports</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>{failures}"
            f"{extra.totals if extra else ''}{appendix}</body></html>")
