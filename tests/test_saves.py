"""Saves people can trust: one status update per action per month (a constraint in the
store, the same on SQLite and PostgreSQL), two people's edits merged field by field, a
date outside the month refused, and numbers read by the locale's rules with ambiguity
refused ("4,5: did you mean 4.5?", never 45).

The apps are driven from Python as in tests/test_apps.py; the browser versions of the same
stories are in tests/test_apps_browser.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import private_cache
from freshdb import fresh_database, upgrade_to
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook.apps.forms import FieldProblem, NumberHint, merge, parse_number
from workbook.direction.model import Goal
from workbook.progress.model import StatusUpdate
from workbook.store import RECORDS, ConflictError, Store, unique_key
from workbook.store.history import HISTORY

BACKENDS = ["sqlite", "postgres"]
DISTRICT = "27661590000000"  # Salinas Union High: a rich sample plan


@pytest.fixture(params=BACKENDS)
def url(request, tmp_path):
    with fresh_database(request.param, tmp_path) as u:
        yield u


def _update(action: str, day: dt.date, status: str = "on track", **more) -> StatusUpdate:
    return StatusUpdate(org_id="d1", action=action, date=day, status=status, **more)


# --------------------------------------------------------------------------- the store


def test_one_status_update_per_action_per_month(url):
    store = Store(url)
    try:
        ana = store.save(_update("a1", dt.date(2025, 6, 3)), user="Ana")
        with pytest.raises(ConflictError) as caught:
            store.save(_update("a1", dt.date(2025, 6, 20), "behind", cause="late"), user="Ben")
        err = caught.value
        assert err.key == "status:a1:2025-06" and err.theirs is not None
        assert err.theirs.id == ana.id and err.theirs.updated_by == "Ana"
        assert "Ana already saved" in str(err) and "nothing was saved" in str(err)
        june = [u for u in store.list("d1", kind="status") if u.date.month == 6]
        assert [(u.status, u.updated_by) for u in june] == [("on track", "Ana")]
        # another month, another action: both fine
        july = store.save(_update("a1", dt.date(2025, 7, 1)), user="Ben")
        store.save(_update("a2", dt.date(2025, 6, 20)), user="Ben")
        # moving July's update into June is the same clash, and moves nothing
        with pytest.raises(ConflictError) as moved:
            store.save(july.model_copy(update={"date": dt.date(2025, 6, 30)}), user="Ben")
        assert moved.value.key == "status:a1:2025-06" and moved.value.theirs.id == ana.id
        assert store.get(july.id).date == dt.date(2025, 7, 1)
        # the history keeps the key as saved; a deleted update frees its month
        with store.engine.connect() as conn:
            keys = conn.execute(sa.select(HISTORY.c.unique_key)
                                .where(HISTORY.c.record_id == ana.id)).scalars().all()
        assert keys == ["status:a1:2025-06"]
        store.delete(store.get(ana.id), user="Ana")
        again = store.save(_update("a1", dt.date(2025, 6, 9), "behind", cause="x"), user="Ben")
        assert store.get(again.id).status == "behind"
        # records of other kinds have no key and never clash
        store.save(Goal(org_id="d1", title="Same"), user="Ana")
        store.save(Goal(org_id="d1", title="Same"), user="Ana")
        assert unique_key(Goal(org_id="d1", title="Same")) is None
    finally:
        store.engine.dispose()


def test_two_updates_of_one_month_saved_together_are_refused_whole(url):
    store = Store(url)
    try:
        with pytest.raises(ConflictError, match="same place"):
            store.save_all([_update("a1", dt.date(2025, 6, 1)),
                            _update("a1", dt.date(2025, 6, 2))], user="Ana")
        assert store.list("d1") == []
    finally:
        store.engine.dispose()


def test_migration_keeps_both_old_duplicates_and_keys_the_newest(url):
    """A store from before 0004 may hold two June updates of one action: both stay, the
    newest gets the month's key, and a third is then refused."""
    upgrade_to(url, "0003")
    old = sa.table("records", sa.column("id", sa.String), sa.column("kind", sa.String),
                   sa.column("org_id", sa.String), sa.column("data", sa.JSON),
                   sa.column("version", sa.Integer),
                   sa.column("created_at", sa.DateTime(timezone=True)),
                   sa.column("updated_at", sa.DateTime(timezone=True)),
                   sa.column("updated_by", sa.String))
    at = dt.datetime(2025, 6, 5, tzinfo=dt.UTC)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for i, (status, who) in enumerate((("on track", "Ana"), ("behind", "Ben"))):
            conn.execute(old.insert().values(
                id=f"s{i}", kind="status", org_id="d1", version=1,
                data={"action": "a1", "date": f"2025-06-0{i + 1}", "status": status,
                      "output_delivered": False, "budget_used": 0, "cause": "",
                      "adjustment": ""},
                created_at=at, updated_at=at + dt.timedelta(hours=i), updated_by=who))
    engine.dispose()
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            keys = dict(conn.execute(sa.select(RECORDS.c.id, RECORDS.c.unique_key)).all())
        assert keys == {"s0": None, "s1": "status:a1:2025-06"}
        assert {u.status for u in store.list("d1", kind="status")} == {"on track", "behind"}
        with pytest.raises(ConflictError) as caught:
            store.save(_update("a1", dt.date(2025, 6, 9)), user="Cy")
        assert caught.value.theirs.id == "s1"
    finally:
        store.engine.dispose()


