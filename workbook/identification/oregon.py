"""Oregon's system of support, by its own rules (parameters/states/or/continuum.yaml):
the continuum of supports (technical assistance, professional development, coaching,
corrective action, each with a provider), the corrective-action triggers and the five-step
corrective-action continuum (seed 000), and a district's partnership tier, primary or
opportunity and innovation, from the CSI/TSI school designations (seeds 002/003).

The designation file is the user's: a CSV with a header and one row per designated school,

    district_id,school_id,school_name,designation
    1901,1234,Example Elementary,TSI

`designation` is CSI (comprehensive support and improvement) or TSI (targeted). A school
count per district (`schools`, for the share) comes from the outcome table's school rows.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbook.data.model import Problem
from workbook.errors import WorkbookError
from workbook.identification.model import folder as rules_folder

DESIGNATION_COLUMNS = ["district_id", "school_id", "school_name", "designation"]
TIERS = ("primary", "opportunity and innovation", "none")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SupportType(_Strict):
    code: str
    name: str
    source: str


class Supports(_Strict):
    types: list[SupportType]
    providers: list[str]


class Trigger(_Strict):
    code: str
    name: str
    computable: bool
    source: str
    threshold: float | None = None


class Step(_Strict):
    step: int = Field(ge=1, le=5)
    name: str
    source: str


class Partnership(_Strict):
    primary_min_schools: int = Field(ge=1)
    primary_min_share: float = Field(ge=0, le=100)
    verified: bool
    source: str


class Continuum(_Strict):
    """The rules file, validated: a typo in a key is an error naming it."""

    supports: Supports
    triggers: list[Trigger]
    corrective_action_steps: list[Step]
    partnership: Partnership


class StepRecord(_Strict):
    """One step of the corrective-action continuum taken for a district, as recorded."""

    district_id: str
    step: int = Field(ge=1, le=5)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    reason: str
    provider: Literal["ODE", "ESD", "other"] = "ODE"


@functools.cache
def continuum(path: Path | None = None) -> Continuum:
    """Oregon's rules, read once and validated (`WorkbookError` naming file and key)."""
    path = path or rules_folder("OR") / "continuum.yaml"
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        rules = Continuum.model_validate(raw)
    except OSError as exc:
        raise WorkbookError(f"{path}: cannot read Oregon's rules: {exc}") from None
    except yaml.YAMLError as exc:
        raise WorkbookError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as err:
        raise WorkbookError("\n".join(f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                                      for e in err.errors())) from None
    steps = [s.step for s in rules.corrective_action_steps]
    if steps != sorted(steps) or len(set(steps)) != len(steps):
        raise WorkbookError(f"{path}: corrective_action_steps: steps must be 1..5 in order, "
                            f"found {steps}")
    return rules


def read_designations(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The user's CSI/TSI designation CSV, every problem collected (file, row, column)."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        return pd.DataFrame(columns=DESIGNATION_COLUMNS), [
            Problem(str(path), None, None, f"cannot read the designation CSV: {exc}")]
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in DESIGNATION_COLUMNS if c not in frame.columns]
    if missing:
        return pd.DataFrame(columns=DESIGNATION_COLUMNS), [Problem(
            str(path), 1, c, f"column {c!r} is missing; expected columns "
            f"{DESIGNATION_COLUMNS}, found {list(frame.columns)}") for c in missing]
    problems = []
    frame = frame[DESIGNATION_COLUMNS].apply(lambda s: s.str.strip())
    frame["designation"] = frame["designation"].str.upper()
    for i, row in frame.iterrows():
        line = int(str(i)) + 2
        for col in ("district_id", "school_id"):
            if not row[col].isdigit():
                problems.append(Problem(str(path), line, col,
                                        f"{row[col]!r} is not an ODE id (digits)"))
        if row["designation"] not in ("CSI", "TSI"):
            problems.append(Problem(str(path), line, "designation",
                                    f"{row['designation']!r} is not CSI or TSI"))
    return frame, problems


