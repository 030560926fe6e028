"""Region manifests (parameters/regions/<name>.yaml): which data, districts and workbooks.

A manifest is loaded into a model that forbids unknown keys, so a typo in a manifest is
an error that names the key, not a silently ignored setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbook import paths
from workbook.errors import WorkbookError
from workbook.run import notebooks as workbooks
from workbook.run.params import LANGUAGE, NOTEBOOK_PARAMS, REGION_NOTEBOOKS

#: Every workbook, in the order of the cycle (the one list: the parameter models name
#: them): the district workbooks, run once per district, then the region-level ones (the
#: network view), run once per whole-region run.
ALL_NOTEBOOKS = list(NOTEBOOK_PARAMS) + list(REGION_NOTEBOOKS)


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["ca_dashboard", "or_assessment", "or_attendance", "or_cohort",
                    "auto"] = "auto"
    path: str  # relative to the manifest; "sample:" means the bundled sample data
    # what the files hold where their content cannot tell (a renamed file of an
    # ambiguous layout): it overrides the content, like `data check --indicator/--year`
    indicator: str | None = None  # GRAD, ELA, CHRO ... (workbook.data.INDICATORS)
    year: int | None = Field(default=None, ge=1990, le=2100)  # 2018 = 2017-18

    @field_validator("indicator")
    @classmethod
    def _known_indicator(cls, value: str | None) -> str | None:
        from workbook.data.model import INDICATORS

        if value is None:
            return None
        code = value.strip().upper()
        if code not in INDICATORS:
            raise ValueError(f"{value!r} is not an indicator we know; known: "
                             f"{', '.join(sorted(INDICATORS))}")
        return code


class DistrictFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    county: str | None = None
    state: str | None = None
    # Oregon: an education service district by name, the counties it serves and/or its
    # member districts by ODE id (ODE's cohort file gives each district's county)
    esd: str | None = None
    counties: list[str] = Field(default_factory=list)
    members: list[str] = Field(default_factory=list)
    # Oregon: the user's CSI/TSI school designation CSV (relative to the manifest), from
    # which each district's partnership tier is computed (workbook.identification.oregon)
    designations: str | None = None


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    title: str
    school_year: str = Field(pattern=r"^\d{4}-\d{2}$")  # "2024-25"
    year: int  # the Dashboard year the workbooks read (2024 = 2023-24 results)
    # any state with a folder under parameters/states/ (its terms, rules and threshold)
    state: str = Field(default="CA", pattern=r"^[A-Z]{2}$")
    sources: list[Source]
    districts: list[str] | DistrictFilter | Literal["all"] = "all"
    # a Literal built from NOTEBOOK_PARAMS at import: pydantic checks it, mypy cannot
    # default: every workbook found under notebooks/ (`notebooks.district_notebooks`)
    notebooks: list[Literal[tuple(ALL_NOTEBOOKS)]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: workbooks.district_notebooks() + workbooks.region_notebooks())
    # the languages every district report is written in: English, and an edition per other
    # language (`<notebook>.<lang>.html`), e.g. [en, es]; `workbook run --language` overrides
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    quarter: int = Field(default=1, ge=1, le=4)
    plan_year: int = Field(default=1, ge=1, le=5)
    plan_start: str = Field(default="2024-08-01", pattern=r"^\d{4}-\d{2}-\d{2}$")
    audience: Literal["team", "stakeholder"] = "stakeholder"
    base: Path = Field(default=Path("."), exclude=True)
    manifest: str = Field(default="", exclude=True)  # the file it was read from

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        return check_languages(value)

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str) -> str:
        return check_state(value)

    @property
    def district_notebooks(self) -> list[str]:
        """The workbooks run for each district, in the order of the cycle."""
        return [n for n in self.notebooks if n in NOTEBOOK_PARAMS]

    @property
    def region_notebooks(self) -> list[str]:
        """The region-level workbooks (the network view), run once per whole-region run."""
        return [n for n in self.notebooks if n in REGION_NOTEBOOKS]

    def source_paths(self) -> list[Path]:
        """The region's data files; a source's `indicator:` / `year:` travel with them as
        `.hints` (a `data.Sources`), so the loaders and the cache key see them."""
        from workbook.data import SAMPLE_DIR, Hint, Sources

        out = Sources()
        for s in self.sources:
            if s.path.startswith("sample:"):
                p = SAMPLE_DIR / s.path.removeprefix("sample:").lstrip("/")
            else:
                p = (self.base / s.path).resolve()
            for f in sorted(p.glob("*")) if p.is_dir() else [p]:
                if f.suffix.lower() in {".txt", ".csv", ".xlsx"}:
                    out.append(f)
                    if s.indicator is not None or s.year is not None:
                        out.hints[f] = Hint(s.indicator, s.year)
        return out


def known_states() -> list[str]:
    """The states workbook knows: one folder each under parameters/states/ (its terms,
    rules and small-group threshold)."""
    from workbook import paths

    base = paths.root() / "parameters" / "states"
    return sorted(p.name.upper() for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


def check_state(value: str) -> str:
    """A region's state: a two-letter code with its folder under parameters/states/."""
    known = known_states()
    if value not in known:
        raise ValueError(f"no folder parameters/states/{value.lower()}/ for state {value!r}; "
                         f"known states: {', '.join(known) or 'none'} (README: What a state "
                         "needs)")
    return value