# --------------------------------------------------------------------------- merging

FIELDS = ("title", "explanation")


@settings(max_examples=200, deadline=None)
@given(st.tuples(*[st.sampled_from(["a", "b", "c"]) for _ in range(6)]))
def test_merge_keeps_each_persons_fields_and_asks_only_about_both(values):
    base = Goal(org_id="d", title=values[0], explanation=values[1])
    mine = base.model_copy(update={"title": values[2], "explanation": values[3]})
    theirs = base.model_copy(update={"title": values[4], "explanation": values[5]})
    m = merge(mine, theirs, base)
    for f in FIELDS:
        o, a, b = getattr(base, f), getattr(mine, f), getattr(theirs, f)
        expect = ("same" if a == b else "theirs" if a == o else "mine" if b == o else "both")
        got = ("theirs" if f in m.only_theirs else "mine" if f in m.only_mine
               else "both" if f in m.both else "same")
        assert got == expect, (f, o, a, b)
    # "mine over theirs": my value wherever I changed it, theirs wherever only they did
    written = mine.model_copy(update=m.taken(mine_wins=m.both))
    for f in FIELDS:
        o, a, b = getattr(base, f), getattr(mine, f), getattr(theirs, f)
        assert getattr(written, f) == (a if a != o else b)


def test_merge_without_a_base_asks_about_every_difference():
    mine = Goal(org_id="d", title="A", explanation="same")
    theirs = Goal(org_id="d", title="B", explanation="same")
    m = merge(mine, theirs, None)
    assert m.both == ["title"] and not m.only_mine and not m.only_theirs


# --------------------------------------------------------------------------- the apps


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "saves-cache"):
        yield


@pytest.fixture()
def plan_store(tmp_path):
    from workbook.run import context
    from workbook.samples import plans as sample_plans

    s = Store(f"sqlite:///{tmp_path / 'saves.db'}")
    s.save_all(sample_plans.sample_plan(DISTRICT, context.region_outcomes("sample")).all(),
               user="loader")
    yield s
    s.engine.dispose()


def _named(app, name):
    app.user.text.value = name
    return app


def _button(app, cls):
    return next(b for b in app.messages.actions.children if cls in b._dom_classes)