def partnership_tiers(designations: pd.DataFrame, outcomes: pd.DataFrame,
                      rules: Continuum | None = None) -> pd.DataFrame:
    """Each district's partnership tier: primary where its CSI and TSI schools reach both
    the number and the share of its schools in the rules; opportunity and innovation where
    it has any CSI or TSI school short of that; none otherwise. `schools` counts the
    district's schools in the outcome table (any school row)."""
    rules = rules or continuum()
    p = rules.partnership
    schools = (outcomes[outcomes["org_level"] == "school"]
               .groupby("district_id")["org_id"].nunique())
    districts = outcomes.loc[outcomes["org_level"] == "district", "district_id"].unique()
    d = designations.drop_duplicates("school_id")
    csi = d[d["designation"] == "CSI"].groupby("district_id").size()
    tsi = d[d["designation"] == "TSI"].groupby("district_id").size()
    ids = sorted(set(map(str, districts)) | set(d["district_id"]))
    out = pd.DataFrame({"district_id": ids})
    out["schools"] = out["district_id"].map(schools).fillna(0).astype(int)
    out["csi"] = out["district_id"].map(csi).fillna(0).astype(int)
    out["tsi"] = out["district_id"].map(tsi).fillna(0).astype(int)
    designated = out["csi"] + out["tsi"]
    out["share"] = (100 * designated / out["schools"].where(out["schools"] > 0)).round(1)
    primary = (designated >= p.primary_min_schools) & (out["share"] >= p.primary_min_share)
    out["tier"] = ["primary" if pr else "opportunity and innovation" if n else "none"
                   for pr, n in zip(primary.fillna(False), designated, strict=True)]
    out["rule"] = (f"primary: at least {p.primary_min_schools} CSI/TSI schools and "
                   f"{p.primary_min_share:g}% of schools ({p.source}; "
                   f"{'verified' if p.verified else 'not verified against ODE'})")
    return out


#: Growth-target metrics -> (indicator, grade) in the tidy table.
GROWTH_METRICS: dict[str, tuple[str, str]] = {
    "regular attenders": ("REG_ATTEND", "all"),
    "third-grade reading": ("ELA_PROF", "3"),
    "four-year graduation": ("GRAD4", "all"),
    "five-year completion": ("COMPL5", "all"),
}


def growth_baselines(outcomes: pd.DataFrame, district_id: str) -> pd.DataFrame:
    """The common growth-target metrics for one district, all students, every year the
    files give: the baseline a goal measure starts from (`metric`, `indicator`, `year`,
    `status`, `n`). Ninth-grade on track is not in the bundled files and is left out."""
    rows = []
    for metric, (indicator, grade) in GROWTH_METRICS.items():
        f = outcomes[(outcomes["org_id"] == district_id) & (outcomes["org_level"] == "district")
                     & (outcomes["indicator"] == indicator) & (outcomes["grade"] == grade)
                     & (outcomes["student_group"] == "ALL") & outcomes["status"].notna()]
        for r in f.drop_duplicates("year").itertuples(index=False):
            rows.append({"metric": metric, "indicator": indicator, "grade": grade,
                         "year": int(r.year), "status": float(r.status),
                         "n": None if pd.isna(r.denominator) else int(r.denominator)})
    return pd.DataFrame(rows, columns=["metric", "indicator", "grade", "year", "status", "n"])


def growth_results(measures: list, outcomes: pd.DataFrame, district_id: str,
                   first_year: int) -> pd.DataFrame:
    """Met / not met per plan year for goal measures whose `state_indicator` is an Oregon
    metric: plan year k is the school year ending in `first_year + k - 1`; a year without
    data is "no data yet"."""
    rows = []
    for m in measures:
        if not m.state_indicator:
            continue
        f = outcomes[(outcomes["org_id"] == district_id) & (outcomes["org_level"] == "district")
                     & (outcomes["indicator"] == m.state_indicator)
                     & (outcomes["grade"] == "all")
                     & (outcomes["student_group"] == m.student_group)]
        by_year = f.dropna(subset=["status"]).drop_duplicates("year").set_index("year")["status"]
        for k, target in sorted(m.targets.items()):
            year = first_year + int(k) - 1
            got = by_year.get(year)
            if got is None or pd.isna(got):
                verdict = "no data yet"
            else:
                ok = got >= target if m.higher_is_better else got <= target
                verdict = "met" if ok else "not met"
            rows.append({"measure": m.indicator, "indicator": m.state_indicator,
                         "plan_year": int(k), "year": year, "target": float(target),
                         "result": None if got is None or pd.isna(got) else float(got),
                         "verdict": verdict})
    return pd.DataFrame(rows, columns=["measure", "indicator", "plan_year", "year", "target",
                                       "result", "verdict"])


