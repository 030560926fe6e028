"""The monitoring app (stages 5-6) without a browser: supports, adjustments, semester milestone
reviews and annual results entered through its widgets, saved through the store as the
person using it, and seen in Tool A's year grid and workbook 04's tables."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import private_cache

from workbook import progress
from workbook.progress.model import Adjustment, MilestoneReview, Result, Support
from workbook.users.model import Access

DISTRICT = "27661590000000"  # Salinas Union High
D = dt.date


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "monitor-cache"):
        yield


@pytest.fixture(scope="module")
def outcomes(cache_dir):
    from workbook.run import context

    return context.region_outcomes("sample")


@pytest.fixture()
def store(tmp_path, outcomes):
    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    s = Store(f"sqlite:///{tmp_path / 'monitor.db'}")
    s.save_all(sample_plans.sample_plan(DISTRICT, outcomes).all(), user="loader")
    yield s
    s.engine.dispose()


def _open(store, query: str = "1-3", **kw):
    from workbook.apps.monitor import MonitorApp

    app = MonitorApp(store, {"district": DISTRICT, "quarter": query}, **kw)
    if not app.access.signed_in:
        app.user.text.value = "Ana"
    return app


def test_the_app_opens_on_four_tabs_with_what_the_sample_plan_holds(store):
    app = _open(store)
    assert app.url_query == f"district={DISTRICT}&quarter=1-3"
    assert [app.tabs.get_title(i) for i in range(4)] == [
        "Supports", "Adjustments", "Milestone reviews", "Annual results"]
    saved = {s.id for s in store.list(DISTRICT, kind="support")}
    assert {v for _l, v in app.supports.pick.options} == saved | {""}
    # the types offered are California's (its rules file), not Oregon's corrective action
    offered = [v for _l, v in app.supports.fields["support_type"].control.options if v]
    assert offered == list(progress.support_types("CA"))
    assert "corrective action" not in offered
    assert "technical assistance" in app.supports.listing.value
    assert "Figures as of 2025-04-30" in app.year.value
    assert "1st quarter" in app.year.value and "2nd semester" in app.year.value


def test_a_support_needs_evidence_for_its_score_and_is_saved_as_the_user(store):
    app = _open(store)
    tab = app.supports
    tab.fields["need"].value = "Help rebuilding the master schedule"
    tab.fields["support_type"].value = "technical assistance"
    tab.fields["provider"].value = "Monterey COE"
    tab.fields["requested"].value = D(2025, 1, 6)
    tab.fields["provided_on"].value = D(2025, 1, 3)
    tab.fields["effectiveness"].value = 3
    tab.save()
    assert "Nothing was saved" in app.messages.current
    assert "evidence" in tab.fields["evidence"].message
    assert "before it was requested" in tab.fields["provided_on"].message
    assert not [s for s in store.list(DISTRICT, kind="support") if s.need.startswith("Help")]
    tab.fields["provided_on"].value = D(2025, 2, 14)
    tab.fields["evidence"].value = "every school posted its intervention block"
    tab.save()
    assert "Saved the support" in app.messages.current
    [got] = [s for s in store.list(DISTRICT, kind="support") if s.need.startswith("Help")]
    assert isinstance(got, Support)
    assert (got.support_type, got.provider, got.provided, got.provided_on, got.effectiveness,
            got.updated_by) == ("technical assistance", "Monterey COE", True, D(2025, 2, 14),
                                3, "Ana")
    assert tab.pick.value == got.id  # the saved support stays open, with its history
    tab.history.toggle.value = True
    assert "Ana" in tab.history.table.value
    # changed and saved again: a new version of the same record
    tab.fields["how_used"].value = "two working sessions with principals"
    tab.save()
    assert store.get(got.id).version == 2
    assert "mostly effective" in app.supports.listing.value


def test_an_adjustment_says_why_and_who_was_told_and_reaches_the_quarterly_tables(store):
    app = _open(store)
    tab = app.adjustments
    tab.save()  # an empty form: every missing part named, nothing saved
    assert {"date", "change", "reason"} <= {n for n, f in tab.fields.items() if f.message}
    tab.fields["date"].value = D(2025, 2, 10)
    tab.fields["change"].value = "Tutoring moves to the school day"
    tab.fields["reason"].value = "After-school attendance was under a third"
    tab.fields["told"].value = "Board of education"
    tab.fields["told_on"].value = D(2025, 2, 1)
    tab.save()
    assert "before the change was made" in tab.fields["told_on"].message
    tab.fields["told_on"].value = D(2025, 2, 20)
    tab.save()
    assert "Saved the adjustment" in app.messages.current
    [got] = [a for a in store.list(DISTRICT, kind="adjustment")
             if a.change.startswith("Tutoring")]
    assert isinstance(got, Adjustment) and got.target == "" and got.updated_by == "Ana"
    doc = store.document(DISTRICT)
    q3 = progress.quarterly_tables(doc, D(2024, 8, 1), 3, 1)["adjustments"]
    row = q3[q3["adjustment_id"] == got.id].iloc[0]
    assert (row["adjusted"], row["told"], row["told_on"]) == (
        "the whole plan", "Board of education", D(2025, 2, 20))
    assert "Tutoring moves" in tab.listing.value


def test_a_semester_review_shows_in_the_year_grid(store):
    app = _open(store)
    tab = app.reviews
    milestone = [v for _l, v in tab.fields["milestone"].control.options if v][0]
    tab.fields["milestone"].value = milestone
    tab.fields["date"].value = D(2025, 3, 5)
    tab.fields["notes"].value = "Three of four schools run the block daily"
    tab.fields["reviewer"].value = "Leadership team"
    tab.save()
    assert "Saved the milestone review" in app.messages.current
    [got] = [r for r in store.list(DISTRICT, kind="milestone_review")
             if r.notes.startswith("Three of four")]
    assert isinstance(got, MilestoneReview) and got.semester is None and not got.complete
    assert "2025-03-05 not complete: Three of four schools" in app.year.value
    grid = progress.year_tables(store.document(DISTRICT), D(2024, 8, 1), 1)
    mine = grid["reviews"][grid["reviews"]["date"] == D(2025, 3, 5)]
    assert mine["semester"].tolist() == [2]  # placed by its date


def test_a_result_from_the_state_file_is_proposed_then_confirmed(store, outcomes):
    # a plan that started a year earlier: its year 1 ends in 2023-24, in the bundled file
    org = store.document(DISTRICT).organisation
    store.save(org.model_copy(update={"plan_start": D(2023, 8, 1)}), user="loader")
    app = _open(store, "1-4")
    tab = app.results
    doc = store.document(DISTRICT)
    proposals = progress.result_proposals(doc, outcomes, DISTRICT, D(2023, 8, 1), 1)
    first = proposals[proposals["value"].notna()].iloc[0]
    tab.pick.value = next(r.id for r in doc.of(Result) if r.measure == first["measure_id"])
    tab.fields["plan_year"].value = 1
    assert f"gives {first['value']:g}" in app.proposals.value
    assert not app.use_state.disabled
    app.take_proposal()
    assert tab.fields["value"].value == f"{first['value']:g}"
    tab.fields["explanation"].value = "Short of target: tutoring started in February"
    tab.save()
    assert "Saved the result" in app.messages.current
    saved = store.get(tab.pick.value)
    assert (saved.value, saved.source, saved.school_year, saved.updated_by) == (
        float(first["value"]), "state file", 2024, "Ana")
    assert saved.source_note.startswith("dashboard_2024_monterey.csv")
    # a number typed over the state's is a typed result
    tab.fields["value"].value = "1"
    tab.save()
    assert store.get(saved.id).source == "typed"
    # a second result for the same measure and year is refused, pointing to the first
    tab.pick.value = ""
    tab.fields["measure"].value = first["measure_id"]
    tab.fields["plan_year"].value = 1
    tab.fields["value"].value = "2"
    tab.save()
    assert "already has a result" in tab.fields["plan_year"].message


def test_a_measure_without_a_state_indicator_is_typed(store):
    app = _open(store)
    tab = app.results
    doc = store.document(DISTRICT)
    plain = next(m for m in doc.of_kind("measure") if not m.state_indicator)
    tab.fields["measure"].value = plain.id
    assert "names no state indicator" in app.proposals.value and app.use_state.disabled


def test_a_viewer_and_a_liaison_read_but_cannot_change(store):
    from workbook.apps.roles import OFF

    for role in ("viewer", "liaison"):
        app = _open(store, access=Access(f"Pat {role}", {DISTRICT: role}))
        assert "wb-readonly" in app.widget._dom_classes
        for tab in (app.supports, app.adjustments, app.reviews, app.results):
            assert tab.save_button.disabled and OFF in tab.save_button._dom_classes
            assert tab.fields["explanation" if tab is app.results else
                              next(iter(tab.fields))].control.disabled
        assert "technical assistance" in app.supports.listing.value  # reading is allowed
    team = _open(store, access=Access("Tia Team", {DISTRICT: "team"}))
    assert not team.supports.save_button.disabled


def test_postgresql_stores_and_reads_back_the_same(outcomes, tmp_path):
    """The same saves on PostgreSQL: new fields of old record kinds need no migration."""
    from freshdb import fresh_database

    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    got = {}
    for backend in ("sqlite", "postgres"):
        with fresh_database(backend, tmp_path) as url:
            store = Store(url)
            try:
                store.save_all(sample_plans.sample_plan(DISTRICT, outcomes).all(),
                               user="loader")
                app = _open(store)
                tab = app.adjustments
                tab.fields["date"].value = D(2025, 2, 10)
                tab.fields["change"].value = "Tutoring moves to the school day"
                tab.fields["reason"].value = "Attendance under a third"
                tab.fields["told"].value = "Board"
                tab.fields["told_on"].value = D(2025, 2, 12)
                tab.save()
                assert "Saved the adjustment" in app.messages.current
                doc = store.document(DISTRICT)
                q3 = progress.quarterly_tables(doc, D(2024, 8, 1), 3, 1)
                got[backend] = (q3["adjustments"].drop(columns="adjustment_id")
                                .to_dict("records"),
                                q3["supports"].drop(columns="support_id").to_dict("records"),
                                progress.year_tables(doc, D(2024, 8, 1), 1)["milestones"]
                                .to_dict("records"))
            finally:
                store.engine.dispose()
    assert got["sqlite"] == got["postgres"]
    assert any(a["told"] == "Board" for a in got["postgres"][0])
