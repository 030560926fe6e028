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

import csv
import functools
import re
from pathlib import Path
from typing import Any, Literal

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


def _field_counts(path: Path) -> list[int]:
    """How many fields each line of the CSV holds (a quoted field may span lines)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [len(row) for row in csv.reader(fh)]


def read_designations(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The user's CSI/TSI designation CSV, every problem collected (file, row, column)."""
    path = Path(path)
    try:
        widths = _field_counts(path)
        wide = [Problem(str(path), line, None, f"{n} fields, more than the header's "
                        f"{widths[0]}") for line, n in enumerate(widths, start=1)
                if line > 1 and n > widths[0]][:100]
        if wide:
            return pd.DataFrame(columns=DESIGNATION_COLUMNS), wide
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skip_blank_lines=False, index_col=False)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError,
            pd.errors.EmptyDataError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return pd.DataFrame(columns=DESIGNATION_COLUMNS), [
            Problem(str(path), None, None, f"cannot read the designation CSV: {first}")]
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in DESIGNATION_COLUMNS if c not in frame.columns]
    if missing:
        return pd.DataFrame(columns=DESIGNATION_COLUMNS), [Problem(
            str(path), 1, c, f"column {c!r} is missing; expected columns "
            f"{DESIGNATION_COLUMNS}, found {list(frame.columns)}") for c in missing]
    problems = []
    frame = frame[DESIGNATION_COLUMNS].astype(str).apply(lambda s: s.str.strip())
    frame["line"] = range(2, len(frame) + 2)  # the file's own line (the header is line 1)
    frame = frame[(frame[DESIGNATION_COLUMNS] != "").any(axis=1)]  # blank lines
    frame["designation"] = frame["designation"].str.upper()
    seen: dict[str, tuple[int, str]] = {}
    for row in frame.to_dict("records"):
        line = int(row["line"])
        for col in ("district_id", "school_id"):
            if not (row[col].isascii() and row[col].isdigit()):
                problems.append(Problem(str(path), line, col,
                                        f"{row[col][:40]!r} is not an ODE id (digits)"))
        if row["designation"] not in ("CSI", "TSI"):
            problems.append(Problem(str(path), line, "designation",
                                    f"{row['designation'][:40]!r} is not CSI or TSI"))
        before = seen.setdefault(row["school_id"], (line, row["district_id"]))
        if before[0] != line and before[1] != row["district_id"]:
            problems.append(Problem(str(path), line, "school_id", (
                f"school {row['school_id'][:40]!r} is also listed on line {before[0]} under "
                f"district {before[1]!r}")))
        if len(problems) >= 100:
            break
    return frame[DESIGNATION_COLUMNS].reset_index(drop=True), problems


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
    out["reason"] = [_tier_reason(r, p) for r in out.itertuples(index=False)]
    out["rule"] = (f"primary: at least {p.primary_min_schools} CSI/TSI schools and "
                   f"{p.primary_min_share:g}% of schools ({p.source}; "
                   f"{'verified' if p.verified else 'not verified against ODE'})")
    return out


def _tier_reason(r, p: Partnership) -> str:
    """Why a district has its tier, in numbers against the cut-offs."""
    n = r.csi + r.tsi
    if not n:
        return "no CSI or TSI school in the designation file"
    share = "share unknown (no school rows in the data)" if pd.isna(r.share) else \
        f"{r.share:g}% of its {r.schools} schools"
    has = f"{n} designated ({r.csi} CSI, {r.tsi} TSI), {share}"
    if r.tier == "primary":
        return (f"{has}: reaches both {p.primary_min_schools} schools and "
                f"{p.primary_min_share:g}%")
    short = []
    if n < p.primary_min_schools:
        short.append(f"fewer than {p.primary_min_schools} schools")
    if pd.isna(r.share) or r.share < p.primary_min_share:
        short.append(f"below {p.primary_min_share:g}%")
    return f"{has}: {' and '.join(short)}"


def region_designations(region) -> Path | None:
    """The designation CSV a region's manifest names (`districts: designations:`, relative
    to the manifest), or None."""
    name = getattr(getattr(region, "districts", None), "designations", None)
    if not name:
        return None
    path = Path(name)
    return path if path.is_absolute() else Path(getattr(region, "base", ".")) / path


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


