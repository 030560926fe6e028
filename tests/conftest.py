"""Shared fixtures: the bundled real state files, read once per test session."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbook import data

SAMPLE = data.SAMPLE_DIR
CA_2024 = SAMPLE / "ca_dashboard_2024_monterey" / "dashboard_2024_monterey.csv"
CA_1718 = SAMPLE / "ca_dashboard_2017_2018_monterey_santacruz"
OR_DIR = SAMPLE / "or_ode"


@pytest.fixture(scope="session")
def sample_outcomes():
    """The sample region's tidy outcome table."""
    return data.load_outcomes(data.sample_sources())


@pytest.fixture()
def copy_file(tmp_path):
    """Copy a bundled file into tmp_path (keeping its name) so a test can damage it."""

    def _copy(src: Path, name: str | None = None) -> Path:
        dst = tmp_path / (name or src.name)
        shutil.copyfile(src, dst)
        dst.chmod(0o644)
        return dst

    return _copy


def sample_store(tmp_path_factory, name: str) -> str:
    """A temporary SQLite plan store holding the sample region's illustrative plans (its
    URL), for a module's store fixture."""
    from workbook.run import context
    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'workbook.db'}"
    store = Store(url)
    sample_plans.load_into(store, context.region_outcomes("sample"))
    store.engine.dispose()
    return url


@contextlib.contextmanager
def private_cache(tmp_path_factory, name: str) -> Iterator[None]:
    """For a module's autouse fixture: the region's Parquet cache in a temporary folder
    (outputs/ stays untouched) and no hub user inherited from the shell."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBOOK_CACHE_DIR", str(tmp_path_factory.mktemp(name)))
        mp.delenv("JUPYTERHUB_USER", raising=False)
        yield