def check_languages(codes: list[str]) -> list[str]:
    """Language codes as a run uses them: English first (it is always written), each code
    once; a code that is not one (`"Spanish"`, `"es-MX"`) is an error naming it."""
    import re

    bad = [c for c in codes if not re.fullmatch(LANGUAGE, str(c))]
    if bad:
        raise ValueError(f"not a language code: {', '.join(map(repr, bad))}; give codes "
                         "such as en, es (a catalog under workbook/i18n/locale)")
    return list(dict.fromkeys(["en", *codes]))


def check_selection(region: Region, chosen: list, outcomes) -> None:
    """Raise when the region's `districts:` selects no district of its year: a region that
    runs nothing must say so, not exit 0. Call it on the selection (`batch.district_ids`)."""
    if chosen:
        return
    rows = outcomes[(outcomes["org_level"] == "district") & (outcomes["year"] == region.year)]
    where = region.manifest or region.name
    if rows.empty:
        years = sorted({int(y) for y in outcomes["year"].dropna().unique()})
        raise WorkbookError(f"{where}: region {region.name!r} selects no district: its data "
                            f"has no district rows for year {region.year} (years in the "
                            f"data: {years}); fix `year:` or `sources:`")
    sel = region.districts
    shown = sel.model_dump(exclude_defaults=True) if isinstance(sel, BaseModel) else sel
    counties = sorted({c for c in rows["county"].dropna().unique() if c})
    raise WorkbookError(f"{where}: districts: {shown} selects no district of the "
                        f"{rows['district_id'].nunique()} in the region's data for "
                        f"{region.year} (counties there: {counties[:12]}); fix the filter")


def folder() -> Path:
    """Where region manifests live: parameters/regions under the project root."""
    return paths.root() / "parameters" / "regions"


def manifests() -> list[Path]:
    """Every region manifest, by name."""
    return sorted(folder().glob("*.yaml"))


def manifest_path(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.is_file():
        return p
    return folder() / f"{name_or_path}.yaml"


def load(name_or_path: str) -> Region:
    """A region by name (under parameters/regions) or by manifest path."""
    path = manifest_path(name_or_path)
    if not path.is_file():
        known = [p.stem for p in manifests()]
        raise WorkbookError(f"no region {name_or_path!r}: {path} does not exist; "
                            f"regions: {known}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise WorkbookError(f"{path}: not valid YAML: {exc}") from None
    try:
        region = Region.model_validate({**(raw or {}), "base": path.parent,
                                        "manifest": str(path.resolve())})
    except ValidationError as err:
        lines = [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()
                 if e["loc"] and e["loc"][0] not in ("base", "manifest")]
        raise WorkbookError("\n".join(lines)) from None
    return region