def test_different_fields_are_merged_without_asking(plan_store):
    from workbook.apps.plan import PlanApp

    ana = _named(PlanApp(plan_store, {"district": DISTRICT}), "Ana")
    ben = _named(PlanApp(plan_store, {"district": DISTRICT}), "Ben")
    goal_id = ana.goal.record.id
    assert ben.goal.record.id == goal_id
    ana.goal.controls["title"].fields[""].value = "Ana's title"
    ana.goal.save()
    ben.goal.controls["explanation"].fields[""].value = "Ben's reason"
    ben.goal.save()
    stored = plan_store.get(goal_id)
    assert (stored.title, stored.explanation, stored.updated_by) == (
        "Ana's title", "Ben's reason", "Ben")
    shown = ben.messages.current
    assert "Saved the goal" in shown and "Ana had changed title meanwhile" in shown
    # the result is next to Ben's Save button, not at the top of the page
    assert ben.messages.widget in ben.goal.saver.slot.children
    assert ben.messages.widget not in ben.messages.home.children
    assert ben.goal.controls["title"].fields[""].value == "Ana's title"  # form reloaded


def test_save_mine_over_theirs_never_reverts_their_other_fields(plan_store):
    from workbook.apps.plan import PlanApp

    ana = _named(PlanApp(plan_store, {"district": DISTRICT}), "Ana")
    ben = _named(PlanApp(plan_store, {"district": DISTRICT}), "Ben")
    goal_id = ana.goal.record.id
    ana.goal.controls["title"].fields[""].value = "Ana's title"
    ana.goal.controls["explanation"].fields[""].value = "Ana's reason"
    ana.goal.save()
    ben.goal.controls["title"].fields[""].value = "Ben's title"
    ben.goal.save()
    shown = ben.messages.current
    assert "changed by <b>Ana</b>" in shown and "Ben&#x27;s title" in shown
    assert "Ana&#x27;s reason" in shown and "kept without asking" in shown
    assert ben.goal.saver.last_merge.both == ["title"]
    assert ben.goal.saver.last_merge.only_theirs == ["explanation"]
    assert plan_store.get(goal_id).title == "Ana's title"  # nothing saved yet
    _button(ben, "wb-save-mine").click()
    stored = plan_store.get(goal_id)
    assert (stored.title, stored.explanation, stored.updated_by) == (
        "Ben's title", "Ana's reason", "Ben")


def test_choosing_theirs_for_one_field_keeps_it(plan_store):
    from workbook.apps.plan import PlanApp

    ana = _named(PlanApp(plan_store, {"district": DISTRICT}), "Ana")
    ben = _named(PlanApp(plan_store, {"district": DISTRICT}), "Ben")
    goal_id = ana.goal.record.id
    for app, who in ((ana, "Ana"), (ben, "Ben")):
        app.goal.controls["title"].fields[""].value = f"{who}'s title"
        app.goal.controls["explanation"].fields[""].value = f"{who}'s reason"
    ana.goal.save()
    ben.goal.save()
    choose = {next(c for c in b._dom_classes if c.startswith("wb-choose-")): b
              for b in ben.messages.actions.children
              if any(c.startswith("wb-choose-") for c in b._dom_classes)}
    assert set(choose) == {"wb-choose-title", "wb-choose-explanation"}
    choose["wb-choose-title"].value = "theirs"
    _button(ben, "wb-save-chosen").click()
    stored = plan_store.get(goal_id)
    assert (stored.title, stored.explanation) == ("Ana's title", "Ben's reason")


def _status_app(store, name):
    from workbook.apps.status import StatusApp

    return _named(StatusApp(store, {"district": DISTRICT, "month": "2025-05"}), name)


def test_two_people_adding_the_same_months_update_get_a_conflict(plan_store):
    ana, ben = _status_app(plan_store, "Ana"), _status_app(plan_store, "Ben")
    row_a = next(r for r in ana.rows if r.existing is None)
    action = row_a.action.id
    row_b = next(r for r in ben.rows if r.action.id == action)
    row_a.status.value, row_a.cause.value = "behind", "Ana: trainer left"
    row_b.status.value, row_b.cause.value = "behind", "Ben: no substitutes"
    row_b.budget.value = "$1,250"
    ana.save()
    assert "Saved 1 status update" in ana.messages.current
    ben.save()
    shown = ben.messages.current
    assert "<b>Ana</b> already saved this month" in shown
    may = [u for u in plan_store.list(DISTRICT, kind="status")
           if u.action == action and u.date.strftime("%Y-%m") == "2025-05"]
    assert [(u.cause, u.updated_by) for u in may] == [("Ana: trainer left", "Ana")]
    assert ben.messages.widget in ben.saver.slot.children
    # Ben keeps his cause and budget: written over Ana's update, still one row for May
    _button(ben, "wb-save-mine").click()
    may = [u for u in plan_store.list(DISTRICT, kind="status")
           if u.action == action and u.date.strftime("%Y-%m") == "2025-05"]
    assert [(u.id, u.cause, u.budget_used, u.updated_by) for u in may] == [
        (may[0].id, "Ben: no substitutes", 1250.0, "Ben")]
    assert may[0].id == next(u for u in plan_store.list(DISTRICT, kind="status")
                             if u.action == action and u.updated_by == "Ben").id


