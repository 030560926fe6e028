"""Suggested priority areas: the district's lowest colors, widest gaps and most students
first. A suggestion for the team, which decides (Tool A's priority areas)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbook.needs.tables import change_text, format_status, indicator_name

#: Points per Dashboard color of the all-students (or headline) row, and per flagged group.
SEVERITY = {1: 4, 2: 3, 3: 1, 4: 0, 5: 0}


#: About one Dashboard status band: a gap this wide counts one point (before weighting by n).
GAP_UNIT: dict[str, float] = {"ELA": 25, "MATH": 25, "SCIENCE": 25, "ELA11": 25, "MATH11": 25,
                              "CHRO": 5, "SUSP": 2, "GRAD": 5, "CCI": 10, "ELPI": 10}


#: Groups smaller than this (the Dashboard's own threshold for a color) add no gap points.
MIN_N_FOR_GAPS = 30


def _weight(n: Any) -> float:
    return 0.0 if n is None or pd.isna(n) else float(n) / (float(n) + 100.0)


def suggest_priorities(snapshot: pd.DataFrame, gaps_frame: pd.DataFrame,
                       max_n: int = 4) -> pd.DataFrame:
    """Candidate priority areas (indicators), highest score first, with the numbers behind them.

    The score of an indicator adds up three things:

    1. the all-students color, twice: Red 4 points, Orange 3, Yellow 1, Green/Blue/none 0, so
       Red for everyone gives 8 (indicators reported for one group only, like ELPI, use it);
    2. each other student group in Red or Orange: 4 or 3 points times its weight
       n / (n + 100), so a group of 30 counts about a quarter and one of 900 nine tenths;
    3. each group of at least 30 students doing worse than all students: the gap in
       `GAP_UNIT`s (about one Dashboard status band: 25 points for ELA/math, 5 percentage
       points for chronic absenteeism or graduation, 2 for suspension; at most 3) times the
       same weight.

    Only indicators scoring above zero are kept, at most `max_n` (the guide recommends no
    more than four priorities). ``evidence`` cites the real figures: the headline row with
    its color and change, then the flagged groups and the widest gaps (with n). ``n`` is the
    headline row's number of students.
    """
    # a state without Dashboard colors (Oregon), or a district the state gave none: no color
    # columns or words, the gaps alone make the score
    colors = "color" in snapshot and bool(
        pd.to_numeric(snapshot["color"], errors="coerce").isin([1, 2, 3, 4, 5]).any())
    cols = ["rank", "indicator", "indicator_name", "score", "student_group", "status",
            *(["color_name"] if colors else []), "n",
            *(["flagged_groups"] if colors else []), "evidence"]
    rows = []
    # each group's gap by (indicator, group), and the snapshot's rows as plain values (as
    # `iterrows` gives them): a statewide run scores every LEA, and pandas' row objects
    # were most of the cost
    gap_of = dict(zip(zip(gaps_frame["indicator"], gaps_frame["student_group"], strict=True),
                      gaps_frame["gap_to_all"], strict=True)) if len(gaps_frame) else {}
    names = list(snapshot.columns)
    for indicator, part in snapshot.groupby("indicator", sort=False):
        groups = list(part["student_group"])
        head_group = "ALL" if "ALL" in groups else ("EL" if "EL" in groups else groups[0])
        head = part[part["student_group"] == head_group].iloc[0]
        score = 2.0 * SEVERITY.get(int(head["color"]), 0)
        cited = []
        for values in part.values:
            r = dict(zip(names, values, strict=True))
            if not isinstance(r["student_group"], str) or r["student_group"] == head_group:
                continue
            w = _weight(r["n"])
            pts = SEVERITY.get(int(r["color"]), 0) * w if r["color"] in (1, 2) else 0.0
            gap = gap_of.get((indicator, r["student_group"]), pd.NA)
            if pd.notna(gap) and gap < 0 and pd.notna(r["n"]) and r["n"] >= MIN_N_FOR_GAPS:
                pts += min(3.0, -float(gap) / GAP_UNIT.get(indicator, 10.0)) * w
            if pts > 0:
                cited.append((pts, r, gap))
            score += pts
        if score <= 0:
            continue
        cited.sort(key=lambda t: -t[0])
        short = indicator_name(indicator, short=True)
        status = format_status(indicator, head["status"])
        text = (f"{short}, {head['student_group_name']}: {status}"
                + (f" ({head['color_name']})" if colors else "")
                + f", {change_text(head['change'])}")
        if pd.notna(head["n"]):
            text += f", n={head['n']}"
        for _, r, gap in cited[:3]:
            bits = [r["color_name"]] if colors else []
            if pd.notna(gap) and gap < 0:
                bits.append(f"{abs(gap):.1f} worse than all students")
            bits.append(f"n={r['n']}")
            text += f"; {r['student_group_name']} {format_status(indicator, r['status'])} " \
                    f"({', '.join(bits)})"
        rows.append({"indicator": indicator, "indicator_name": indicator_name(indicator),
                     "score": round(float(score), 1), "student_group": head_group,
                     "status": head["status"], "color_name": head["color_name"],
                     "n": head["n"], "evidence": text,
                     "flagged_groups": int(part["color"].isin([1, 2]).sum())})
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows).sort_values(["score", "n"], ascending=[False, False],
                                         kind="stable").head(max_n)
    out["rank"] = range(1, len(out) + 1)
    out["n"] = out["n"].astype("Int64")
    out["status"] = out["status"].astype("Float64")
    return out[cols].reset_index(drop=True)
