"""Who the state identifies for support, computed by its own rules, beside its own lists.

Pure functions: they take the tidy outcome table (`workbook.data`), the decoded lists
(`workbook.data.assistance.AssistanceLists`) and a year's rules (`model.rules_for`), and
return frames; nothing here opens a file.

- `identify`: for every LEA and student group, the priority areas met and why (indicator,
  color or status, student count), the LEA's eligibility for differentiated assistance
  (methods 1-3), its status and level of support (1 support for all, 2 differentiated
  assistance, 3 intensive intervention: the referral criteria of EC 52072(b)(1)).
- `compare`: computed and published status side by side, and why they differ.
- `history` and the Appendix A tables of the State Board item on the system of support
  (`totals_by_year`, `years_identified`, `group_area_counts`, `indicator_counts`,
  `by_county`): totals, new, continuing and exited LEAs by year, and so on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbook.dashboard import compute_levels
from workbook.data.assistance import AssistanceLists
from workbook.data.groups import group_name
from workbook.data.model import COLOR_NAMES
from workbook.identification.model import STATUS_WORDS, YearRules, rules_for, status_level
from workbook.identification.model import years as rule_years

#: How an indicator reads in a sentence ("ELA Red and math Orange").
INDICATOR_WORDS = {"ELA": "ELA", "MATH": "math", "ELPI": "English learner progress",
                   "GRAD": "graduation rate", "CHRO": "chronic absenteeism",
                   "SUSP": "suspension rate", "CCI": "college/career"}
GENERAL = "General Assistance"
DA = "Differentiated Assistance"
#: The three levels of California's system of support (seed 001, Attachment 1).
LEVELS = {1: "Support for all", 2: "Differentiated assistance", 3: "Intensive intervention"}
#: The columns of `workbook identify`'s CSV.
OUTPUT_COLUMNS = ["cds", "lea_name", "student_group", "priorities", "da_eligible", "reasons"]

GROUP_RESULT_COLUMNS = ["org_id", "org_name", "county", "lea_type", "student_group",
                        "counts", "priorities", "state_priorities", "indicators", "evidence"]
LEA_RESULT_COLUMNS = ["org_id", "org_name", "county", "lea_type", "evaluated", "met_criteria",
                      "eligible", "method1", "method2", "method3", "local_evaluated",
                      "local_priorities", "status", "level", "level3", "level3_source",
                      "groups", "summary", "decision", "reasons"]


@dataclass
class Identification:
    """One Dashboard year's identification of LEAs, by the state's rules.

    `groups`: one row per LEA and student group with results that year (`priorities`: the
    areas met, "4;5"; `state_priorities` those met on state indicators alone, as the
    state's lists code them; `counts` whether the group is one the state identifies on;
    `evidence` one sentence per area). `leas`: one row per LEA (`eligible` is <NA> when it
    cannot be decided from what is loaded; `status` in CDE's words; `level` 1-3).
    """

    rules: YearRules
    groups: pd.DataFrame
    leas: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.rules.year

    def lea(self, org_id: str) -> pd.Series | None:
        rows = self.leas[self.leas["org_id"] == org_id]
        return None if rows.empty else rows.iloc[0]


# --------------------------------------------------------------------------------------
# Computing one year
# --------------------------------------------------------------------------------------


def _lea_rows(outcomes: pd.DataFrame, year: int) -> pd.DataFrame:
    """The year's California rows of LEAs: districts, county offices and charter schools."""
    f = outcomes
    charter = f["charter"].astype("boolean").fillna(False) if "charter" in f else False
    lea = (f["org_level"] == "district") | ((f["org_level"] == "school") & charter)
    return f[(f["state"] == "CA") & (f["year"] == year) & lea.fillna(False)]


def _lea_types(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per LEA: name, county and type (district, coe or charter)."""
    flags = rows.assign(
        is_coe=rows["coe"].astype("boolean").fillna(False) if "coe" in rows else False,
        is_charter=rows["charter"].astype("boolean").fillna(False) if "charter" in rows
        else False)
    out = flags.groupby("org_id", sort=True).agg(
        org_name=("org_name", "first"), county=("county", "first"),
        coe=("is_coe", "any"), charter=("is_charter", "any")).reset_index()
    out["lea_type"] = np.where(out["charter"], "charter",
                               np.where(out["coe"], "coe", "district"))
    return out[["org_id", "org_name", "county", "lea_type"]]


def _levels(part: pd.DataFrame) -> pd.DataFrame:
    """Color and status level per row: CDE's published ones, recomputed where missing."""
    color = part["color"].astype("Float64")
    status = part["status_level"].astype("Float64")
    if color.isna().any() or status.isna().any():
        mine = compute_levels(part)
        color = color.fillna(mine["color"].astype("Float64"))
        status = status.fillna(mine["status_level"].astype("Float64"))
    return pd.DataFrame({"color": color.fillna(0).astype(int),
                         "status_level": status.fillna(0).astype(int),
                         "n": part["denominator"].astype("Float64")}, index=part.index)


def _word(indicator: str, kind: str, code: int) -> str:
    if kind == "color":
        return COLOR_NAMES.get(code, "no color")
    for word in STATUS_WORDS:
        if status_level(indicator, word) == code:
            return f"{word} status"
    return "no status"


def _count(n: float) -> str:
    return "" if pd.isna(n) else f" (n={int(n)})"


def _local(outcomes: pd.DataFrame, rules: YearRules, lea_ids: pd.Index) -> pd.DataFrame:
    """Per LEA: whether local indicators are loaded for the year, and the priority areas
    whose local indicator was Not Met for two or more years."""
    previous = max((y for y in rule_years(rules.state) if y < rules.year), default=None)
    f = outcomes[outcomes["indicator"].astype("string").str.startswith("LOCAL_P", na=False)
                 & outcomes["org_id"].isin(lea_ids)]
    now = f[f["year"] == rules.year]
    before = f[f["year"] == previous] if previous is not None else f.iloc[:0]

    def texts(part: pd.DataFrame) -> dict[tuple[str, int], str]:
        area = part["indicator"].str.removeprefix("LOCAL_P").astype(int)
        return dict(zip(zip(part["org_id"], area, strict=True),
                        part["status_text"].fillna("").str.strip().str.lower(), strict=True))

    current, prior = texts(now), texts(before)
    areas: dict[str, list[int]] = {}
    for (org, area), text in current.items():
        two_years = text.startswith("not met for two") or (
            text == "not met" and prior.get((org, area), "").startswith("not met"))
        if two_years:
            areas.setdefault(org, []).append(area)
    loaded = set(now["org_id"])
    return pd.DataFrame({"org_id": lea_ids,
                         "local_evaluated": [o in loaded for o in lea_ids],
                         "local_areas": [tuple(sorted(areas.get(o, []))) for o in lea_ids]})


def _group_results(rows: pd.DataFrame, rules: YearRules,
                   types: pd.DataFrame) -> pd.DataFrame:
    """Per LEA and student group: the state-indicator priority areas met, with evidence."""
    wanted = set(rules.student_groups) | {"ALL"}
    part = rows[rows["indicator"].isin(rules.indicators) & rows["student_group"].isin(wanted)
                & (rows["grade"] == "all")]
    part = part.drop_duplicates(["org_id", "student_group", "indicator"])
    present = rows[rows["student_group"].isin(wanted)][["org_id", "student_group"]]
    keys = present.drop_duplicates().sort_values(["org_id", "student_group"])
    index = pd.MultiIndex.from_frame(keys)
    if part.empty:
        wide = pd.DataFrame(index=index)
    else:
        levels = _levels(part)
        long = pd.concat([part[["org_id", "student_group", "indicator"]], levels], axis=1)
        wide = long.set_index(["org_id", "student_group", "indicator"]).unstack("indicator")
        wide = wide.reindex(index)
    lea_type = keys["org_id"].map(types.set_index("org_id")["lea_type"]).to_numpy()
    group = keys["student_group"].to_numpy(dtype=object)

    arrays: dict[tuple[str, str], np.ndarray] = {}

    def values(col: str, indicator: str) -> np.ndarray:
        if (col, indicator) not in arrays:
            arrays[(col, indicator)] = (
                wide[(col, indicator)].astype("float64").fillna(0).to_numpy()
                if (col, indicator) in wide.columns else
                np.full(len(wide), np.nan if col == "n" else 0.0))
        return arrays[(col, indicator)]

    codes = {(id(alt), i): alt.codes(i) for a in rules.priority_areas
             for alt in a.state_indicators for i in alt.when}
    met = {}
    for area in rules.priority_areas:
        if not area.state_indicators:
            continue
        hit = np.zeros(len(wide), dtype=bool)
        for alt in area.state_indicators:
            ok = np.ones(len(wide), dtype=bool)
            if alt.groups is not None:
                ok &= np.isin(group, list(alt.groups))
            if alt.not_groups:
                ok &= ~np.isin(group, list(alt.not_groups))
            for indicator in alt.when:
                col = "color" if alt.kind(indicator) == "color" else "status_level"
                ok &= np.isin(values(col, indicator), codes[(id(alt), indicator)])
            hit |= ok
        hit &= np.isin(lea_type, area.lea_types)
        met[area.priority] = hit
    out = keys.reset_index(drop=True)
    areas = sorted(met)
    matrix = np.column_stack([met[a] for a in areas]) if areas else np.zeros((len(out), 0), bool)
    # each row's areas as a bit mask, decoded once per distinct mask
    masks = (matrix * (1 << np.arange(len(areas)))).sum(axis=1) if len(areas) else \
        np.zeros(len(out), dtype=int)
    decode = {m: tuple(a for k, a in enumerate(areas) if m >> k & 1) for m in set(masks.tolist())}
    state_areas = [decode[m] for m in masks.tolist()]
    out["state_areas"] = state_areas
    # evidence, only for the rows that met something
    evidence = [""] * len(out)
    behind: list[tuple[str, ...]] = [()] * len(out)
    for i in np.flatnonzero(masks) if len(out) else []:
        sentences, used = [], []
        for area_no in state_areas[i]:
            spec = rules.area(area_no)
            assert spec is not None
            parts = []
            for alt in spec.state_indicators:
                if not alt.applies_to(str(group[i])):
                    continue
                words, holds = [], True
                for indicator in alt.when:
                    kind = alt.kind(indicator)
                    code = int(values("color" if kind == "color" else "status_level",
                                      indicator)[i])
                    holds &= code in codes[(id(alt), indicator)]
                    n = values("n", indicator)[i]
                    words.append(f"{INDICATOR_WORDS.get(indicator, indicator)} "
                                 f"{_word(indicator, kind, code)}{_count(n)}")
                if holds:
                    parts.append(" and ".join(words))
                    used += list(alt.when)
            sentences.append(f"priority {area_no}: " + "; ".join(dict.fromkeys(parts)))
        evidence[i] = "; ".join(sentences)
        behind[i] = tuple(dict.fromkeys(used))
    out["evidence"] = evidence
    out["indicators"] = [";".join(b) for b in behind]
    # which groups have any result this year (for the "fewer than three groups" rule)
    colored = np.zeros(len(out), dtype=bool)
    for indicator in rules.indicators:
        colored |= (values("color", indicator) > 0) | (values("status_level", indicator) > 0)
    out["has_results"] = colored
    return out


def identify(outcomes: pd.DataFrame, year: int, *, rules: YearRules | None = None,
             lists: AssistanceLists | None = None,
             prior: Identification | None = None) -> Identification:
    """Every LEA's identification for differentiated assistance in `year`, and why.

    `outcomes`: the tidy table (published colors are used; where a row has none, the
    recomputed one). `lists`: the state's published lists, for what one year's results
    cannot tell: the second year of support, the years behind the level 3 referral
    criteria. `prior`: the previous year's identification, when computed (charter schools
    must meet the criteria two years running; the lists do not cover them).
    """
    rules = rules or rules_for(year)
    lists = lists or AssistanceLists()
    rows = _lea_rows(outcomes, rules.year)
    types = _lea_types(rows)
    notes = []
    groups = _group_results(rows, rules, types)
    local = _local(outcomes, rules, pd.Index(types["org_id"]))
    local_areas = dict(zip(local["org_id"], local["local_areas"], strict=True))
    local_loaded = dict(zip(local["org_id"], local["local_evaluated"], strict=True))
    lea_type = dict(zip(types["org_id"], types["lea_type"], strict=True))
    area_types = {a.priority: a.lea_types for a in rules.priority_areas}

    def lea_local(org: str) -> tuple[int, ...]:
        return tuple(a for a in local_areas.get(org, ())
                     if (area := rules.area(a)) is not None and area.local_indicator
                     and lea_type[org] in area_types[a])

    groups["priorities"] = [";".join(str(a) for a in sorted(set(s) | set(lea_local(o))))
                            for o, s in zip(groups["org_id"].tolist(), groups["state_areas"],
                                            strict=True)]
    groups["state_priorities"] = [";".join(map(str, s)) for s in groups["state_areas"]]
    groups["counts"] = groups["student_group"].isin(rules.student_groups)
    loaded = {str(i) for i in rows["indicator"].dropna().unique()}
    missing = [i for i in rules.indicators if i not in loaded]
    if missing:
        notes.append(f"No {', '.join(INDICATOR_WORDS.get(i, i) for i in missing)} results are "
                     f"loaded for {rules.year}: the priority areas they decide could not be "
                     "met, so an LEA shown as not eligible may be eligible.")
    if not local["local_evaluated"].any():
        notes.append(f"No local indicator results are loaded for {rules.year}: methods 2 "
                     "and 3 (local indicators Not Met for two or more years) were not "
                     "evaluated.")

    leas = _lea_decisions(groups, types, rules, lea_local, local_loaded)
    _support(leas, groups, rules, lists, prior)
    groups = groups.merge(types, on="org_id", how="left")
    return Identification(rules, groups[GROUP_RESULT_COLUMNS + ["has_results"]].reset_index(
        drop=True), leas[LEA_RESULT_COLUMNS].reset_index(drop=True), notes)


def identify_with_prior(outcomes: pd.DataFrame, year: int,
                        lists: AssistanceLists | None = None) -> Identification:
    """`identify`, with the previous Dashboard year computed first when its results are
    loaded (charter schools need the criteria met two years running)."""
    rules = rules_for(year)
    previous = _previous_year(rules)
    prior = None
    if previous is not None and (outcomes["year"] == previous).any():
        prior = identify(outcomes, previous, lists=lists)
    return identify(outcomes, year, rules=rules, lists=lists, prior=prior)


def _lea_decisions(groups: pd.DataFrame, types: pd.DataFrame, rules: YearRules,
                   lea_local: Callable[[str], tuple[int, ...]],
                   local_loaded: dict[str, bool]) -> pd.DataFrame:
    need = rules.min_priority_areas
    counting = groups[groups["counts"]]
    by_org: dict[str, list[set[int]]] = {}
    for org, found in zip(counting["org_id"].tolist(), counting["state_areas"], strict=True):
        if found:
            by_org.setdefault(org, []).append(set(found))
    out = []
    for rec in types.itertuples(index=False):
        org = rec.org_id
        local = lea_local(org)
        state_sets = by_org.get(org, [])
        m1 = 1 in rules.methods and any(len(s) >= need for s in state_sets)
        m2 = 2 in rules.methods and len(local) >= need
        m3 = (3 in rules.methods and not m1 and not m2
              and any(len(s | set(local)) >= need and s for s in state_sets))
        evaluated = rec.lea_type in rules.lea_types
        out.append({"org_id": org, "evaluated": evaluated, "method1": m1, "method2": m2,
                    "method3": m3, "met_now": m1 or m2 or m3,
                    "local_evaluated": local_loaded.get(org, False),
                    "local_priorities": ";".join(map(str, local))})
    columns = ["org_id", "evaluated", "method1", "method2", "method3", "met_now",
               "local_evaluated", "local_priorities"]
    return types.merge(pd.DataFrame(out, columns=columns), on="org_id", how="left")


def _previous_year(rules: YearRules) -> int | None:
    return max((y for y in rule_years(rules.state) if y < rules.year), default=None)


def _support(leas: pd.DataFrame, groups: pd.DataFrame, rules: YearRules,
             lists: AssistanceLists, prior: Identification | None) -> None:
    """Eligibility (charters: two years), status, level 3 and the reasons, in place."""
    previous = _previous_year(rules)
    hist = lists.history
    before: dict[str, str] = {}
    if previous is not None:
        part = hist[hist["year"] == previous]
        before = dict(zip(part["org_id"], part["status"].fillna(""), strict=True))
    prior_eligible: dict[str, object] = (
        dict(zip(prior.leas["org_id"], prior.leas["eligible"], strict=True)) if prior else {})
    prior_met: dict[str, object] = (
        dict(zip(prior.leas["org_id"], prior.leas["met_criteria"], strict=True)) if prior
        else {})
    own = lists.leas[lists.leas["year"] == rules.year]
    published_l3 = dict(zip(own["org_id"], own["ec52072"], strict=True))
    level3 = _level3(leas, groups, rules, lists)
    need = rules.min_priority_areas
    qualifying: dict[str, list[tuple[str, tuple[int, ...], str]]] = {}
    singles: dict[str, list[str]] = {}
    counting = groups[groups["counts"] & (groups["state_priorities"] != "")]
    for org, g, areas, text in zip(counting["org_id"].tolist(),
                                   counting["student_group"].tolist(),
                                   counting["state_areas"], counting["evidence"], strict=True):
        if len(areas) >= need:
            qualifying.setdefault(org, []).append((g, areas, text))
        else:
            singles.setdefault(org, []).append(f"{g} ({';'.join(map(str, areas))})")
    out: dict[str, list[object]] = {k: [] for k in (
        "eligible", "status", "level", "level3", "level3_source", "groups", "summary",
        "decision", "reasons")}
    for rec in leas.itertuples(index=False):
        org = rec.org_id
        why: list[str] = []
        eligible: bool | None = bool(rec.met_now)
        if not rec.evaluated:
            eligible = None
            why.append(f"{rec.lea_type} LEAs were not part of the {rules.year} determinations")
        elif rec.lea_type == "charter" and rec.met_now and rules.charters is not None \
                and rules.charters.consecutive_years > 1:
            was = prior_met.get(org, pd.NA)
            if pd.isna(was):
                eligible = None
                why.append(f"charter school: meets the criteria in {rules.year}; it is "
                           f"eligible only if it also met them in {previous}, whose results "
                           "are not loaded")
            elif not was:
                eligible = False
                why.append(f"charter school: met the criteria in {rules.year} but not in "
                           f"{previous}")
        was = prior_eligible.get(org, pd.NA)
        second_year = rules.support_years >= 2 and eligible is False and (
            before.get(org, "").endswith("Year 1")
            or (not pd.isna(was) and bool(was)))
        if eligible is None:
            status = ""
        elif eligible:
            status = f"{DA}, Year 1" if rules.support_years >= 2 else DA
        elif second_year:
            status = f"{DA}, Year 2"
        else:
            status = GENERAL
        l3 = level3.get(org)
        l3_source = "" if l3 is None else "computed"
        if l3 is None and not pd.isna(published_l3.get(org, pd.NA)):
            l3, l3_source = bool(published_l3[org]), f"CDE's {rules.year} list"
        level = pd.NA if eligible is None else (3 if l3 else 2 if status.startswith(DA) else 1)
        sentences = [f"{group_name(g)} met priority areas {_and(list(areas))} — {_plain(text)}"
                     for g, areas, text in qualifying.get(org, [])]
        local = rec.local_priorities
        if local:
            sentences.append(f"local indicator{'s' if ';' in local else ''} Not Met for two "
                             f"or more years in priority area{'s' if ';' in local else ''} "
                             f"{_and([int(x) for x in local.split(';')])}")
        methods = [str(k) for k in (1, 2, 3) if getattr(rec, f"method{k}")]
        if eligible:
            head = f"Eligible for differentiated assistance (method {', '.join(methods)})"
        elif status.endswith("Year 2"):
            head = (f"Not eligible in {rules.year}; second year of differentiated assistance "
                    f"(eligible in {previous})")
        elif eligible is None:
            head = "Not determined"
        else:
            head = (f"Not eligible: no student group met the criteria in {need} priority "
                    "areas")
            if singles.get(org):
                head += "; one area: " + ", ".join(singles[org])
        if not rec.local_evaluated and 2 in rules.methods:
            why.append("local indicators not loaded (methods 2 and 3 not evaluated)")
        if l3:
            why.append(f"meets the level 3 referral criteria of EC 52072(b)(1) ({l3_source}): "
                       f"{rules.level3.min_groups if rules.level3 else 3} or more student "
                       "groups met the criteria in three of four years")
        elif l3 is None and rules.level3 is not None and rec.evaluated:
            why.append("level 3 referral criteria not decided: the student groups of earlier "
                       "years are not all loaded")
        out["eligible"].append(pd.NA if eligible is None else eligible)
        out["status"].append(status)
        out["level"].append(level)
        out["level3"].append(pd.NA if l3 is None else l3)
        out["level3_source"].append(l3_source)
        out["groups"].append(", ".join(f"{g}:{';'.join(map(str, a))}"
                                       for g, a, _ in qualifying.get(org, [])))
        out["summary"].append(_summary(status, sentences, l3, l3_source))
        out["decision"].append("; ".join([head] + why))
        out["reasons"].append("; ".join([head + (": " + "; ".join(sentences) if sentences
                                                 else "")] + why))
    leas["met_criteria"] = leas["met_now"].astype(bool)
    leas["eligible"] = pd.array(out["eligible"], dtype="boolean")
    leas["status"] = out["status"]
    leas["level"] = pd.array(out["level"], dtype="Int64")
    leas["level3"] = pd.array(out["level3"], dtype="boolean")
    leas["level3_source"] = out["level3_source"]
    leas["groups"] = out["groups"]
    leas["summary"] = out["summary"]
    leas["decision"] = out["decision"]
    leas["reasons"] = out["reasons"]


def _and(items: list[int]) -> str:
    words = [str(i) for i in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _plain(evidence: str) -> str:
    """The evidence without priority labels and counts: 'ELA Red, chronic absenteeism Red'."""
    text = re.sub(r"priority \d+: ", "", evidence)
    text = re.sub(r" \(n=\d+\)", "", text)
    return text.replace("; ", ", ")


def _summary(status: str, sentences: list[str], level3: bool | None,
             source: str = "computed") -> str:
    if not status:
        return "Not determined from the loaded results."
    where = "" if source == "computed" else f", per {source}"
    head = (f"{LEVELS[3]} (level 3 referral criteria met{where}); differentiated "
            "assistance" if level3 else
            f"{LEVELS[2]} (second year)" if status.endswith("Year 2") else
            LEVELS[2] if status.startswith(DA) else LEVELS[1])
    return head + (": " + "; ".join(sentences) if sentences and status.startswith(DA) else "")


# --------------------------------------------------------------------------------------
# Level 3: the referral criteria of EC 52072(b)(1), over several years
# --------------------------------------------------------------------------------------


def group_years(lists: AssistanceLists) -> pd.DataFrame:
    """Per LEA, year and student group, whether the group met the criteria in two or more
    priority areas, as the published lists tell (a letter is two or more areas)."""
    g = lists.groups
    return pd.DataFrame({"org_id": g["org_id"], "year": g["year"].astype(int),
                         "student_group": g["student_group"], "met": True})


def level3_decision(window: tuple[int, ...], years_met: int, min_groups: int,
                    met: pd.DataFrame, statuses: pd.DataFrame,
                    n_groups: dict[str, int] | None = None,
                    orgs: list[str] | None = None) -> dict[str, bool | None]:
    """Whether each LEA meets the level 3 referral criteria, from partial history.

    `met`: rows (org_id, year, student_group) of groups known to have met the criteria in
    two or more areas; `statuses`: (org_id, year, status) for years whose group details may
    be missing. A year is known for an LEA when `met` covers it, or when the LEA was not in
    differentiated assistance that year (then no group met). The answer is True when enough
    groups are already known to have met the criteria in `years_met` years of `window`,
    False when not enough could even with every unknown year counted, else None. Groups
    needed: `min_groups`, or all of the LEA's groups when `n_groups` says it has fewer.
    `orgs`: only these LEAs (default: every LEA named in `met` or `statuses`).
    """
    window_set = set(window)
    met = met[met["year"].isin(window_set)][["org_id", "year", "student_group"]]
    st = statuses[statuses["year"].isin(window_set)]
    not_da = st[~st["status"].fillna("").str.startswith(DA)][["org_id", "year"]]
    if orgs is None:
        orgs = sorted(set(met["org_id"]) | set(st["org_id"]))
    else:
        met = met[met["org_id"].isin(orgs)]
        not_da = not_da[not_da["org_id"].isin(orgs)]
    known = pd.concat([met[["org_id", "year"]], not_da]).drop_duplicates()
    unknown = (len(window_set) - known.groupby("org_id").size()).reindex(
        orgs, fill_value=len(window_set))
    years_per_group = met.drop_duplicates().groupby(["org_id", "student_group"]).size()
    per_org = years_per_group.reset_index(name="years")
    per_org["unknown"] = per_org["org_id"].map(unknown).to_numpy()
    sure = (per_org["years"] >= years_met).groupby(per_org["org_id"]).sum().reindex(
        orgs, fill_value=0)
    reachable = ((per_org["years"] + per_org["unknown"]) >= years_met).groupby(
        per_org["org_id"]).sum().reindex(orgs, fill_value=0)
    need = pd.Series([min(min_groups, max(1, (n_groups or {}).get(o, min_groups)))
                      for o in orgs], index=orgs)
    # groups with no known year at all may still reach years_met through unknown years
    possible = reachable + np.where(unknown >= years_met, need, 0)
    out: dict[str, bool | None] = {}
    for org in orgs:
        out[org] = True if sure[org] >= need[org] else False if possible[org] < need[org] \
            else None
    return out


def _level3(leas: pd.DataFrame, groups: pd.DataFrame, rules: YearRules,
            lists: AssistanceLists) -> dict[str, bool | None]:
    if rules.level3 is None:
        return {}
    rule = rules.level3
    earlier = group_years(lists)
    earlier = earlier[earlier["year"] != rules.year]
    need = rules.min_priority_areas
    now = groups[groups["counts"] & (groups["state_areas"].map(len) >= need)]
    met = pd.concat([earlier, pd.DataFrame({
        "org_id": now["org_id"], "year": rules.year, "student_group": now["student_group"],
        "met": True})], ignore_index=True)
    hist = lists.history[lists.history["year"] != rules.year][["org_id", "year", "status"]]
    current = pd.DataFrame({"org_id": leas["org_id"], "year": rules.year,
                            "status": np.where(leas["met_now"], DA, GENERAL)})
    statuses = pd.concat([hist.astype({"year": int}), current], ignore_index=True)
    n_groups = groups[groups["counts"] & groups["has_results"]].groupby("org_id").size()
    decided = level3_decision(rule.window, rule.years_met, rule.min_groups, met, statuses,
                              n_groups.to_dict(), orgs=list(leas["org_id"]))
    return {org: decided.get(org) for org in leas["org_id"]}


# --------------------------------------------------------------------------------------
# The CSV of `workbook identify`, and the at-a-glance lines
# --------------------------------------------------------------------------------------


def output_table(ident: Identification) -> pd.DataFrame:
    """One row per LEA and student group that met the criteria in at least one priority
    area: cds, lea_name, student_group, priorities ("4;5"), da_eligible (the LEA's: Y, N,
    or ? when it cannot be decided from what is loaded) and reasons."""
    g = ident.groups[ident.groups["priorities"] != ""]
    leas = ident.leas.set_index("org_id")
    eligible = leas["eligible"].map({True: "Y", False: "N"}).fillna("?")
    rows = []
    for r in g.itertuples(index=False):
        reason = r.evidence
        local = leas.at[r.org_id, "local_priorities"]
        if local:
            reason = "; ".join(x for x in (reason, f"local indicators Not Met for two or "
                                           f"more years: priority {local.replace(';', ', ')}")
                               if x)
        if not r.counts:
            reason += ("; all students: shown for reference, not a student group the state "
                       "identifies on")
        rows.append({"cds": r.org_id, "lea_name": r.org_name, "student_group": r.student_group,
                     "priorities": r.priorities, "da_eligible": eligible[r.org_id],
                     "reasons": f"{group_name(r.student_group)}: {reason}. "
                                f"LEA: {leas.at[r.org_id, 'decision']}"})
    out = pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
    return out.sort_values(["cds", "student_group"]).reset_index(drop=True)


def published_status(lists: AssistanceLists, year: int) -> pd.DataFrame:
    """Per LEA, the state's published status for `year` (its own list, else a later list's
    history column), whether it was identified that year, the EC 52072 flag and the groups
    with their letters decoded ("SWD:4;5")."""
    h = lists.history[lists.history["year"] == year]
    own = lists.leas[lists.leas["year"] == year].set_index("org_id")
    out = h[["org_id", "org_name", "county", "status"]].copy()
    methods = own[["met_method1", "met_method2", "met_method3", "met_method4"]]
    known = methods.notna().any(axis=1)
    by_method = methods.fillna(False).any(axis=1)[known].to_dict()
    out["identified"] = [bool(by_method[o]) if o in by_method else _identified(s)
                         for o, s in zip(out["org_id"], out["status"], strict=True)]
    out["ec52072"] = out["org_id"].map(own["ec52072"]).astype("boolean")
    g = lists.groups[lists.groups["year"] == year].sort_values(["org_id", "student_group"])
    letters: dict[str, list[str]] = {}
    for o, s, p in zip(g["org_id"], g["student_group"], g["priorities"], strict=True):
        letters.setdefault(o, []).append(f"{s}:{p}")
    out["groups"] = [", ".join(letters.get(o, [])) for o in out["org_id"]]
    out["list"] = out["org_id"].isin(own.index)
    return out.reset_index(drop=True)


def _identified(status: str) -> bool:
    """Whether a list status means the LEA was found eligible that year (a second year of
    support is not a new finding)."""
    return status.startswith(DA) and not status.endswith("Year 2")


COMPARE_COLUMNS = ["org_id", "org_name", "lea_type", "computed_status", "computed_groups",
                   "computed_level3", "published_status", "published_groups",
                   "published_ec52072", "published", "agree", "differences"]


def compare(ident: Identification, lists: AssistanceLists) -> pd.DataFrame:
    """Computed and published, per LEA, side by side: status, the groups and their areas
    ("SWD:4;5"), the level 3 flag, whether they agree and, where not, what differs."""
    pub = published_status(lists, ident.year).set_index("org_id")
    rows = []
    for r in ident.leas.itertuples(index=False):
        has = r.org_id in pub.index and bool(pub.at[r.org_id, "status"])
        p_status = pub.at[r.org_id, "status"] if has else ""
        p_groups = pub.at[r.org_id, "groups"] if has else ""
        p_ec = pub.at[r.org_id, "ec52072"] if has else pd.NA
        diffs = []
        if has:
            if r.status != p_status:
                diffs.append(f"status: computed {r.status or 'not determined'}, published "
                             f"{p_status}")
            mine, theirs = _group_map(r.groups), _group_map(p_groups)
            for g in sorted(set(mine) | set(theirs)):
                if mine.get(g) != theirs.get(g):
                    diffs.append(f"{g}: computed {mine.get(g, 'none')}, published "
                                 f"{theirs.get(g, 'none')}")
            if r.level3_source == "computed" and not pd.isna(p_ec) \
                    and bool(p_ec) != bool(r.level3):
                diffs.append(f"level 3 referral criteria: computed {bool(r.level3)}, "
                             f"published {bool(p_ec)}")
        rows.append({"org_id": r.org_id, "org_name": r.org_name, "lea_type": r.lea_type,
                     "computed_status": r.status, "computed_groups": r.groups,
                     "computed_level3": r.level3, "published_status": p_status,
                     "published_groups": p_groups, "published_ec52072": p_ec,
                     "published": has, "agree": has and not diffs,
                     "differences": "; ".join(diffs)})
    out = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    out["computed_level3"] = out["computed_level3"].astype("boolean")
    out["published_ec52072"] = out["published_ec52072"].astype("boolean")
    return out


def _group_map(text: str) -> dict[str, str]:
    """'HOM:4;5, SWD:4;5' -> {'HOM': '4;5', 'SWD': '4;5'}."""
    return dict(item.strip().split(":", 1) for item in (text or "").split(",") if ":" in item)


# --------------------------------------------------------------------------------------
# History and the Appendix A tables
# --------------------------------------------------------------------------------------

HISTORY_COLUMNS = ["org_id", "org_name", "county", "year", "status", "identified",
                   "in_support", "change", "years_identified", "same_groups", "source"]


def history(lists: AssistanceLists, ident: Identification | None = None) -> pd.DataFrame:
    """Every LEA's status by Dashboard year from the state's lists (plus a computed year
    the lists do not have): identified that year, in support, new / continuing / exited
    against the previous Dashboard year, years identified so far, and whether a continuing
    LEA was identified for the same student groups and priority areas (<NA> where the
    groups of either year are unknown)."""
    h = lists.history[lists.history["status"] != ""][["org_id", "org_name", "county", "year",
                                                       "status"]].copy()
    h["source"] = "published"
    years_with_list = set(lists.years)
    pub_groups: dict[tuple[str, int], frozenset[tuple[str, str]]] = {}
    for o, y, g, p in zip(lists.groups["org_id"], lists.groups["year"],
                          lists.groups["student_group"], lists.groups["priorities"], strict=True):
        key = (o, int(y))
        pub_groups[key] = pub_groups.get(key, frozenset()) | {(g, p)}
    identified = []
    for year in sorted(h["year"].unique()):
        part = h[h["year"] == year]
        if int(year) in years_with_list:
            pub = published_status(lists, int(year)).set_index("org_id")["identified"]
            identified.append(part["org_id"].map(pub).fillna(False))
        else:
            identified.append(part["status"].map(_identified))
    h["identified"] = pd.concat(identified) if identified else pd.Series(dtype=bool)
    if ident is not None and ident.year not in set(h["year"].astype(int)):
        mine = ident.leas[ident.leas["status"] != ""]
        h = pd.concat([h, pd.DataFrame({
            "org_id": mine["org_id"], "org_name": mine["org_name"], "county": mine["county"],
            "year": ident.year, "status": mine["status"],
            "identified": mine["eligible"].fillna(False).astype(bool),
            "source": "computed"})], ignore_index=True)
        met = ident.groups[ident.groups["counts"] & (ident.groups["state_priorities"] != "")]
        for org, part in met.groupby("org_id"):
            pub_groups[(str(org), ident.year)] = frozenset(zip(
                part["student_group"], part["state_priorities"], strict=True))
    h["year"] = h["year"].astype(int)
    h["identified"] = h["identified"].astype(bool)
    h["in_support"] = h["status"].str.startswith(DA)
    h = h.sort_values(["org_id", "year"]).reset_index(drop=True)
    all_years = sorted(h["year"].unique())
    previous = dict(zip(all_years[1:], all_years[:-1], strict=True))
    identified_at = dict(zip(zip(h["org_id"], h["year"], strict=True), h["identified"],
                             strict=True))
    before = [identified_at.get((o, previous.get(y, -1)), False)
              for o, y in zip(h["org_id"], h["year"], strict=True)]
    h["change"] = np.select(
        [h["identified"] & ~np.array(before, bool), h["identified"] & np.array(before, bool),
         ~h["identified"] & np.array(before, bool)], ["new", "continuing", "exited"], "")
    h["years_identified"] = h.groupby("org_id")["identified"].cumsum().astype(int)
    same = []
    for o, y, c in zip(h["org_id"], h["year"], h["change"], strict=True):
        now, then = pub_groups.get((o, y)), pub_groups.get((o, previous.get(y, -1)))
        same.append(pd.NA if c != "continuing" or now is None or then is None else now == then)
    h["same_groups"] = pd.array(same, dtype="boolean")
    return h[HISTORY_COLUMNS]


def totals_by_year(hist: pd.DataFrame) -> pd.DataFrame:
    """Appendix A: per Dashboard year, the LEAs evaluated, identified, new, continuing (for
    the same or for other student groups and areas), exited, and in a second year of
    support without being identified again."""
    rows = []
    for year, p in hist.groupby("year", sort=True):
        same = p["same_groups"]
        rows.append({
            "year": int(year), "leas": len(p), "identified": int(p["identified"].sum()),
            "new": int((p["change"] == "new").sum()),
            "continuing": int((p["change"] == "continuing").sum()),
            "continuing_same_groups": int((same == True).fillna(False).sum()),  # noqa: E712
            "continuing_other_groups": int((same == False).fillna(False).sum()),  # noqa: E712
            "exited": int((p["change"] == "exited").sum()),
            "second_year": int((p["in_support"] & ~p["identified"]).sum())})
    columns = ["year", "leas", "identified", "new", "continuing", "continuing_same_groups",
               "continuing_other_groups", "exited", "second_year"]
    out = pd.DataFrame(rows, columns=columns)
    out = out.astype({c: "Int64" for c in columns if c != "year"})
    first = out["year"] == out["year"].min()
    out.loc[first, ["new", "continuing", "exited"]] = pd.NA  # nothing before to compare
    return out


def years_identified(hist: pd.DataFrame) -> pd.DataFrame:
    """Appendix A: the LEAs identified in each year by how many years they have been
    identified so far (rows 1, 2, ...; one column per year)."""
    part = hist[hist["identified"]]
    table = part.pivot_table(index="years_identified", columns="year", values="org_id",
                             aggfunc="count", fill_value=0)
    table.index.name = "years identified"
    return table.astype(int).reset_index().rename_axis(columns=None)


def exited(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    """Appendix A: the LEAs no longer identified in `year`."""
    return hist[(hist["year"] == year) & (hist["change"] == "exited")][
        ["org_id", "org_name", "county", "status"]].reset_index(drop=True)


def qualifying_groups(ident: Identification) -> pd.DataFrame:
    """The student groups (of those the state identifies on) that met the criteria in
    enough priority areas on state indicators: the groups the state's lists code."""
    g = ident.groups
    need = ident.rules.min_priority_areas
    keep = [bool(c) and bool(p) and str(p).count(";") + 1 >= need
            for c, p in zip(g["counts"], g["state_priorities"], strict=True)]
    return g[np.array(keep, dtype=bool)]


def group_area_counts(lists: AssistanceLists, ident: Identification | None = None
                      ) -> pd.DataFrame:
    """Appendix A: LEAs identified by student group and priority area, per year (the
    lists code areas, not indicators; a computed year adds its own groups)."""
    g = lists.groups[["org_id", "year", "student_group", "priorities"]].copy()
    if ident is not None and ident.year not in set(g["year"].astype(int)):
        mine = qualifying_groups(ident)
        g = pd.concat([g, pd.DataFrame({"org_id": mine["org_id"], "year": ident.year,
                                        "student_group": mine["student_group"],
                                        "priorities": mine["state_priorities"]})])
    g = g.assign(priority=g["priorities"].str.split(";")).explode("priority")
    table = g.pivot_table(index=["year", "student_group"], columns="priority",
                          values="org_id", aggfunc="nunique", fill_value=0)
    table.columns = [f"priority {c}" for c in table.columns]
    return table.reset_index()


def indicator_counts(ident: Identification) -> pd.DataFrame:
    """Appendix A for a computed year: LEAs by student group and the indicator behind the
    areas its groups met (counting groups that met two or more areas)."""
    g = qualifying_groups(ident)
    rows = [{"student_group": r.student_group, "indicator": indicator, "org_id": r.org_id}
            for r in g.itertuples(index=False) for indicator in r.indicators.split(";")
            if indicator]
    if not rows:
        return pd.DataFrame(columns=["student_group"])
    table = pd.DataFrame(rows).drop_duplicates().pivot_table(
        index="student_group", columns="indicator", values="org_id", aggfunc="nunique",
        fill_value=0)
    return table.reset_index().rename_axis(columns=None)


def by_county(hist: pd.DataFrame) -> pd.DataFrame:
    """Appendix A: LEAs identified per county office of education (county) and year."""
    part = hist[hist["identified"]]
    table = part.pivot_table(index="county", columns="year", values="org_id",
                             aggfunc="count", fill_value=0)
    return table.astype(int).reset_index().rename_axis(columns=None)


def essa_schools(lists: AssistanceLists, district_id: str) -> pd.DataFrame:
    """A district's schools on the latest ESSA list: designation (CSI, TSI, ATSI or none)
    and Title I. A charter school is its own LEA: its row is found by its own code."""
    e = lists.essa
    if e.empty:
        return e
    latest = e[e["year"] == e["year"].max()]
    mine = latest[(latest["district_id"] == district_id) & ~latest["charter"].fillna(False)
                  | (latest["org_id"] == district_id)]
    return mine.sort_values("org_name").reset_index(drop=True)


def _schools(n: int) -> str:
    return "its 1 school" if n == 1 else f"its {n} schools"


def glance(ident: Identification | None, lists: AssistanceLists, org_id: str
           ) -> list[tuple[str, str]]:
    """The at-a-glance lines for one LEA: the computed level of support with its reasons,
    the state's published status where a list for the year is loaded (and any
    disagreement), the ESSA designations of its schools and their Title I status."""
    rows: list[tuple[str, str]] = []
    lea = ident.lea(org_id) if ident is not None else None
    if ident is None:
        rows.append(("Level of support", "Not computed: no rules for this year."))
    elif lea is None:
        rows.append(("Level of support", f"Not computed: no {ident.year} Dashboard results "
                                         "for this LEA."))
    else:
        level = lea["level"]
        head = f"Level {int(level)} — " if not pd.isna(level) else ""
        rows.append(("Level of support (computed)", head + str(lea["summary"])))
        pub = compare(Identification(ident.rules, ident.groups, ident.leas[
            ident.leas["org_id"] == org_id]), lists)
        p = pub.iloc[0]
        if p["published"]:
            flag = p["published_ec52072"]
            ec = ("; meets the level 3 referral criteria (EC 52072)"
                  if not pd.isna(flag) and bool(flag) else "")
            rows.append((f"Published status (CDE list {ident.year})",
                         f"{p['published_status']}{ec}"))
            rows.append(("Computed and published", "Agree." if p["agree"] else
                         f"Differ — {p['differences']}."))
        else:
            rows.append((f"Published status (CDE list {ident.year})",
                         "No state list for this year and LEA is loaded."))
    schools = essa_schools(lists, org_id)
    if lists.essa.empty:
        rows.append(("ESSA designations", "No ESSA list is loaded."))
        return rows
    if schools.empty:
        rows.append(("ESSA designations", "None of this LEA's schools is on the loaded "
                                          "ESSA list."))
        return rows
    year = int(schools["status_year"].iloc[0])
    named = schools[~schools["status"].isin(["", "No Status"])]
    by_status = [f"{status}: {', '.join(part['org_name'])}"
                 for status, part in named.groupby("status", sort=True)]
    rows.append((f"ESSA designations ({year}–{str(year + 1)[2:]})",
                 "; ".join(by_status) if by_status else
                 f"None of {_schools(len(schools))} is designated CSI, TSI or ATSI."))
    title = schools[schools["title_i"].fillna(False)]
    label = str(schools["title_i_year"].iloc[0]).replace("-", "–")
    rows.append((f"Title I-funded schools ({label})",
                 f"{len(title)} of {_schools(len(schools))}" + (
                     f": {', '.join(title['org_name'])}" if len(title) else "")))
    return rows
