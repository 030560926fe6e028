"""Shared fixtures for the notebook and report tests: real workbook runs, done once.

Executing a workbook starts a kernel and takes several seconds, so each district's four
workbooks are executed once per test session (papermill, through `notebooks.execute`) and
shared by tests/test_notebooks.py and tests/test_reports_browser.py. Those modules load this
file with ``pytest_plugins = ["fixtures_workbooks"]``, which makes the session fixtures global
(importing them into each module would run them once per module); they do not import it
themselves, so pytest can still rewrite its asserts.

Nothing is written into the project's outputs/ folder: the plan store is a temporary SQLite
file with the illustrative sample plans, and the parsed-data cache lives in a temporary
folder too (WORKBOOK_CACHE_DIR); both variables are set only while a workbook runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest

from workbook.data import cache
from workbook.report import page as report
from workbook.run import context, notebooks, regions
from workbook.run.params import NOTEBOOK_PARAMS
from workbook.samples import plans as sample_plans
from workbook.store import Store

NOTEBOOKS = list(NOTEBOOK_PARAMS)
RICH = "27661590000000"  # Salinas Union High: large, most groups reported
SPARSE = "27751500000000"  # Big Sur Unified: tiny, almost nothing reported


@dataclass
class Run:
    """One district's four executed workbooks, with their reports and data folders."""

    district_id: str
    audience: str
    folder: Path
    notebooks: dict[str, Path] = field(default_factory=dict)
    reports: dict[str, Path] = field(default_factory=dict)

    def data_dir(self, name: str) -> Path:
        return self.folder / "data" / name

    def read(self, name: str) -> nbformat.NotebookNode:
        return nbformat.read(str(self.notebooks[name]), as_version=4)


@dataclass
class Workbooks:
    """A temporary plan store and cache, and a memo of executed districts."""

    root: Path
    cache_dir: Path
    database_url: str
    _runs: dict[tuple[str, str], Run | BaseException] = field(default_factory=dict)

    @contextlib.contextmanager
    def env(self) -> Iterator[None]:
        """WORKBOOK_DATABASE_URL and WORKBOOK_CACHE_DIR for a run (kernels inherit them)."""
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("WORKBOOK_DATABASE_URL", self.database_url)
            mp.setenv("WORKBOOK_CACHE_DIR", str(self.cache_dir))
            yield

    def execute(self, name: str, parameters: dict[str, Any], output: Path) -> Path:
        """`notebooks.execute` with this store and cache."""
        with self.env():
            return notebooks.execute(name, parameters, output)

    def parameters(self, district_id: str, name: str, audience: str, folder: Path,
                   database_url: str | None = None) -> dict[str, Any]:
        return {"district_id": district_id, "audience": audience,
                "database_url": database_url or self.database_url,
                "data_dir": str(folder / "data" / name)}

    def outcomes(self):
        """The sample region's tidy table (read from the temporary cache)."""
        with self.env():
            return context.region_outcomes("sample")

    def new_store(self, path: Path) -> str:
        """A fresh SQLite plan store with every sample plan; returns its URL."""
        url = f"sqlite:///{path}"
        sample_plans.load_into(Store(url), self.outcomes())
        return url

    def district(self, district_id: str, audience: str = "stakeholder") -> Run:
        """Execute (once) the four workbooks for a district and write their reports."""
        key = (district_id, audience)
        if key not in self._runs:
            folder = self.root / "runs" / audience / district_id
            run = Run(district_id, audience, folder)
            try:
                for name in NOTEBOOKS:
                    out = self.execute(name, self.parameters(district_id, name, audience,
                                                             folder), folder / f"{name}.ipynb")
                    run.notebooks[name] = out
                    run.reports[name] = report.write_report(out, folder / f"{name}.html")
                self._runs[key] = run
            except BaseException as exc:  # later tests report the same failure, fast
                self._runs[key] = exc
                raise
        got = self._runs[key]
        if isinstance(got, BaseException):
            raise RuntimeError(f"running the workbooks for {district_id} failed earlier: "
                               f"{got}") from got
        return got


@pytest.fixture(scope="session")
def workbooks(tmp_path_factory) -> Workbooks:
    """A temporary plan store holding the sample plans and a temporary data cache."""
    root = tmp_path_factory.mktemp("workbooks")
    cache_dir = root / "cache"
    region = regions.load("sample")
    cache.cached(region.source_paths(), root=cache_dir)  # built once, before any kernel
    wb = Workbooks(root, cache_dir, "")
    wb.database_url = wb.new_store(root / "plans.db")
    return wb
