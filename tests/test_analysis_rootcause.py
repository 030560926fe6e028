"""Notebook 02's fishbone, 5 Whys chain, cause table and prioritisation chart."""

from __future__ import annotations

import pandas as pd
import pytest

from workbook import rootcause as R
from workbook.rootcause.model import FISHBONE_CATEGORIES, Cause, Symptom, Why

ORG = "27661590000000"
STATEMENT = "Students with disabilities: 23.4% chronically absent (all students 13.7%)"
LONG = ("Case managers carry more than forty students each and cannot follow up on absences "
        "within a week of them happening, so patterns of missed school go unnoticed for months")


@pytest.fixture()
def symptom() -> Symptom:
    return Symptom(org_id=ORG, statement=STATEMENT)


def cause(symptom: Symptom, text: str, category: str = "systems and processes", **kw) -> Cause:
    return Cause(org_id=ORG, symptom=symptom.id, text=text, category=category, **kw)


@pytest.fixture()
def causes(symptom) -> list[Cause]:
    return [
        cause(symptom, "Therapy appointments are scheduled during class", "students",
              evidence="IEP service logs", actionable=True, practice="3c", impact=4),
        cause(symptom, LONG, "staff", evidence="caseload report", actionable=True,
              practice="2c", impact=5, prioritised=True),
        cause(symptom, "No early-warning report of absences", evidence="SIS has none",
              actionable=True, practice="1b"),
        cause(symptom, "Attendance letters are generic", actionable=None, impact=2),
        cause(symptom, "Parents don't care", "family and community", evidence="staff survey",
              actionable=False, impact=3),
        cause(symptom, "Not enough money for attendance clerks", "resources",
              evidence="budget", actionable=True, impact=1),
    ]


def layer(spec: dict, name: str) -> dict:
    found = [lay for lay in spec["layer"] if lay.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def values(spec: dict, name: str) -> list[dict]:
    lay = layer(spec, name)
    return (lay.get("data") or spec["data"])["values"]


# --------------------------------------------------------------------------- fishbone


def test_fishbone_draws_spine_head_and_one_label_per_cause(symptom, causes):
    spec = R.fishbone_chart(symptom, R.cause_table(causes)).to_dict()
    assert [lay["name"] for lay in spec["layer"]] == [
        "bones", "head_box", "head", "categories", "cause_points", "causes"]
    head = values(spec, "head")
    assert len(head) == 1 and head[0]["statement"] == STATEMENT
    assert head[0]["text"].replace("\n", " ") == STATEMENT
    lines = values(spec, "bones")
    spine = [v for v in lines if v["what"] == "spine"]
    assert len(spine) == 1 and spine[0]["y"] == spine[0]["y2"] == 0
    assert spine[0]["x2"] <= head[0]["x"]  # the spine runs into the head
    bones = [v for v in lines if v["what"] == "bone"]
    assert len(bones) == len(FISHBONE_CATEGORIES)  # every category, even empty ones
    assert all(b["y2"] == 0 for b in bones)  # each bone meets the spine
    assert [b["y"] > 0 for b in bones] == [True, False] * 3 + [True]  # above, below, ...
    labels = values(spec, "causes")
    assert len(labels) == len(causes) == len(values(spec, "cause_points"))
    assert [v["cause"] for v in labels] == [c.text for c in causes if c.category == "students"] \
        + [c.text for c in causes if c.category == "staff"] \
        + [c.text for c in causes if c.category == "systems and processes"] \
        + [c.text for c in causes if c.category == "family and community"] \
        + [c.text for c in causes if c.category == "resources"]
    tips = {t["field"] for t in layer(spec, "causes")["encoding"]["tooltip"]}
    assert {"cause", "evidence", "actionable", "practice"} <= tips
    first = labels[0]
    assert first["practice"] == "3c Remove barriers and provide opportunities"
    assert first["actionable"] == "yes" and first["evidence"] == "IEP service logs"
    cats = {v["category"]: v["causes"] for v in values(spec, "categories")}
    assert cats == {"students": 1, "staff": 1, "curriculum and instruction": 0,
                    "leadership": 0, "systems and processes": 2, "family and community": 1,
                    "resources": 1}
    assert spec["title"]["text"] and 500 <= spec["width"] <= 700 + 100


def test_fishbone_causes_sit_on_their_bone(symptom, causes):
    spec = R.fishbone_chart(symptom, R.cause_table(causes)).to_dict()
    bones = {v["label"].split(":")[0]: v for v in values(spec, "bones") if v["what"] == "bone"}
    for v in values(spec, "causes"):
        b = bones[v["category"]]
        t = (v["y"] - b["y"]) / (b["y2"] - b["y"])
        assert 0 < t < 1
        assert v["x"] == pytest.approx(b["x"] + t * (b["x2"] - b["x"]))


def test_fishbone_shortens_long_text_but_keeps_it_in_the_tooltip(symptom, causes):
    spec = R.fishbone_chart(symptom, R.cause_table(causes)).to_dict()
    long = next(v for v in values(spec, "causes") if v["cause"] == LONG)
    assert long["text"].endswith("…") and long["text"] != LONG
    assert 1 < len(long["text"].split("\n")) <= 3
    assert max(len(line) for line in long["text"].split("\n")) <= 30
    long_symptom = Symptom(org_id=ORG, statement=LONG * 2)
    spec = R.fishbone_chart(long_symptom, R.cause_table([])).to_dict()
    head = values(spec, "head")[0]
    assert head["statement"] == LONG * 2 and head["text"].endswith("…")
    assert len(head["text"].split("\n")) <= 9


def test_fishbone_with_no_causes_and_with_a_crowded_bone(symptom):
    empty = R.fishbone_chart(symptom, R.cause_table([])).to_dict()
    assert values(empty, "causes") == [] and "No causes recorded yet" in empty["title"][
        "subtitle"][0]
    crowded = [cause(symptom, f"Reason {i}: {LONG}", "leadership") for i in range(15)]
    spec = R.fishbone_chart(symptom, R.cause_table(crowded)).to_dict()
    labels = values(spec, "causes")
    assert len(labels) == 15 and all("\n" not in v["text"] for v in labels)
    assert all(v["font"] < 10 for v in labels)  # smaller type on a crowded bone
    ys = sorted(v["y"] for v in labels)
    assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) > 9