def test_a_date_outside_the_month_is_refused_not_moved(plan_store):
    app = _status_app(plan_store, "Ana")
    row = app.rows[0]
    before = {u.id: (u.date, u.version) for u in plan_store.list(DISTRICT, kind="status")}
    row.date.value = dt.date(2025, 9, 15)
    app.save()
    assert "is not in May 2025" in row.date.message
    assert "Nothing was saved" in app.messages.current
    assert {u.id: (u.date, u.version)
            for u in plan_store.list(DISTRICT, kind="status")} == before


def test_a_decimal_comma_is_asked_about_in_the_form(plan_store):
    from workbook.apps.plan import PlanApp

    app = _named(PlanApp(plan_store, {"district": DISTRICT}), "Ana")
    m = app.goal_measure
    stored = plan_store.get(m.record.id)
    m.controls["targets"].fields["1"].value = "4,5"
    m.save()
    assert "did you mean 4.5?" in m.controls["targets"].fields["1"].message
    assert plan_store.get(m.record.id).targets == stored.targets
    m.controls["targets"].fields["1"].value = "4.5"
    m.save()
    assert plan_store.get(m.record.id).targets[1] == 4.5


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("typed", "locale", "number"), [
    ("$12,000", "en_US", 12000), ("12 000", "en_US", 12000), ("12.000,50", "en_US", 12000.5),
    ("12,000.50", "en_US", 12000.5), ("1,234,567", "en_US", 1234567), ("8%", "en_US", 8),
    ("-3.25", "en_US", -3.25), ("\u22123.25", "en_US", -3.25), ("€ 1.234,5", "en_US", 1234.5),
    ("1'200", "en_US", 1200), ("0.125", "en_US", 0.125), ("4,5", "es_ES", 4.5),
    ("1.500", "vi_VN", 1500), ("12\u202f000,5", "fr_FR", 12000.5), ("₫ 25.000", "vi_VN", 25000),
])
def test_numbers_read_by_the_locales_rules(typed, locale, number):
    assert parse_number(typed, locale=locale) == number


@pytest.mark.parametrize(("typed", "locale", "said"), [
    ("4,5", "en_US", "did you mean 4.5?"), ("0,75", "en_US", "did you mean 0.75?"),
    ("4.5", "vi_VN", "did you mean 4,5?"), ("1.500", "en_US", "could be 1.5 or 1500"),
    ("1,500", "es_ES", "could be 1,5 or 1500"), ("1,00,000", "en_US", "in threes"),
])
def test_ambiguous_numbers_are_refused_with_what_they_may_mean(typed, locale, said):
    with pytest.raises(NumberHint, match=said.replace("?", r"\?").replace(".", r"\.")):
        parse_number(typed, locale=locale)


@pytest.mark.parametrize("typed", ["abc", "1.2.3,4,5", "12,34.5", "--3", "1e5", "$", "4,5,"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(FieldProblem):
        parse_number(typed)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-10**8, max_value=10**8, places=2, allow_nan=False),
       st.sampled_from(["en_US", "es_ES", "vi_VN", "fr_FR", "de_CH", "es_MX"]))
def test_a_number_written_the_locales_way_reads_back(value, locale):
    """Babel writes the number as the locale does (grouped, two decimals): it reads back."""
    from babel.numbers import format_decimal

    typed = format_decimal(value, format="#,##0.00", locale=locale)
    assert parse_number(typed, locale=locale) == pytest.approx(float(value), abs=1e-9)