#: Where a growth target's result came from (`growth_results`' `source` column).
FROM_STATE_FILE = "ODE file"
FROM_PLAN = "annual result recorded in the plan"


def growth_results(measures: list, outcomes: pd.DataFrame, district_id: str,
                   first_year: int, results: list | None = None) -> pd.DataFrame:
    """Met / not met per plan year for goal measures whose `state_indicator` is an Oregon
    metric: plan year k is the school year ending in `first_year + k - 1`. The result is
    ODE's district figure for that year where the loaded files have it, else the annual
    result the plan records for that measure and plan year (`results`: the plan's
    `progress.model.Result` records, the same ones its measures table reads), so the two
    never disagree; `source` says which. A year with neither is "no data yet"."""
    recorded: dict[tuple[str, int], Any] = {}
    for r in results or []:
        recorded[(r.measure, int(r.plan_year))] = r
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
            source = FROM_STATE_FILE
            if got is None or pd.isna(got):
                entry = recorded.get((m.id, int(k)))
                got = None if entry is None else float(entry.value)
                source = "" if entry is None else \
                    f"{FROM_PLAN} ({getattr(entry, 'source', 'typed')})"
            if got is None:
                verdict = "no data yet"
            else:
                ok = got >= target if m.higher_is_better else got <= target
                verdict = "met" if ok else "not met"
            rows.append({"measure": m.indicator, "indicator": m.state_indicator,
                         "plan_year": int(k), "year": year, "target": float(target),
                         "result": None if got is None else float(got),
                         "verdict": verdict, "source": source})
    return pd.DataFrame(rows, columns=["measure", "indicator", "plan_year", "year", "target",
                                       "result", "verdict", "source"])


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
        out.append({"trigger": t.name, "trigger_code": t.code, "computable": t.computable,
                    "state": state, "basis": basis, "source": t.source})
    return pd.DataFrame(out)


def plan_first_year(plan_start: str) -> int:
    """The school year (its spring) that plan year 1 ends in: a plan started 2022-08-01
    has its first results in 2022-23, year 2023."""
    import datetime as dt

    return dt.date.fromisoformat(str(plan_start)).year + 1


def growth_by_year(results: pd.DataFrame) -> pd.DataFrame:
    """Growth targets met / not met per year, from `growth_results`: for each plan year,
    how many targets were met, not met or have no data yet, and the year's verdict: "met"
    when every judged target was met, "not met" when any was not (the corrective-action
    trigger, seed 000), "no data yet" when none could be judged."""
    rows = []
    for (plan_year, year), f in results.groupby(["plan_year", "year"], sort=True):
        met = int((f["verdict"] == "met").sum())
        missed = int((f["verdict"] == "not met").sum())
        waiting = int((f["verdict"] == "no data yet").sum())
        verdict = "not met" if missed else "met" if met else "no data yet"
        rows.append({"plan_year": int(plan_year), "year": int(year),
                     "school_year": f"{int(year) - 1}-{str(int(year))[2:]}",
                     "met": met, "not_met": missed, "no_data": waiting, "verdict": verdict})
    return pd.DataFrame(rows, columns=["plan_year", "year", "school_year", "met", "not_met",
                                       "no_data", "verdict"])


def district_growth(doc, outcomes: pd.DataFrame, district_id: str, plan_start: str
                    ) -> pd.DataFrame:
    """`growth_results` for a district's plan document (its goal measures on ODE's
    metrics and the annual results it records), plan year 1 ending in the school year
    after `plan_start`."""
    from workbook.direction.model import Measure
    from workbook.progress.model import Result

    return growth_results(doc.of(Measure), outcomes, district_id,
                          plan_first_year(plan_start), doc.of(Result))


#: A corrective-action support (progress.model.Support, type "corrective action") whose
#: need begins "Step N" records step N of the five-step continuum for its district.
_STEP = re.compile(r"^\s*step\s*([1-5])\b", re.IGNORECASE)


