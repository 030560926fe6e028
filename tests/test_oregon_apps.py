"""The apps speak the district's state: an Oregon district opened in the needs app is spoken
of in Oregon's words (ESD, partnership, growth targets, fewer than 10 students; results as
percentages, no Dashboard colors), a California one in California's; the read-only
workbook pages' summary line too. And picking a school in the needs app keeps the
indicator, group and year when the school has them, and says so when it cannot."""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import pytest
from conftest import private_cache

from workbook import states

OREGON, CORVALLIS = "oregon-lbl", "1901"
DISTRICT = "27661590000000"  # Salinas Union High
SCHOOL = "27661592730109"  # Alisal High, one of its schools


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "oregon-apps-cache"):
        yield


@pytest.fixture()
def store(tmp_path):
    from workbook.store import Store

    s = Store(f"sqlite:///{tmp_path / 'apps.db'}")
    yield s
    s.engine.dispose()


def page_text(root: widgets.Widget) -> str:
    """Every word the app's widget tree shows: HTML values (tags dropped), labels,
    descriptions and the options of pickers."""
    parts: list[str] = []

    def walk(w: widgets.Widget) -> None:
        for attr in ("value", "description", "placeholder", "tooltip"):
            v = getattr(w, attr, None)
            if isinstance(v, str):
                parts.append(html.unescape(re.sub(r"<[^>]+>", " ", v)))
        for label in getattr(w, "_options_labels", ()) or ():
            parts.append(str(label))
        for c in getattr(w, "children", ()) or ():
            walk(c)

    walk(root)
    return re.sub(r"\s+", " ", " ".join(parts))


def test_the_terms_lookup_is_one_folder_per_state():
    oregon, california = states.terms("OR"), states.terms("CA")
    assert oregon["regional_unit"] == "ESD" and oregon["colors"] is False
    assert california["regional_unit"] == "county office" and california["colors"] is True
    # a state without a folder is spoken of in California's words, never a crash
    assert states.terms("ZZ") == states.CA_TERMS
    from workbook.report import sections

    assert sections.terms("OR") is states.terms("OR")  # the reports ask the same lookup


def test_an_oregon_district_in_the_needs_app_speaks_oregon(store):
    from workbook.apps.needs import NeedsApp

    app = NeedsApp(store, {"region": OREGON, "district": CORVALLIS})
    assert app.district_id == CORVALLIS
    note = page_text(app.state_note)
    for words in ("Oregon Department of Education results", "partnership with the ESD",
                  "education service district", "Growth targets: met or not met",
                  "fewer than 10 students", "hidden here"):
        assert words in note, words
    text = page_text(app.widget)
    assert "Dashboard color" not in text and "Dashboard" not in note
    assert "differentiated assistance" not in text and "county office" not in text
    # the grid is Oregon's: results shaded by their gap to all students, no color legend
    assert "results 2022 by student group" in app.grid.svg
    assert "Dashboard" not in app.grid.svg and "Color" not in app.grid.svg
    assert "shaded by its gap to all students" in app.grid.widget.value


def test_a_california_district_in_the_needs_app_speaks_california(store):
    from workbook.apps.needs import NeedsApp

    app = NeedsApp(store, {"district": DISTRICT})
    note = page_text(app.state_note)
    for words in ("California School Dashboard (Dashboard colors)",
                  "differentiated assistance with the county office",
                  "fewer than 11 students"):
        assert words in note, words
    body = page_text(app.body)  # (the region picker names every region, Oregon's too)
    assert "ESD" not in body + note and "partnership" not in body + note
    assert "Growth targets" not in note
    assert "Dashboard" in app.grid.svg  # the state's own colors


def test_the_workbook_pages_summary_speaks_the_state(monkeypatch):
    from workbook.apps.workbooks import Page

    oregon = Page("01_needs_assessment", OREGON, CORVALLIS, "Corvallis SD 509J",
                  parameters={"year": 2022})
    line = oregon.summary("stakeholder")
    assert "Oregon Department of Education results 2021-22" in line
    assert "fewer than 10 students" in line and "Dashboard" not in line
    california = Page("01_needs_assessment", "sample", DISTRICT, "Salinas Union High",
                      parameters={"year": 2024})
    assert "California School Dashboard 2024" in california.summary("stakeholder")
    assert "fewer than 11 students" in california.summary("stakeholder")


# --------------------------------------------------------------------------- picking a school


def test_picking_a_school_keeps_what_it_has_and_says_what_it_cannot(store):
    from workbook.apps import needs
    from workbook.apps.needs import NeedsApp

    app = NeedsApp(store, {"district": DISTRICT})
    district_year = app.year
    have = needs.years("sample", SCHOOL)
    assert district_year == needs.years("sample", DISTRICT)[-1]
    # an indicator and group the school reports in the year it has
    school_snap, _gaps = needs.frames("sample", SCHOOL, have[-1])
    reported = school_snap[~school_snap["not_reported"].astype(bool)]
    indicator, group = next((i, g) for i, g in zip(reported["indicator"],
                                                   reported["student_group"], strict=True)
                            if g != "ALL" and i in {v for _, v in app.indicator.options})
    app.indicator.value, app.group.value = indicator, group
    app.school.value = SCHOOL
    assert (app.indicator.value, app.group.value) == (indicator, group)  # kept
    said = html.unescape(app.messages.current)
    if district_year in have:
        assert app.year == district_year and said == ""
    else:  # the school has no rows for the district's year: said, not silent
        assert app.year == have[-1]
        assert f"has no results for {district_year}; showing {have[-1]} instead" in said
    assert app.snapshot["year"].eq(app.year).all()
    # back to the district: its year again (the school's is there too), nothing switched
    app.school.value = ""
    assert app.year == (have[-1] if have[-1] in needs.years("sample", DISTRICT)
                        else district_year)
    assert app.indicator.value == indicator
    # an indicator the school does not report: the line says which and what is shown
    missing = next(i for _, i in app.indicator.options
                   if i not in set(reported["indicator"]))
    app.indicator.value = missing
    app.school.value = SCHOOL
    said = html.unescape(app.messages.current)
    assert app.indicator.value != missing
    assert "is not reported for Alisal High" in said and "showing" in said