def test_fishbone_is_drawn_from_the_cause_table_it_is_given(symptom, causes):
    table = R.cause_table(causes)
    spec = R.fishbone_chart(STATEMENT, table).to_dict()  # the statement will do
    assert spec == R.fishbone_chart(symptom, table).to_dict()
    assert [v["cause"] for v in values(spec, "causes")] == [
        c for cat in FISHBONE_CATEGORIES for c, k in zip(table["cause"], table["category"],
                                                          strict=True) if k == cat]
    fewer = R.fishbone_chart(symptom, table.iloc[:2]).to_dict()  # the frame, not the records
    assert [v["cause"] for v in values(fewer, "causes")] == [c.text for c in causes[:2]]
    edited = table.assign(evidence="", actionable=pd.array([None] * len(table),
                                                           dtype="boolean"))
    labels = values(R.fishbone_chart(symptom, edited).to_dict(), "causes")
    assert {(v["evidence"], v["actionable"]) for v in labels} == {("none recorded",
                                                                   "not judged")}


def test_flagged_causes_are_marked_grey(symptom, causes):
    spec = R.fishbone_chart(symptom, R.cause_table(causes)).to_dict()
    by_text = {v["cause"]: v for v in values(spec, "causes")}
    assert not by_text["Parents don't care"]["is_root"]
    assert "blame" in by_text["Parents don't care"]["flags"]
    assert by_text["Therapy appointments are scheduled during class"]["is_root"]
    color = layer(spec, "causes")["encoding"]["color"]
    assert color["condition"]["test"] == "datum.is_root"


# --------------------------------------------------------------------------- tables


def test_why_chain_is_ordered_and_only_this_symptoms(symptom):
    whys = [
        Why(org_id=ORG, symptom=symptom.id, step=2, text="No one reviews absences weekly",
            evidence="meeting agendas"),
        Why(org_id=ORG, symptom=symptom.id, step=1, text="Absences are noticed late"),
        Why(org_id=ORG, symptom=symptom.id, step=4, text="No attendance role is defined",
            evidence="job descriptions"),
        Why(org_id=ORG, symptom="another", step=1, text="Something else"),
    ]
    chain = R.why_chain(symptom, whys)
    assert list(chain["step"]) == [1, 2, 4]
    assert list(chain["why"]) == ["Absences are noticed late", "No one reviews absences weekly",
                                  "No attendance role is defined"]
    assert list(chain["asks"]) == [STATEMENT, "Absences are noticed late",
                                   "No one reviews absences weekly"]
    assert list(chain["evidence"]) == ["", "meeting agendas", "job descriptions"]
    assert list(chain["note"]) == ["no evidence", "", "step 3 missing"]
    assert R.why_chain(symptom, []).columns.tolist()[:3] == ["step", "asks", "why"]