def recorded_steps(doc) -> list[StepRecord]:
    """The corrective-action steps a district's plan records: its supports of type
    "corrective action" whose need begins "Step N" (dated by when the support was given,
    asked for or needed; undated ones are left out, as a step needs its date)."""
    from workbook.progress.model import Support

    out = []
    for s in doc.of(Support):
        m = _STEP.match(s.need or "")
        when = s.provided_on or s.requested or s.needed
        if (s.support_type or "") != "corrective action" or not m or when is None:
            continue
        provider: Literal["ODE", "ESD", "other"] = ("ODE" if s.provider == "ODE" else
                                                     "ESD" if s.provider == "ESD" else "other")
        out.append(StepRecord(district_id=doc.org_id, step=int(m.group(1)),
                              date=when.isoformat(), reason=s.need.strip()[:500],
                              provider=provider))
    return out


#: The columns of `network_rows`, in order.
NETWORK_COLUMNS = ["district_id", "growth_targets_met", "growth_targets_total",
                   "growth_by_year", "triggers", "triggers_not_recorded", "tier",
                   "tier_reason", "continuum_step"]


def network_rows(region, outcomes: pd.DataFrame, district_ids: list[str], *,
                 documents=None, recorded: dict[str, dict[str, bool]] | None = None,
                 designations: str | Path | None = None, database_url: str = ""
                 ) -> pd.DataFrame:
    """Oregon's identification of each district, for the network view (one row per id of
    `district_ids`, in their order). Columns:

    - `district_id`: ODE's district id;
    - `growth_targets_met`, `growth_targets_total`: the district plan's growth targets
      (goal measures on ODE metrics, `growth_results`) judged met, and judged at all,
      over every plan year with data; 0 and 0 when none can be judged yet;
    - `growth_by_year`: met / not met per year in words, "2022-23: not met (1 of 3 met)"
      joined by "; " ("" when the plan has no growth targets);
    - `triggers`: the corrective-action triggers raised, by name, joined by "; " ("" when
      none): the computable ones evaluated (growth targets), the others as the liaison
      recorded them (`recorded`: district -> {trigger code: raised});
    - `triggers_not_recorded`: how many triggers nobody has recorded yet;
    - `tier`: the partnership tier ("primary", "opportunity and innovation", "none"),
      "" when no designation file is given (`designations`, else the manifest's
      `districts: designations:`); `tier_reason`: why, in numbers against the cut-offs;
    - `continuum_step`: the latest corrective-action step recorded in the plan
      (`recorded_steps`), "2: Required coaching program (2023-03-01)", or "".

    `documents`: district id -> PlanDocument (or a callable giving one); None reads the
    plan store at `database_url` (default WORKBOOK_DATABASE_URL or the embedded file)."""
    rules = continuum()
    if documents is None:
        from workbook.store import Store

        store = Store(database_url or None)
        try:
            documents = {d: store.document(d) for d in district_ids}
        finally:
            store.engine.dispose()
    get = documents if callable(documents) else documents.get
    recorded = recorded or {}
    path = Path(designations) if designations else region_designations(region)
    tiers = None
    if path is not None:
        frame, problems = read_designations(path)
        if problems:
            raise WorkbookError("\n".join(str(p) for p in problems[:20]))
        tiers = partnership_tiers(frame, outcomes, rules).set_index("district_id")
    start = getattr(region, "plan_start", "2024-08-01")
    rows = []
    for d in district_ids:
        doc = get(d)
        results = (district_growth(doc, outcomes, d, start) if doc is not None else
                   growth_results([], outcomes, d, 0))
        judged = results[results["verdict"].isin(["met", "not met"])]
        years = growth_by_year(results)
        by_year = "; ".join(
            f"{y.school_year}: {y.verdict}" + (f" ({y.met} of {y.met + y.not_met} met)"
                                               if y.met + y.not_met else "")
            for y in years.itertuples(index=False))
        trig = triggers(results, recorded=recorded.get(d), rules=rules)
        raised = trig.loc[trig["state"] == "raised", "trigger"].tolist()
        steps = recorded_steps(doc) if doc is not None else []
        last = max(steps, key=lambda r: (r.date, r.step)) if steps else None
        names = {s.step: s.name for s in rules.corrective_action_steps}
        tier = tiers.loc[d] if tiers is not None and d in tiers.index else None
        rows.append({
            "district_id": d,
            "growth_targets_met": int((judged["verdict"] == "met").sum()),
            "growth_targets_total": len(judged),
            "growth_by_year": by_year,
            "triggers": "; ".join(raised),
            "triggers_not_recorded": int((trig["state"] == "not recorded").sum()),
            "tier": "" if tiers is None else (str(tier["tier"]) if tier is not None
                                              else "none"),
            "tier_reason": "" if tiers is None else (
                str(tier["reason"]) if tier is not None
                else "not in the designation file or the data"),
            "continuum_step": (f"{last.step}: {names[last.step]} ({last.date})"
                               if last else ""),
        })
    return pd.DataFrame(rows, columns=NETWORK_COLUMNS)


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


