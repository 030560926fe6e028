"""Notebook 02, root cause analysis: the fishbone, 5 Whys chain, cause table and prioritisation.

Pure functions: tables from `workbook.rootcause` records, and charts from those tables (the
`cause_table` frame a workbook prints under the chart), with their data inlined; nothing is
displayed. Every cause given appears in every table and chart (long text is wrapped or
shortened on the chart; the tooltip has it in full).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable

import pandas as pd

from workbook import catalogue
from workbook.rootcause.model import FISHBONE_CATEGORIES, Cause, Symptom, Why, cause_flags

NO_PRACTICE = "not linked to a practice"


def wrap(text: str, width: int, max_lines: int = 1) -> str:
    """`text` wrapped to lines of at most `width` characters joined by newlines, at most
    `max_lines` of them; the last line is filled with what does not fit, cut and marked with an
    ellipsis."""
    width = max(4, int(width))
    flat = " ".join(str(text).split())
    lines = textwrap.wrap(flat, width=width, break_long_words=True,
                          break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1:])
        lines = lines[:max_lines - 1] + [rest[:width - 1].rstrip() + "…"]
    return "\n".join(lines)


def _practice_name(code: str | None) -> str | None:
    return catalogue.practice(code).name if code else None


def actionable_text(value: bool | None) -> str:
    return "not judged" if value is None else ("yes" if value else "no")


def plain_value(value: object) -> object:
    """A cell of a `cause_table` frame as the plain value its record held (NA -> None)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


# --------------------------------------------------------------------------- tables


def why_chain(symptom: Symptom, whys: Iterable[Why]) -> pd.DataFrame:
    """The 5 Whys chain for one symptom, in step order.

    Only whys linked to `symptom` (``why.symptom == symptom.id``) are kept. ``asks`` is what
    the step answers: the symptom for step 1, the previous answer after that. ``note`` points
    out an answer without evidence and a skipped or repeated step.
    """
    cols = ["step", "asks", "why", "evidence", "has_evidence", "note"]
    chain = sorted((w for w in whys if w.symptom == symptom.id), key=lambda w: w.step)
    rows, previous, last_step = [], symptom.statement, 0
    for w in chain:
        notes = []
        if not w.evidence.strip():
            notes.append("no evidence")
        if w.step == last_step:
            notes.append(f"second answer for step {w.step}")
        elif w.step > last_step + 1:
            missing = ", ".join(str(s) for s in range(last_step + 1, w.step))
            notes.append(f"step {missing} missing")
        rows.append({"step": w.step, "asks": previous, "why": w.text, "evidence": w.evidence,
                     "has_evidence": bool(w.evidence.strip()), "note": "; ".join(notes)})
        previous, last_step = w.text, w.step
    out = pd.DataFrame(rows, columns=cols)
    out["step"] = out["step"].astype("Int64")
    out["has_evidence"] = out["has_evidence"].astype(bool)
    return out


def cause_table(causes: Iterable[Cause]) -> pd.DataFrame:
    """One row per cause, in the order given, with its practice named from the catalogue.

    ``flags`` joins `workbook.rootcause.cause_flags` with "; " (why the cause may be a symptom
    rather than a root cause); ``is_root`` is True when there are none. ``actionable`` is
    True/False or empty (not judged yet); ``impact`` the team's 1-5 rating or empty.
    """
    cols = ["id", "cause", "category", "evidence", "actionable", "impact", "prioritised",
            "practice", "practice_name", "flags", "is_root"]
    rows = []
    for c in causes:
        flags = cause_flags(c)
        rows.append({"id": c.id, "cause": c.text, "category": c.category,
                     "evidence": c.evidence, "actionable": c.actionable, "impact": c.impact,
                     "prioritised": c.prioritised, "practice": c.practice,
                     "practice_name": _practice_name(c.practice), "flags": "; ".join(flags),
                     "is_root": not flags})
    out = pd.DataFrame(rows, columns=cols)
    out["actionable"] = out["actionable"].astype("boolean")
    out["impact"] = out["impact"].astype("Int64")
    out["prioritised"] = out["prioritised"].astype(bool)
    out["is_root"] = out["is_root"].astype(bool)
    for col in ("practice", "practice_name"):
        out[col] = out[col].astype("string")
    return out


def recurring_causes(causes_by_district: dict[str, list[Cause]]) -> pd.DataFrame:
    """Causes counted by practice and fishbone category across districts (for a liaison).

    One row per practice x category that any district named: ``districts`` how many districts
    (and ``district_ids`` which), ``share_of_districts`` out of all districts given,
    ``causes`` how many causes in all, ``examples`` up to three cause texts. Causes linked to
    no practice are counted under an empty practice, named "not linked to a practice". Most
    widespread first.
    """
    cols = ["practice", "practice_name", "category", "districts", "share_of_districts",
            "causes", "district_ids", "examples"]
    rows = [{"district": d, "practice": c.practice or "", "category": c.category,
             "text": c.text} for d, cs in causes_by_district.items() for c in cs]
    if not rows:
        return pd.DataFrame(columns=cols)
    f = pd.DataFrame(rows)
    total = max(1, len(causes_by_district))
    out = []
    for (practice, category), g in f.groupby(["practice", "category"], sort=False):
        districts = sorted(set(g["district"]))
        out.append({"practice": practice or None,
                    "practice_name": _practice_name(practice) if practice else NO_PRACTICE,
                    "category": category, "districts": len(districts),
                    "share_of_districts": round(len(districts) / total, 2), "causes": len(g),
                    "district_ids": ", ".join(districts),
                    "examples": " | ".join(list(dict.fromkeys(g["text"]))[:3])})
    res = pd.DataFrame(out)
    res["_p"] = res["practice"].fillna("~")
    res["_c"] = res["category"].map(FISHBONE_CATEGORIES.index)
    res = res.sort_values(["districts", "causes", "_p", "_c"],
                          ascending=[False, False, True, True], kind="stable")
    res["practice"] = res["practice"].astype("string")
    return res[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- fishbone


# --------------------------------------------------------------------------- prioritisation