def test_cause_table(causes):
    t = R.cause_table(causes)
    assert list(t["cause"]) == [c.text for c in causes]
    first = t.iloc[0]
    assert (first["practice"], first["practice_name"]) == (
        "3c", "Remove barriers and provide opportunities")
    assert first["is_root"] and first["flags"] == ""
    letters = t.iloc[3]
    assert letters["flags"] == "no evidence" and not letters["is_root"]
    assert pd.isna(letters["actionable"]) and pd.isna(letters["practice_name"])
    parents = t.iloc[4]
    assert parents["flags"] == ("not actionable; stops at money, time or blame: ask why once "
                                "more")
    assert t["is_root"].tolist() == [True, True, True, False, False, False]
    assert t["impact"].tolist()[:2] == [4, 5] and pd.isna(t["impact"].iloc[2])
    assert R.cause_table([]).empty


def test_recurring_causes_across_districts(symptom, causes):
    other = Symptom(org_id="27660350000000", statement="ELA red")
    by_district = {
        ORG: causes,
        "27660350000000": [
            Cause(org_id="27660350000000", symptom=other.id, text="Therapy pull-outs",
                  category="students", practice="3c"),
            Cause(org_id="27660350000000", symptom=other.id, text="No absence report",
                  practice="1b"),
            Cause(org_id="27660350000000", symptom=other.id, text="Another absence gap",
                  practice="1b")],
        "27660760000000": [],
    }
    r = R.recurring_causes(by_district)
    top = r.iloc[0]
    assert (top["practice"], top["category"], top["districts"], top["causes"]) == (
        "1b", "systems and processes", 2, 3)
    assert top["practice_name"] == "Monitor short-and long-term goals"
    assert top["district_ids"] == "27660350000000, 27661590000000"
    assert top["share_of_districts"] == 0.67
    students = r[(r["practice"] == "3c") & (r["category"] == "students")].iloc[0]
    assert students["districts"] == 2 and "Therapy pull-outs" in students["examples"]
    unlinked = r[r["practice"].isna()].iloc[0]
    assert unlinked["practice_name"] == "not linked to a practice" and unlinked["causes"] == 1
    assert r["causes"].sum() == 9
    assert R.recurring_causes({}).empty


# --------------------------------------------------------------------------- prioritisation


def test_prioritisation_chart_places_every_cause(causes):
    spec = R.prioritisation_chart(R.cause_table(causes)).to_dict()
    pts = values(spec, "points")
    assert len(pts) == len(causes)
    by_text = {v["cause"]: v for v in pts}
    unrated = by_text["No early-warning report of absences"]
    assert unrated["impact"] == "not rated" and -0.5 < unrated["y"] < 0.5  # shown, not dropped
    parents = by_text["Parents don't care"]
    assert parents["x"] < 0.5 and 2.5 < parents["y"] < 3.5  # not actionable, impact 3
    letters = by_text["Attendance letters are generic"]
    assert 0.5 < letters["x"] < 1.5 and letters["actionable"] == "not judged"
    staff = by_text[LONG]
    assert staff["x"] > 1.5 and 4.5 < staff["y"] < 5.5 and staff["label"].endswith("…")
    enc = layer(spec, "points")["encoding"]
    assert "not rated" in enc["y"]["axis"]["labelExpr"]
    assert "not actionable" in enc["x"]["axis"]["labelExpr"]
    assert {t["field"] for t in enc["tooltip"]} >= {"cause", "evidence", "actionable",
                                                     "practice", "impact"}
    assert len(values(spec, "labels")) == len(causes)
    assert spec["title"]["text"]


def test_prioritisation_chart_spreads_causes_sharing_a_cell(symptom):
    same = [cause(symptom, f"Cause {i}", actionable=True, impact=4) for i in range(5)]
    pts = values(R.prioritisation_chart(R.cause_table(same)).to_dict(), "points")
    assert len({(v["x"], v["y"]) for v in pts}) == 5
    assert all(3.5 < v["y"] < 4.5 for v in pts)
    empty = R.prioritisation_chart(R.cause_table([])).to_dict()
    assert empty["data"]["values"][0]["message"] == "No causes recorded yet."


def test_prioritisation_chart_is_drawn_from_the_cause_table_it_is_given(causes):
    table = R.cause_table(causes)
    rated = table[table["impact"].notna()]
    pts = values(R.prioritisation_chart(rated).to_dict(), "points")
    assert len(pts) == len(rated) < len(causes)
    assert sorted(v["cause"] for v in pts) == sorted(rated["cause"])
    assert all(v["impact"] != "not rated" for v in pts)


def test_wrap():
    assert R.wrap("short", 10) == "short"
    assert R.wrap("one two three four", 9, 2) == "one two\nthree fo…"  # 9 with the ellipsis
    assert R.wrap("  spaced   out  ", 20) == "spaced out"
    assert R.wrap("", 10) == ""