def index_html(region, outcomes: pd.DataFrame, district_ids: list[str], *,
               documents=None, database_url: str = "") -> str:
    """The Oregon part of a region's landing page: the ESD, the small-group rule, the
    partnership tiers (from the manifest's designation file, else how to supply one), each
    district's growth targets met / not met per year (`network_rows`; the plans from
    `documents` or the plan store at `database_url`) and its growth-target baselines for
    the region's year."""
    import html

    from workbook.i18n import _

    esc = html.escape
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
                        f"<td>{esc(_('not reported'))}</td>" for m in metrics)
        body.append(f"<tr><td>{esc(str(names.get(d, d)))}</td><td>{esc(d)}</td>{cells}"
                    "</tr>")
    head = "".join(f"<th>{esc(m)}</th>" for m in metrics)
    p = rules.partnership
    net = network_rows(region, outcomes, district_ids, documents=documents,
                       database_url=database_url)
    has_tiers = bool(region_designations(region))
    growth = []
    for r in net.itertuples(index=False):
        tier = (f"<td>{esc(r.tier)}</td><td>{esc(r.tier_reason)}</td>" if has_tiers else "")
        growth.append(
            f"<tr><td>{esc(str(names.get(r.district_id, r.district_id)))}</td>"
            f"<td>{esc(r.growth_by_year or _('no growth targets in the plan'))}</td>"
            f"<td>{esc(r.triggers or _('none raised'))}</td>{tier}"
            f"<td>{esc(r.continuum_step or _('none recorded'))}</td></tr>")
    tier_head = (f"<th>{esc(_('Partnership tier'))}</th><th>{esc(_('Why'))}</th>"
                 if has_tiers else "")
    tier_note = (_("Partnership tiers are computed from the designation file the manifest "
                   "names.") if has_tiers else
                 _("No designation file in the manifest: add `designations: FILE.csv` under "
                   "`districts:` (columns district_id, school_id, school_name, designation) "
                   "or run `workbook oregon tiers --designations FILE.csv`."))
    growth_note = _("Each district plan sets longitudinal performance growth targets on ODE "
                    "metrics; a year is met when every target judged that year was met. A "
                    "year not met raises the corrective-action trigger (seed 000).")
    return (
        f"<h2>{esc(_('Oregon: ESD, partnerships and growth targets'))}</h2>"
        f"<p class='meta'>Education service district (ESD): "
        f"{esc(esd or 'not declared in the manifest')}"
        f"{' · counties ' + esc(counties) if counties else ''}. ODE does not report "
        "groups of fewer than 10 students; stakeholder editions hide them and any cell that "
        "would reveal them. Supports follow ODE's continuum: technical assistance, "
        "professional development, coaching and corrective action (ODE, ESD or other "
        "provider).</p>"
        f"<p class='meta'>Partnership tier (primary, or opportunity and innovation) is "
        f"computed from a CSI/TSI school designation file (district_id, school_id, "
        f"school_name, designation): primary at {p.primary_min_schools} or more designated "
        f"schools and {p.primary_min_share:g}% of schools ({esc(p.source)}). "
        f"{esc(tier_note)}</p>"
        f"<h3>{esc(_('Growth targets met / not met, by year'))}</h3>"
        f"<p class='meta'>{esc(growth_note)}</p>"
        f"<table class='wb-table wb-growth'><thead><tr><th>District</th>"
        f"<th>{esc(_('Growth targets by year'))}</th>"
        f"<th>{esc(_('Corrective-action triggers raised'))}</th>{tier_head}"
        f"<th>{esc(_('Continuum step'))}</th></tr></thead><tbody>{''.join(growth)}"
        f"</tbody></table>"
        f"<h3>Growth-target baselines, all students, {region.year - 1}-{str(region.year)[2:]}"
        f"</h3><table class='wb-table'><thead><tr><th>District</th><th>Code</th>{head}</tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>")