def triggers(growth: pd.DataFrame, perkins_met_share: float | None = None,
             recorded: dict[str, bool] | None = None,
             rules: Continuum | None = None) -> pd.DataFrame:
    """The corrective-action triggers for a district: the computable ones evaluated
    (growth targets: any measure "not met"; Perkins: the share of targets met below the
    threshold), the others as the ESD liaison recorded them (`recorded`: code -> raised),
    "not recorded" where nobody has."""
    rules = rules or continuum()
    recorded = recorded or {}
    out = []
    for t in rules.triggers:
        if t.code == "growth_targets":
            judged = growth[growth["verdict"].isin(["met", "not met"])]
            state = ("no data yet" if judged.empty else
                     "raised" if (judged["verdict"] == "not met").any() else "not raised")
            basis = f"{(judged['verdict'] == 'not met').sum()} of {len(judged)} targets not met"
        elif t.code == "perkins" and perkins_met_share is not None:
            raised = perkins_met_share < (t.threshold or 90)
            state = "raised" if raised else "not raised"
            basis = f"{perkins_met_share:g}% of Perkins targets met"
        elif t.code in recorded:
            state = "raised" if recorded[t.code] else "not raised"
            basis = "recorded by the ESD liaison"
        else:
            state, basis = "not recorded", "to be recorded by the ESD liaison"
        out.append({"trigger": t.name, "code": t.code, "computable": t.computable,
                    "state": state, "basis": basis, "source": t.source})
    return pd.DataFrame(out)


def continuum_history(records: list[StepRecord], rules: Continuum | None = None
                      ) -> pd.DataFrame:
    """The corrective-action steps recorded for districts, named by the rules, by date."""
    rules = rules or continuum()
    names = {s.step: s.name for s in rules.corrective_action_steps}
    rows = [{"district_id": r.district_id, "step": r.step, "name": names[r.step],
             "date": r.date, "reason": r.reason, "provider": r.provider} for r in records]
    return pd.DataFrame(rows, columns=["district_id", "step", "name", "date", "reason",
                                       "provider"]).sort_values(["district_id", "date"])


def headline(rows: pd.DataFrame) -> str:
    """A district's all-students results in a few words for the region's landing page
    (Oregon has no Dashboard colors): `rows` are its district rows for the year."""
    rows = rows[(rows["student_group"] == "ALL") & (rows["grade"].fillna("all") == "all")]
    parts = []
    for code, label in (("REG_ATTEND", "regular attenders"), ("ELA_PROF", "ELA proficient"),
                        ("GRAD4", "4-year graduation")):
        got = rows.loc[(rows["indicator"] == code) & rows["status"].notna(), "status"]
        parts.append(f"{label} {float(got.iloc[0]):.1f}%" if len(got) else
                     f"{label} not reported")
    return "; ".join(parts)


def index_html(region, outcomes: pd.DataFrame, district_ids: list[str]) -> str:
    """The Oregon part of a region's landing page: the ESD, the small-group rule, the
    partnership tiers (from the user's designation file, else how to supply one) and each
    district's growth-target baselines for the region's year."""
    import html

    sel = region.districts
    esd = getattr(sel, "esd", None)
    counties = ", ".join(getattr(sel, "counties", []) or [])
    rules = continuum()
    metrics = list(GROWTH_METRICS)
    names = (outcomes[outcomes["org_level"] == "district"].drop_duplicates("district_id")
             .set_index("district_id")["org_name"])
    body = []
    for d in district_ids:
        base = growth_baselines(outcomes, d)
        base = base[base["year"] == region.year].set_index("metric")["status"]
        cells = "".join(f"<td>{base[m]:.1f}%</td>" if m in base.index else
                        "<td>not reported</td>" for m in metrics)
        body.append(f"<tr><td>{html.escape(str(names.get(d, d)))}</td><td>{d}</td>{cells}"
                    "</tr>")
    head = "".join(f"<th>{html.escape(m)}</th>" for m in metrics)
    p = rules.partnership
    return (
        "<h2>Oregon: ESD, partnerships and growth targets</h2>"
        f"<p class='meta'>Education service district (ESD): "
        f"{html.escape(esd or 'not declared in the manifest')}"
        f"{' · counties ' + html.escape(counties) if counties else ''}. ODE does not report "
        "groups of fewer than 10 students; stakeholder editions hide them and any cell that "
        "would reveal them. Supports follow ODE's continuum: technical assistance, "
        "professional development, coaching and corrective action (ODE, ESD or other "
        "provider).</p>"
        f"<p class='meta'>Partnership tier (primary, or opportunity and innovation) is "
        f"computed from a CSI/TSI school designation file (district_id, school_id, "
        f"school_name, designation): primary at {p.primary_min_schools} or more designated "
        f"schools and {p.primary_min_share:g}% of schools ({html.escape(p.source)}).</p>"
        f"<h3>Growth-target baselines, all students, {region.year - 1}-{str(region.year)[2:]}"
        f"</h3><table class='wb-table'><thead><tr><th>District</th><th>Code</th>{head}</tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>")
