"""Parsed outcome data cached as Parquet, one folder per district.

Parsing the state files takes seconds (the Oregon workbooks alone take several); later
steps want one district's slice in milliseconds. The cache is keyed by a fingerprint of
the source files' bytes and the loader version, built in a temporary folder and renamed
into place, so a reader never sees a half-written cache and a changed source file simply
gets a new one.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from workbook.data import assistance
from workbook.data.model import TIDY_COLUMNS

LOADER_VERSION = "3"  # 2: charter / coe / dass flags; 3: ODE cohort, roll-up, county
_STATEWIDE = "_state"  # folder for rows that belong to no district (state rows)


def default_root() -> Path:
    """WORKBOOK_CACHE_DIR, else outputs/cache in the project folder."""
    from workbook import paths

    return paths.cache_root()


def fingerprint(sources: Iterable[Path]) -> str:
    """A digest of the source files' contents (not names or times), the hints that travel
    with them (`data.Sources`) and the loader version."""
    h = hashlib.sha256(LOADER_VERSION.encode())
    hints = {Path(p).resolve(): v for p, v in getattr(sources, "hints", {}).items()}
    for path in sorted(Path(p).resolve() for p in sources):
        h.update(path.name.encode())
        if path in hints:  # a source's `indicator:` / `year:` changes what is read
            h.update(repr(hints[path]).encode())
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:20]


def _folder(district_id: str) -> str:
    return f"district={district_id or _STATEWIDE}"


def build(frame: pd.DataFrame, target: Path) -> Path:
    """Write the tidy table partitioned by district, atomically, to `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        key = frame["district_id"].fillna("")
        key = key.where(frame["org_level"] != "state", "")
        for district, part in frame.groupby(key, sort=True):
            folder = tmp / _folder(str(district))
            folder.mkdir()
            part.reset_index(drop=True).to_parquet(folder / "part.parquet", index=False)
        _publish(tmp, target, {"rows": len(frame), "districts": sorted(set(key) - {""})})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target



def _publish(tmp: Path, target: Path, manifest: dict) -> None:
    """Write the manifest (with the loader version), then rename the finished folder into
    place; if another process finished the same cache first, keep theirs."""
    (tmp / "manifest.json").write_text(json.dumps(
        {**manifest, "loader_version": LOADER_VERSION}, indent=1))
    try:
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def cached(sources: list[Path], root: Path | None = None) -> Path:
    """The cache folder for these sources, parsing and writing it only when missing."""
    from workbook.data import load_outcomes

    root = Path(root) if root else default_root()
    target = root / fingerprint(sources)
    if not (target / "manifest.json").is_file():
        build(load_outcomes(sources), target)
    return target


def districts(cache: Path) -> list[str]:
    """District ids present in a cache."""
    return json.loads((Path(cache) / "manifest.json").read_text())["districts"]


def read_district(cache: Path, district_id: str, *, with_state: bool = True) -> pd.DataFrame:
    """One district's rows (its schools included), plus the state rows for comparison."""
    parts = [Path(cache) / _folder(district_id) / "part.parquet"]
    if with_state:
        parts.append(Path(cache) / _folder("") / "part.parquet")
    frames = [pd.read_parquet(p) for p in parts if p.is_file()]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in TIDY_COLUMNS.items()})
    return pd.concat(frames, ignore_index=True).astype(TIDY_COLUMNS)


def read_all(cache: Path) -> pd.DataFrame:
    """Every row in a cache, its parts in the order of their folders' names.

    The parts are joined as Arrow tables and made one DataFrame once: a state's cache has a
    part per district, and a DataFrame per part cost 3.6 s for 1,000 LEAs (1.6 s now)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted(Path(cache).glob("district=*/part.parquet"))
    if not files:  # as pandas says when there is nothing to join
        raise ValueError("No objects to concatenate")
    parts = [pq.read_table(p).replace_schema_metadata(None) for p in files]
    try:
        joined = pa.concat_tables(parts, promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # parts typed apart: pandas joins them
        return pd.concat([t.to_pandas() for t in parts],
                         ignore_index=True).astype(TIDY_COLUMNS)
    return joined.to_pandas().astype(TIDY_COLUMNS)


def cached_lists(sources: list[Path], root: Path | None = None) -> Path:
    """The state's assistance lists among these sources, decoded once into Parquet.

    Why: CDE's ESSA file alone takes seconds to read, and every workbook of a region shows
    its district's designations. Kept beside the outcome cache (same fingerprint, suffix
    `-lists`), built in a temporary folder and renamed into place like it.
    """
    from workbook.data import load_lists

    root = Path(root) if root else default_root()
    target = root / f"{fingerprint(sources)}-lists"
    if (target / "manifest.json").is_file():
        return target
    lists = load_lists(sources)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        for name in assistance.AssistanceLists.TABLES:
            getattr(lists, name).to_parquet(tmp / f"{name}.parquet", index=False)
        _publish(tmp, target, {"tables": list(assistance.AssistanceLists.TABLES),
                               "years": lists.years})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def read_lists(folder: Path) -> assistance.AssistanceLists:
    """The decoded assistance lists from a `cached_lists` folder."""
    columns = {"leas": assistance.LEA_COLUMNS, "history": assistance.HISTORY_COLUMNS,
               "groups": assistance.GROUP_COLUMNS, "codes": assistance.CODE_COLUMNS,
               "essa": assistance.ESSA_COLUMNS}
    return assistance.AssistanceLists(**{
        name: pd.read_parquet(Path(folder) / f"{name}.parquet").astype(columns[name])
        for name in assistance.AssistanceLists.TABLES})
