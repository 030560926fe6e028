"""The apps' logic without a browser: build the app, set widget values, press its buttons.

Each app is an object whose widgets can be set from Python exactly as the browser would set
them, so the behaviour that matters (what is saved, by whom, what is refused and why, what
a conflict shows) is tested here quickly; tests/test_apps_browser.py checks the same
things end to end in Chromium.
"""

from __future__ import annotations

import pytest
from conftest import private_cache

from workbook.direction.model import Measure
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import Comment, MilestoneReview, Result, StatusUpdate

DISTRICT = "27661590000000"  # Salinas Union High
OTHER = "27660920000000"  # Monterey Peninsula Unified


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "apps-cache"):
        yield


@pytest.fixture(scope="module")
def outcomes(cache_dir):
    from workbook.run import context

    return context.region_outcomes("sample")


@pytest.fixture()
def store(tmp_path, outcomes):
    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    s = Store(f"sqlite:///{tmp_path / 'apps.db'}")
    for did in (DISTRICT, OTHER):
        s.save_all(sample_plans.sample_plan(did, outcomes).all(), user="loader")
    yield s
    s.engine.dispose()


def named(app, name: str = "Ana"):
    app.user.text.value = name
    return app


# --------------------------------------------------------------------------- serve


def test_no_token_only_on_loopback():
    from workbook.apps.serve import check_binding, is_loopback
    from workbook.errors import WorkbookError

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    check_binding("127.0.0.1", token=False)
    check_binding("0.0.0.0", token=True)
    with pytest.raises(WorkbookError, match="only allowed on a loopback"):
        check_binding("0.0.0.0", token=False)


def test_cli_refuses_no_token_on_a_public_address():
    from typer.testing import CliRunner

    from workbook import cli

    result = CliRunner().invoke(cli.app, ["serve", "--host", "0.0.0.0", "--no-token"])
    assert result.exit_code != 0
    assert "only allowed on a loopback" in str(result.exception or result.output)


def test_voila_is_configured_to_show_no_source_and_no_tracebacks():
    from workbook.apps.serve import voila_config

    c = voila_config(host="127.0.0.1", port=1, token="t", preheat=True, pool_size=1)
    v = c.VoilaConfiguration
    assert v.show_tracebacks is False and v.strip_sources is True
    assert v.allow_template_override == "NO" and v.file_allowlist == []
    assert v.preheat_kernel is True and v.default_pool_size == 1
    assert c.Voila.ip == "127.0.0.1" and c.Voila.token == "t" and c.Voila.port_retries == 0


def test_landing_page_lists_apps_in_order_and_escapes_the_query(tmp_path):
    import shutil

    from workbook.apps.serve import APPS_DIR, app_notebooks, landing_page

    for nb in app_notebooks(APPS_DIR):
        shutil.copy(nb, tmp_path / nb.name)
    page = landing_page(tmp_path, "/", {"district": [b'"><script>x</script>'],
                                        "other": [b"dropped"]})
    assert "<script>x" not in page and "dropped" not in page
    assert "district=%22%3E%3Cscript%3E" in page
    names = [p.stem for p in app_notebooks(tmp_path)]
    assert names[:1] == ["needs"]
    assert "Needs assessment explorer" in page and "Root cause builder" in page


def test_every_app_notebook_is_one_call():
    import json

    from workbook.apps.serve import APPS_DIR, app_notebooks

    for nb in app_notebooks(APPS_DIR):
        cells = json.loads(nb.read_text())["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        assert len(code) == 1 and code[0].strip().endswith(f"{nb.stem}.app()"), nb.name
        assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code")


def test_the_page_script_and_the_browser_limit_agree():
    from workbook.apps import page

    assert f"var MAX = {page.BROWSER_MAX_CHARS}," in page.script()
    assert "stopImmediatePropagation" in page.script()
    assert (page.TEMPLATE_DIR / "index.html.j2").is_file()


# --------------------------------------------------------------------------- forms


def test_numbers_and_texts_are_read_as_people_type_them():
    from workbook.apps.forms import FieldProblem, clean_text, parse_date, parse_number

    assert parse_number(" 1,200 ") == 1200 and parse_number("8%") == 8
    assert parse_number("-12.5") == -12.5 and parse_number("") is None
    for bad in ("abc", "nan", "inf", "1e999"):
        with pytest.raises(FieldProblem):
            parse_number(bad)
    with pytest.raises(FieldProblem, match="below 0"):
        parse_number("-1", minimum=0)
    with pytest.raises(FieldProblem, match="10,485,760 characters"):
        clean_text("x" * 10 * 1024 * 1024)
    assert parse_date("2025-03-31").isoformat() == "2025-03-31"
    with pytest.raises(FieldProblem, match="YYYY-MM-DD"):
        parse_date("31/03/2025")


def test_save_with_deletes_is_all_or_nothing(store):
    from workbook.store import ConflictError

    symptom = store.list(DISTRICT, kind="symptom")[0]
    cause = next(c for c in store.list(DISTRICT, kind="cause") if c.symptom == symptom.id)
    store.save(cause.model_copy(update={"text": "someone else"}), user="Ben")
    edited = symptom.model_copy(update={"statement": "mine"})
    with pytest.raises(ConflictError):
        store.save_all([edited], user="Ana", delete=[cause])  # stale delete
    assert store.get(symptom.id).statement == symptom.statement  # the save rolled back
    assert store.get(cause.id).text == "someone else"


# --------------------------------------------------------------------------- common


def test_the_network_link_is_shown_only_to_those_who_may_open_it(store):
    """A team member or viewer is refused the network view in the kernel; the bar does not
    offer it to them either. A liaison and the one-person token mode see it."""
    from workbook.apps.needs import NeedsApp
    from workbook.users.model import Access

    def nav(access: Access | None) -> str:
        return NeedsApp(store, {"district": DISTRICT}, access=access).nav.value

    assert "network.ipynb" not in nav(Access("Tess", {DISTRICT: "team"}))
    assert "network.ipynb" not in nav(Access("Val", {DISTRICT: "viewer"}))
    assert "network.ipynb" in nav(Access("Lee", {DISTRICT: "liaison"}))
    assert "network.ipynb" in nav(None)  # token mode: the one person is admin


def test_the_district_comes_from_the_url_and_goes_back_into_it(store):
    from workbook.apps.needs import NeedsApp

    app = NeedsApp(store, {"district": DISTRICT, "indicator": "MATH"})
    assert app.district_id == DISTRICT and app.indicator.value == "MATH"
    assert app.url_query == f"district={DISTRICT}&indicator=MATH&group=ALL"
    assert "needs.ipynb?district=" in app.nav.value and "rootcause.ipynb?district=" in \
        app.nav.value
    app.picker.district.value = OTHER
    assert app.url_query.startswith(f"district={OTHER}&")
    assert "Monterey Peninsula Unified" in app.grid.svg


def test_an_unknown_district_is_a_message_not_an_error(store):
    from workbook.apps.rootcause import RootCauseApp

    app = RootCauseApp(store, {"district": "<b>nope</b>"})
    assert app.district_id == ""
    assert "&lt;b&gt;nope&lt;/b&gt;" in app.messages.current
    assert "pick one below" in app.messages.current


def test_a_callback_error_is_a_friendly_message(store, capsys):
    from workbook.apps.needs import NeedsApp

    app = NeedsApp(store, {"district": DISTRICT})

    def broken(*_a, **_k):
        raise RuntimeError("secret internals")

    app.draw_gap = broken
    app.indicator.value = "CHRO"
    assert "Something went wrong" in app.messages.current
    assert "secret internals" not in app.messages.current
    assert "Traceback" not in app.messages.current


def test_hub_user_is_used_without_asking(store, monkeypatch):
    from workbook.apps.rootcause import RootCauseApp

    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    app = RootCauseApp(store, {"district": DISTRICT})
    assert app.user.name == "hubuser" and app.user.text is None
    app.statement.value = "A new wording"
    app.save()
    assert store.get(app.symptom.id).updated_by == "hubuser"


# --------------------------------------------------------------------------- needs


def test_needs_charts_follow_the_indicator_and_group(store):
    from workbook.apps.needs import NeedsApp

    app = NeedsApp(store, {"district": DISTRICT})
    gap, trend = app.gap.svg, app.trend.svg
    app.indicator.value = "CHRO"
    assert app.gap.svg != gap and "Chronic absenteeism" in app.gap.svg
    assert app.trend.svg != trend
    assert "indicator=CHRO" in app.url_query
    trend = app.trend.svg
    app.group.value = "HI"
    assert app.trend.svg != trend and "Hispanic" in app.trend.svg
    assert "Student group: Hispanic;" in app.grid.widget.value
    assert not app.dirty  # exploring is not editing


def test_needs_explorer_hides_small_groups_unless_the_audience_is_the_team(store,
                                                                          monkeypatch):
    """Multiple Races in Monterey Peninsula Unified: 16 graduates in 2024, shown to the
    team; to anyone else hidden (complementary suppression: it is the smallest race group
    beside one under 11), in the gap chart, its caption and the trend alike."""
    from workbook.apps.needs import NeedsApp

    def open_app(who: str):
        monkeypatch.setenv("WORKBOOK_APPS_AUDIENCE", who)
        app = NeedsApp(store, {"district": OTHER, "indicator": "GRAD", "group": "MR"})
        return app

    team = open_app("team")
    assert "Gap (negative = worse): −1.5; Color: no color; Students (n): 16" in team.gap.svg
    assert "<text" in team.trend.svg and "93.8" in team.trend.svg
    row = team.snapshot.set_index(["indicator", "student_group"]).loc[("GRAD", "MR")]
    assert row["n"] == 16 and row["status"] == 93.8

    public = open_app("stakeholder")
    assert "Students (n): 16" not in public.gap.svg and "93.8" not in public.gap.svg
    assert "label: not reported" in public.gap.svg
    assert "93.8" not in public.trend.svg and "93.8" not in public.gap.widget.value
    row = public.snapshot.set_index(["indicator", "student_group"]).loc[("GRAD", "MR")]
    assert row.isna()["n"] and row.isna()["status"]
    assert "worked out" in row["suppressed"]
    # nothing under the threshold is left anywhere in what the page shows
    assert not ((public.snapshot["n"] > 0) & (public.snapshot["n"] < 11)).any()

    monkeypatch.delenv("WORKBOOK_APPS_AUDIENCE")
    default = NeedsApp(store, {"district": OTHER, "indicator": "GRAD", "group": "MR"})
    assert "Students (n): 16" not in default.gap.svg  # hidden unless told otherwise


def test_needs_explorer_opens_a_school_of_the_district(store, outcomes):
    from workbook.apps.needs import NeedsApp

    school = "27661592730109"  # Alisal High, a school of Salinas Union High
    app = NeedsApp(store, {"district": DISTRICT, "school": school, "indicator": "GRAD"})
    assert app.school.value == school and app.org_id == school
    assert "school=27661592730109" in app.url_query
    mine = outcomes[outcomes["org_id"] == school]
    latest = mine["year"].max()  # the sample files give this school's rows up to 2018
    rows = mine[(mine["year"] == latest) & (mine["indicator"] == "GRAD")
                & (mine["student_group"] == "ALL")]
    assert app.snapshot["org_id"].eq(school).all() and app.snapshot["year"].eq(latest).all()
    shown = app.snapshot.set_index(["indicator", "student_group"]).loc[("GRAD", "ALL"),
                                                                         "status"]
    assert shown == rows["status"].iloc[0]
    assert f"All students: {rows['status'].iloc[0]:g};" in app.gap.svg
    district_gap = app.gap.svg
    app.school.value = ""  # back to the whole district
    assert app.org_id == DISTRICT and app.gap.svg != district_gap
    assert "school=" not in app.url_query

    lost = NeedsApp(store, {"district": DISTRICT, "school": "27660920000001"})
    assert lost.school.value == "" and "not in this district" in lost.messages.current


def test_serve_refuses_an_unknown_audience_and_pool_size():
    from workbook.apps.serve import serve
    from workbook.errors import WorkbookError

    with pytest.raises(WorkbookError, match="--audience must be one of stakeholder, team"):
        serve(audience="public")
    with pytest.raises(WorkbookError, match="--pool-size must be between 0 and 8"):
        serve(pool_size=-1)


# --------------------------------------------------------------------------- root causes


def _fill_new(app, statement="Ninth graders miss more school"):
    from workbook.apps.rootcause import NEW

    app.pick.value = NEW
    app.statement.value = statement
    app.whys[0].text.value = "They miss first period"
    app.whys[0].evidence.value = "Attendance logs"
    app.causes[0].text.value = "No early-warning routine"
    app.causes[0].evidence.value = "Counsellor interviews"
    app.causes[0].actionable.value = True
    app.causes[0].practice.value = "3a"
    app.causes[0].category.value = "staff"
    return app


def test_root_cause_save_writes_symptom_whys_and_causes(store):
    from workbook.apps.rootcause import RootCauseApp

    app = named(RootCauseApp(store, {"district": DISTRICT}))
    before = app.fishbone.svg
    _fill_new(app)
    assert app.dirty and "wb-dirty" in app.widget._dom_classes
    assert app.fishbone.svg != before and "No early-warning" in app.fishbone.svg
    app.save()
    assert "Saved" in app.messages.current and not app.dirty
    symptom = next(s for s in store.list(DISTRICT, kind="symptom")
                   if s.statement == "Ninth graders miss more school")
    assert symptom.updated_by == "Ana"
    whys = [w for w in store.list(DISTRICT, kind="why") if w.symptom == symptom.id]
    causes = [c for c in store.list(DISTRICT, kind="cause") if c.symptom == symptom.id]
    assert [(w.step, w.text, w.evidence) for w in whys] == [
        (1, "They miss first period", "Attendance logs")]
    assert [(c.text, c.actionable, c.practice, c.category) for c in causes] == [
        ("No early-warning routine", True, "3a", "staff")]
    assert f"symptom={symptom.id}" in app.url_query


def test_unchanged_records_are_not_rewritten(store):
    from workbook.apps.rootcause import RootCauseApp

    app = named(RootCauseApp(store, {"district": DISTRICT}))
    versions = {r.id: r.version for r in store.list(DISTRICT)}
    app.causes[1].evidence.value = "New evidence"
    app.save()
    changed = [r.id for r in store.list(DISTRICT) if r.version != versions[r.id]]
    assert changed == [app.causes[1].record.id]


def test_removing_a_cause_deletes_it_on_save(store):
    from workbook.apps.rootcause import RootCauseApp

    app = named(RootCauseApp(store, {"district": DISTRICT}))
    gone = app.causes[0].record
    app.causes[0].remove.click()
    assert store.get(gone.id) is not None  # not until Save
    app.save()
    assert store.get(gone.id) is None


def test_deleting_an_analysis_takes_its_whys_and_causes_and_frees_strategies(store):
    from workbook.apps.rootcause import RootCauseApp

    doc = store.document(DISTRICT)
    strategy = next(s for s in doc.of(Strategy) if s.causes)
    cause = doc.get(strategy.causes[0])
    app = named(RootCauseApp(store, {"district": DISTRICT, "symptom": cause.symptom}))
    assert app.symptom.id == cause.symptom
    parts = {r.id for r in doc.all() if getattr(r, "symptom", None) == cause.symptom}
    app.deleter.ask()
    assert "1 record that points to it" in app.deleter.text.value
    app.deleter.delete()
    left = {r.id for r in store.list(DISTRICT)}
    assert cause.symptom not in left and not parts & left
    after = store.get(strategy.id)
    assert cause.id not in after.causes and after.causes == [
        c for c in strategy.causes if c not in parts]
    assert cause.symptom not in [v for _, v in app.pick.options]


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(store):
    from workbook.apps.rootcause import RootCauseApp

    app = named(RootCauseApp(store, {"district": DISTRICT}))
    count = len(store.list(DISTRICT))
    _fill_new(app, statement="")
    app.causes[0].evidence.value = "x" * (10 * 1024 * 1024)
    app.add_why.click()
    app.whys[1].evidence.value = "evidence but no answer"
    app.save()
    assert "Nothing was saved: 3 fields" in app.messages.current
    assert "Write the symptom" in app.statement.message
    assert "Too long: 10,485,760 characters" in app.causes[0].evidence.message
    assert "Write the answer" in app.whys[1].text.message
    assert len(store.list(DISTRICT)) == count
    assert app.dirty  # still unsaved, still in the form
    assert app.causes[0].evidence.value.startswith("xxx")


def test_a_save_needs_a_name(store):
    from workbook.apps.rootcause import RootCauseApp

    app = RootCauseApp(store, {"district": DISTRICT})
    app.statement.value = "changed"
    app.save()
    assert "type your name" in app.messages.current.lower()
    assert "Type your name first" in app.user.error.value
    assert store.get(app.symptom.id).statement != "changed"


def test_two_people_editing_the_same_symptom_get_a_conflict(store):
    from workbook.apps.rootcause import RootCauseApp

    ana = named(RootCauseApp(store, {"district": DISTRICT}), "Ana")
    ben = named(RootCauseApp(store, {"district": DISTRICT}), "Ben")
    ana.statement.value = "Ana's version"
    ben.statement.value = "Ben's version"
    ana.save()
    ben.save()
    shown = ben.messages.current
    assert "changed by <b>Ana</b>" in shown
    assert "Ana&#x27;s version" in shown and "Ben&#x27;s version" in shown
    assert store.get(ana.symptom.id).statement == "Ana's version"
    assert ben.statement.value == "Ben's version" and ben.dirty
    # Ben decides to keep his: a deliberate overwrite, recorded under his name
    save_mine = next(b for b in ben.messages.actions.children
                     if "wb-save-mine" in b._dom_classes)
    save_mine.click()
    stored = store.get(ana.symptom.id)
    assert stored.statement == "Ben's version" and stored.updated_by == "Ben"
    # Ana saves again from her stale copy: conflict; she takes theirs
    ana.statement.value = "Ana again"
    ana.save()
    assert "changed by <b>Ben</b>" in ana.messages.current
    use_theirs = next(b for b in ana.messages.actions.children
                      if "wb-use-theirs" in b._dom_classes)
    use_theirs.click()
    assert ana.statement.value == "Ben's version" and not ana.dirty


def test_switching_district_with_unsaved_edits_is_refused(store):
    from workbook.apps.rootcause import RootCauseApp

    app = named(RootCauseApp(store, {"district": DISTRICT}))
    app.statement.value = "unsaved"
    app.picker.district.value = OTHER
    assert app.district_id == DISTRICT and app.statement.value == "unsaved"
    assert "unsaved changes" in app.messages.current


# --------------------------------------------------------------------------- monthly status


def test_monthly_status_saves_updates_and_the_quarter_follows(store):
    from workbook.apps.status import StatusApp

    app = named(StatusApp(store, {"district": DISTRICT, "month": "2025-02"}))
    assert app.url_query == f"district={DISTRICT}&month=2025-02"
    assert app.rows and "quarter 3" in app.quarter.value
    row = next(r for r in app.rows if r.status.value != "behind")
    before = app.quarter.value
    row.status.value = "behind"
    row.cause.value = "Substitute shortage"
    row.adjustment.value = "Move the training to the spring"
    row.budget.value = "1,500"
    app.save()
    assert "Saved 1 status update" in app.messages.current
    saved = [u for u in store.list(DISTRICT, kind="status") if u.action == row.action.id]
    last = max(saved, key=lambda u: u.date)
    assert (last.status, last.cause, last.budget_used, last.updated_by) == (
        "behind", "Substitute shortage", 1500.0, "Ana")
    assert app.quarter.value != before and "Substitute" not in app.quarter.value
    # the update is now this month's: editing it again changes the same record
    again = next(r for r in app.rows if r.action.id == row.action.id)
    assert again.existing is not None and again.existing.id == last.id
    again.output.value = True
    app.save()
    assert store.get(last.id).output_delivered is True and store.get(last.id).version == 2


def test_the_printable_quarterly_report_reads_what_was_just_saved(store):
    import base64

    from bs4 import BeautifulSoup

    from workbook.apps.status import StatusApp

    app = named(StatusApp(store, {"district": DISTRICT, "month": "2025-02"}))
    row = next(r for r in app.rows if r.status.value != "behind")
    row.status.value = "behind"
    row.cause.value = "The bus contract lapsed in January"
    app.build_report()  # unsaved: refused, so the report never disagrees with the form
    assert "Save this month&#x27;s updates first" in app.messages.current
    app.save()
    app.build_report()
    link = BeautifulSoup(app.report_link.value, "html.parser").select_one(
        "a.wb-report-download")
    assert link["download"] == f"quarterly-report-{DISTRICT}-year1-q3.html"
    page = base64.b64decode(link["href"].split("base64,", 1)[1]).decode("utf-8")
    assert page == app.report_html
    report = BeautifulSoup(page, "html.parser")
    assert "Plan year 1, quarter 3" in report.get_text()
    assert "The bus contract lapsed in January" in report.get_text()
    assert report.select("svg") and not report.select("script[src]")
    assert "import " not in report.get_text()  # outputs only, no code
    assert not app.report_button.disabled


def test_monthly_status_refuses_bad_input_per_field(store):
    from workbook.apps.status import StatusApp

    app = named(StatusApp(store, {"district": DISTRICT, "month": "2025-02"}))
    count = len(store.list(DISTRICT, kind="status"))
    a, b = app.rows[0], app.rows[1]
    a.status.value = "on track"
    a.budget.value = "a lot"
    b.status.value = "behind"
    b.cause.value = ""
    b.date.value = None
    app.save()
    assert "Nothing was saved: 3 fields" in app.messages.current
    assert "not a number" in a.budget.message
    assert "Say why it is behind" in b.cause.message
    assert "Choose the date" in b.date.message
    assert len(store.list(DISTRICT, kind="status")) == count


# --------------------------------------------------------------------------- self-reflection


def test_a_rater_rates_element_by_element_and_resumes(store):
    from workbook.apps.rating import RatingApp

    app = named(RatingApp(store, {"district": DISTRICT}), "New Rater")
    assert "0 of 37" in app.progress.value and app.url_query.endswith("element=1a1")
    app.save()
    assert "Choose the level" in app.level.message
    app.level.value = 3
    app.evidence.value = "Weekly data meetings at every school"
    app.save()
    assert app.url_query.endswith("element=1a2") and "1 of 37" in app.progress.value
    app.level.value = 2
    app.save()
    mine = [r for r in store.list(DISTRICT, kind="rating") if r.rater == "New Rater"]
    assert sorted((r.element, r.level) for r in mine) == [("1a1", 3), ("1a2", 2)]
    # coming back later: the app opens at the first element not yet rated
    back = named(RatingApp(store, {"district": DISTRICT}), "New Rater")
    assert back.url_query.endswith("element=1a3")
    back.step(-2)
    assert back.level.value == 3 and back.evidence.value.startswith("Weekly")


def test_the_team_view_never_names_raters(store):
    from workbook.apps.rating import RatingApp

    app = named(RatingApp(store, {"district": DISTRICT}), "Zelda Quinn")
    app.level.value = 4
    app.save()
    app.tabs.selected_index = 1
    raters = {r.rater for r in store.list(DISTRICT, kind="rating")}
    shown = app.team.value + app.team_chart.widget.value
    assert f"{len(raters)} people have rated" in shown
    for name in raters:
        assert name not in shown


# --------------------------------------------------------------------------- plan builder


def _open_action(app, action_id):
    act = app.doc.get(action_id)
    ms = app.doc.get(act.milestone)
    app.strategy.pick.value = ms.strategy
    app.milestone.pick.value = ms.id
    app.action.pick.value = action_id


def test_plan_findings_update_as_they_type(store):
    from workbook.apps.plan import PlanApp

    app = named(PlanApp(store, {"district": DISTRICT}))
    ownerless = next(f for f in app.findings_list
                     if f.message == "action has no person responsible")
    _open_action(app, ownerless.record_id)
    assert "▶" in app.findings.value
    app.action.controls["owner"].fields[""].value = "Maria Lopez"
    assert all(f.record_id != ownerless.record_id for f in app.findings_list)
    theory = app.strategy.controls["theory_of_action"].fields
    theory["then"].value = ""
    assert any("missing its 'then" in f.message for f in app.findings_list)
    assert app.dirty


def test_plan_refuses_bad_targets_and_dates_and_saves_nothing(store):
    import datetime as dt

    from workbook.apps.plan import PlanApp

    app = named(PlanApp(store, {"district": DISTRICT}))
    versions = {r.id: r.version for r in store.list(DISTRICT)}
    m = app.goal_measure
    m.controls["targets"].fields["2"].value = "forty"
    m.save()
    assert "year 2 must be a number" in m.controls["targets"].fields["2"].message
    a = app.action
    a.controls["start"].fields[""].value = dt.date(2025, 3, 1)
    a.controls["due"].fields[""].value = dt.date(2025, 2, 1)
    a.save()
    assert "before the start" in a.controls["due"].fields[""].message
    a.controls["title"].fields[""].value = "y" * 600
    a.save()
    assert "Too long: 600 characters" in a.controls["title"].fields[""].message
    assert {r.id: r.version for r in store.list(DISTRICT)} == versions


def test_plan_builder_adds_a_goal_and_its_measure(store):
    from workbook.apps.editor import NEW
    from workbook.apps.plan import PlanApp

    app = named(PlanApp(store, {"district": OTHER}))
    app.goal.pick.value = NEW
    assert app.goal_measure.save_button.disabled  # the goal comes first
    app.goal.controls["title"].fields[""].value = "Every student reads by grade 3"
    app.goal.save()
    goal = next(g for g in store.list(OTHER, kind="goal")
                if g.title == "Every student reads by grade 3")
    assert not app.goal_measure.save_button.disabled
    assert any(f.record_id == goal.id and "no goal performance measure" in f.message
               for f in app.findings_list)
    c = app.goal_measure.controls
    c["indicator"].fields[""].value = "ELA distance from standard"
    c["baseline"].fields[""].value = "-45.2"
    c["targets"].fields["1"].value = "-35"
    c["targets"].fields["2"].value = "-25"
    app.goal_measure.save()
    measure = next(m for m in store.list(OTHER, kind="measure") if m.parent == goal.id)
    assert measure.targets == {1: -35.0, 2: -25.0} and measure.baseline == -45.2
    assert not any(f.record_id == goal.id for f in app.findings_list)
    assert not app.dirty


def test_plan_conflict_on_one_record_leaves_the_other_forms_alone(store):
    from workbook.apps.plan import PlanApp

    ana = named(PlanApp(store, {"district": DISTRICT}), "Ana")
    ben = named(PlanApp(store, {"district": DISTRICT}), "Ben")
    ana.goal.controls["title"].fields[""].value = "Ana's goal"
    ben.goal.controls["title"].fields[""].value = "Ben's goal"
    ben.strategy.controls["title"].fields[""].value = "Ben's strategy"
    ana.goal.save()
    ben.goal.save()
    assert "changed by <b>Ana</b>" in ben.messages.current
    assert ben.is_dirty("goal") and ben.is_dirty("strategy")
    ben.strategy.save()
    assert store.get(ben.strategy.record.id).title == "Ben's strategy"
    assert ben.is_dirty("goal") and not ben.is_dirty("strategy") and ben.dirty
    assert store.get(ana.goal.record.id).title == "Ana's goal"


def test_plan_builder_keeps_needs_swot_priorities_and_glossary(store):
    from workbook.apps.editor import NEW
    from workbook.apps.plan import PlanApp

    app = named(PlanApp(store, {"district": OTHER}))
    na = app.needs_assessment
    assert na.record is not None and na.record.elements  # the stored one, opened
    boxes = na.controls["elements"].fields  # one check box per Tool A element
    for code, box in boxes.items():
        box.value = code in ("outcomes.assessments", "climate")
    na.controls["element_other"].fields["engagement"].value = "  course failures "
    na.controls["participants"].fields[""].value = "Principals and two parents"
    na.save()
    stored = store.get(na.record.id)
    assert stored.elements == ["outcomes.assessments", "climate"]
    assert stored.element_other["engagement"] == "course failures"
    assert stored.element_other.keys() == {"demographics", "engagement"}  # the sample's kept
    assert stored.participants == "Principals and two parents" and stored.updated_by == "Ana"
    reopened = named(PlanApp(store, {"district": OTHER})).needs_assessment
    assert [c for c, b in reopened.controls["elements"].fields.items() if b.value] == [
        "outcomes.assessments", "climate"]

    app.swot.pick.value = NEW
    app.swot.controls["quadrant"].fields[""].value = "threat"
    app.swot.save()  # no text yet: refused next to the field
    assert "Write the entry." in app.swot.controls["text"].fields[""].message
    app.swot.controls["text"].fields[""].value = "Two principals retire in June"
    app.swot.controls["evidence"].fields[""].value = "HR notices"
    app.swot.save()
    entry = next(e for e in store.list(OTHER, kind="swot")
                 if e.text == "Two principals retire in June")
    assert entry.quadrant == "threat" and entry.evidence == "HR notices"
    assert app.swot.pick.value == entry.id

    before = len(store.list(OTHER, kind="priority"))
    app.priority.pick.value = NEW
    assert app.priority.controls["rank"].fields[""].value == str(before + 1)
    app.priority.controls["title"].fields[""].value = "Ninth-grade transition"
    app.priority.save()
    assert len(store.list(OTHER, kind="priority")) == before + 1
    if before + 1 > 4:
        assert any("priority areas; the guide recommends at most four" in f.message
                   for f in app.findings_list)

    app.glossary.pick.value = NEW
    app.glossary.controls["term"].fields[""].value = "MTSS"
    app.glossary.controls["definition"].fields[""].value = "Multi-tiered system of supports"
    app.glossary.save()
    assert any(t.term == "MTSS" for t in store.list(OTHER, kind="glossary"))
    assert not app.dirty


def test_deleting_a_strategy_takes_its_parts_after_a_question(store):
    from workbook.apps.plan import PlanApp

    app = named(PlanApp(store, {"district": DISTRICT}))
    strategy = app.strategy.record
    doc = store.document(DISTRICT)
    milestones = [m.id for m in doc.of(Milestone) if m.strategy == strategy.id]
    actions = [a.id for a in doc.of(Action) if a.milestone in milestones]
    updates = [u.id for u in doc.of(StatusUpdate) if u.action in actions]
    measures = [m.id for m in doc.of(Measure) if m.parent == strategy.id]
    # the milestones' semester reviews and the measures' annual results go with them
    reviews = [r.id for r in doc.of(MilestoneReview) if r.milestone in milestones]
    results = [r.id for r in doc.of(Result) if r.measure in measures]
    assert milestones and actions and updates and measures
    others = {r.id for r in doc.all()} - {strategy.id, *milestones, *actions, *updates,
                                          *measures, *reviews, *results}
    app.strategy.deleter.ask()
    question = app.strategy.deleter.text.value
    assert f"{len(milestones)} milestones" in question and f"{len(actions)} actions" in question
    app.strategy.deleter.reset()  # "keep it": nothing happens
    assert store.get(strategy.id) is not None
    app.strategy.deleter.ask()
    app.strategy.deleter.delete()
    assert "Saved the deletion of strategy" in app.messages.current
    left = {r.id for r in store.list(DISTRICT)}
    comments_on_gone = {c.id for c in doc.of(Comment)
                        if c.target in {strategy.id, *milestones, *actions, *measures}}
    assert left == others - comments_on_gone
    assert strategy.id not in [v for _, v in app.strategy.pick.options]
    assert not app.dirty


def test_deleting_a_goal_unlinks_its_strategies(store):
    from workbook.apps.plan import PlanApp

    app = named(PlanApp(store, {"district": DISTRICT}))
    goal = app.goal.record
    linked = [s for s in store.list(DISTRICT, kind="strategy") if s.goal == goal.id]
    assert len(linked) == 1  # the sample goal has one strategy: the question says "stays"
    app.goal.deleter.ask()
    question = app.goal.deleter.text.value
    assert "; 1 record that points to it (strategy " in question
    assert ") stays, unlinked?</b>" in question
    app.goal.deleter.delete()
    assert store.get(goal.id) is None
    for s in linked:
        after = store.get(s.id)
        assert after is not None and after.goal == "" and after.version == s.version + 1
        assert after.updated_by == "Ana"


def test_a_delete_changed_under_you_deletes_nothing(store):
    from workbook.apps.plan import PlanApp

    ana = named(PlanApp(store, {"district": DISTRICT}), "Ana")
    strategy = ana.strategy.record
    ana.strategy.deleter.ask()  # Ana is asked; meanwhile Ben edits one of its actions
    ms = next(m for m in store.list(DISTRICT, kind="milestone") if m.strategy == strategy.id)
    act = next(a for a in store.list(DISTRICT, kind="action") if a.milestone == ms.id)
    store.save(act.model_copy(update={"owner": "Ben Boss"}), user="Ben")
    count = len(store.list(DISTRICT))
    ana.strategy.deleter.delete()
    assert "changed by <b>Ben</b>" in ana.messages.current
    assert len(store.list(DISTRICT)) == count  # nothing deleted
    assert store.get(act.id).owner == "Ben Boss"


# --------------------------------------------------------------------------- coaching


def test_liaison_comments_and_sees_what_the_district_resolved(store):
    from workbook.apps.coaching import CoachingApp
    from workbook.apps.plan import PlanApp

    coach = named(CoachingApp(store, {"district": DISTRICT}), "Liz Liaison")
    strategy = store.list(DISTRICT, kind="strategy")[0]
    coach.target.value = strategy.id
    assert f"target={strategy.id}" in coach.url_query
    coach.text.value = "<b>How</b> will you know the coaching cycles happen?"
    coach.save()
    assert "Saved your comment" in coach.messages.current
    assert "&lt;b&gt;How&lt;/b&gt;" in coach.thread.value  # escaped, never run as HTML
    comment = next(c for c in store.list(DISTRICT, kind="comment")
                   if c.target == strategy.id)
    assert comment.author == "Liz Liaison" and not comment.resolved
    # the district team sees it beside the strategy, and resolves it
    team = named(PlanApp(store, {"district": DISTRICT}), "Dana Team")
    team.strategy.pick.value = strategy.id
    box = team.strategy.comment_box.children[0]
    assert "will you know the coaching cycles" in box.children[1].children[0].value
    box.children[1].children[1].click()
    assert store.get(comment.id).resolved and store.get(comment.id).resolved_by == \
        "Dana Team"
    assert len(box.children) == 0
    coach.load()
    assert "resolved by Dana Team" in coach.summary.value


def test_plan_app_shows_a_records_history_and_restores_a_version(store):
    """History is one click under the form: who changed what, and Restore of an earlier
    version, itself a new version; a restore over a change made meanwhile is refused."""
    from workbook.apps.plan import PlanApp
    from workbook.direction.model import Goal

    goal = store.list(DISTRICT, kind="goal")[0]
    first_title = goal.title
    store.save(goal.model_copy(update={"title": "Reading by grade 3"}), user="Bea")
    app = named(PlanApp(store, {"district": DISTRICT}))
    app.goal.pick.value = goal.id
    panel = app.goal.history
    assert panel.record_id == goal.id and panel.body.layout.display == "none"
    panel.toggle.value = True
    assert "Bea" in panel.table.value and "Reading by grade 3" in panel.table.value
    assert "loader" in panel.table.value
    assert [v for _, v in panel.pick.options] == [1]  # the newest is not offered
    panel.pick.value = 1
    panel.restore()
    now = store.get(goal.id)
    assert isinstance(now, Goal) and now.title == first_title and now.version == 3
    assert now.updated_by == "Ana"
    assert "Version 1 restored: it is now version 3" in app.messages.current
    assert app.goal.controls["title"].fields[""].value == first_title  # the form follows
    changes = store.history(DISTRICT, record_id=goal.id)
    assert [c.change for c in changes] == ["created", "updated", "restored"]
    # someone else changes the goal after the history was shown: nothing is restored
    panel.pick.value = 2
    store.save(store.get(goal.id).model_copy(update={"title": "Changed meanwhile"}),
               user="Cy")
    panel.restore()
    assert store.get(goal.id).title == "Changed meanwhile"
    assert "Nothing was restored" in app.messages.current


def test_plan_app_brings_deleted_records_back(store):
    from workbook.apps.plan import PlanApp

    goal = store.list(DISTRICT, kind="goal")[0]
    measures = [m for m in store.list(DISTRICT, kind="measure") if m.parent == goal.id]
    store.save_all([], user="Bea", delete=[goal, *measures], reason="merged into goal 2")
    app = named(PlanApp(store, {"district": DISTRICT}))
    [line] = [c for c in app.deleted.list.children if hasattr(c, "children")]
    text = line.children[0].value
    assert "deleted by Bea" in text and "merged into goal 2" in text
    line.children[1].click()
    assert store.get(goal.id) is not None
    assert all(store.get(m.id) is not None for m in measures)
    assert f"Brought back {1 + len(measures)} record(s)" in app.messages.current
    assert "Nothing of this plan is deleted" in app.deleted.list.children[0].value
    assert goal.id in [v for _, v in app.goal.pick.options]


# --------------------------------------------------------------------------- issue 17: the tools


def test_old_free_text_elements_load_as_tool_a_codes_and_survive_a_save(store):
    from workbook.apps.plan import PlanApp
    from workbook.needs.model import NeedsAssessment

    old = next(r for r in store.list(OTHER, kind="needs_assessment"))
    # a record as earlier versions stored it: Tool A's categories did not exist yet
    store.save(NeedsAssessment.model_construct(
        **{**old.model_dump(), "elements": ["student outcome data", "our own survey"],
           "element_other": {}}), user="old version")
    loaded = store.get(old.id)
    assert loaded.elements == ["outcomes.assessments", "outcomes.graduation", "our own survey"]
    app = named(PlanApp(store, {"district": OTHER}))
    boxes = app.needs_assessment.controls["elements"].fields
    assert [c for c, b in boxes.items() if b.value] == ["outcomes.assessments",
                                                         "outcomes.graduation"]
    boxes["engagement.attendance"].value = True
    app.needs_assessment.save()
    # the free-text item no box stands for is kept, not dropped by the form
    assert store.get(old.id).elements == ["outcomes.assessments", "outcomes.graduation",
                                          "engagement.attendance", "our own survey"]


def test_plan_builder_saves_team_members_and_signatures(store):
    import datetime as dt

    from workbook.apps.editor import NEW
    from workbook.apps.plan import PlanApp
    from workbook.direction import signatures_table, team_table

    app = named(PlanApp(store, {"district": OTHER}))
    tm = app.team_member
    tm.pick.value = NEW
    tm.controls["name"].fields[""].value = "Rosa Fictional"
    tm.controls["position"].fields[""].value = "Assistant superintendent"
    tm.save()
    sig = app.signature
    sig.pick.value = NEW
    sig.controls["name"].fields[""].value = "Rosa Fictional"
    sig.save()  # no date yet: refused, nothing saved
    assert not any(s.name == "Rosa Fictional" for s in store.list(OTHER, kind="signature"))
    sig.controls["position"].fields[""].value = "Assistant superintendent"
    sig.controls["plan_role"].fields[""].value = "Budget sign-off"
    sig.controls["signed"].fields[""].value = dt.date(2024, 7, 30)
    sig.save()
    doc = store.document(OTHER)
    team = team_table(doc)
    assert ("Rosa Fictional", "Assistant superintendent") in set(
        zip(team["name"], team["position"], strict=True))
    signed = signatures_table(doc).set_index("name").loc["Rosa Fictional"]
    assert (signed["plan_role"], signed["signed"]) == ("Budget sign-off", "2024-07-30")
    reopened = named(PlanApp(store, {"district": OTHER}))
    labels = [label for label, _ in reopened.signature.pick.options]
    assert "Rosa Fictional (2024-07-30)" in labels


def test_a_measure_names_its_state_indicator_and_group(store):
    from workbook.apps.editor import NEW
    from workbook.apps.plan import PlanApp
    from workbook.direction.model import Measure

    app = named(PlanApp(store, {"district": OTHER}))
    app.goal.pick.value = NEW
    app.goal.controls["title"].fields[""].value = "Fewer students miss school"
    app.goal.save()
    c = app.goal_measure.controls
    c["indicator"].fields[""].value = "Chronic absenteeism, English learners"
    c["state_indicator"].fields[""].value = "CHRO"
    c["student_group"].fields[""].value = "EL"
    app.goal_measure.save()
    m = next(x for x in store.list(OTHER, kind="measure")
             if x.indicator == "Chronic absenteeism, English learners")
    assert (m.state_indicator, m.student_group) == ("CHRO", "EL")
    # a value no option names (another state's code) is kept as it is, not reset
    odd = store.save(Measure(org_id=OTHER, parent=m.parent, indicator="Local",
                             state_indicator="XYZ", student_group="ZZ"), user="import")
    again = named(PlanApp(store, {"district": OTHER}))
    again.goal.pick.value = m.parent
    again.goal_measure.pick.value = odd.id
    again.goal_measure.controls["data_source"].fields[""].value = "district file"
    again.goal_measure.save()
    kept = store.get(odd.id)
    assert (kept.state_indicator, kept.student_group, kept.data_source) == (
        "XYZ", "ZZ", "district file")


def test_toolb_questions_shown_where_each_stage_is_worked_on(store):
    from workbook import catalogue
    from workbook.apps.plan import PlanApp
    from workbook.apps.rootcause import RootCauseApp
    from workbook.apps.toolb import questions_panel

    def questions(widget) -> int:
        return widget.value.count("<li><i>")

    for stage in ("direction", "implement"):
        assert questions(questions_panel(stage)) == len(catalogue.coaching_questions(stage))
    app = PlanApp(store, {"district": OTHER})
    tabs = {app.tabs.get_title(i): child for i, child in enumerate(app.tabs.children)}

    def panel_in(box, stage):
        return [w for w in box.children if f"wb-coaching-{stage}" in w._dom_classes]

    (direction,) = panel_in(tabs["Direction"], "direction")
    assert questions(direction) == len(catalogue.coaching_questions("direction"))
    (needs_panel,) = panel_in(tabs["Needs and priorities"], "needs")
    assert questions(needs_panel) == len(catalogue.coaching_questions("needs"))
    rc = RootCauseApp(store, {"district": OTHER})
    assert any("wb-coaching-rootcause" in getattr(w, "_dom_classes", ())
               for w in _walk(rc.widget))


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_strengths_and_weaknesses_are_the_raters_own(store, monkeypatch):
    from workbook.apps import roles
    from workbook.apps.rating import RatingApp
    from workbook.users.model import Access

    app = named(RatingApp(store, {"district": DISTRICT}), "Uma Rater")
    assert app.domain == 1
    app.strengths.value = "Uma: data meetings happen"
    app.weaknesses.value = "Uma: no written roles"
    app.step(+3)  # same domain: allowed, the text stays
    assert app.strengths.value == "Uma: data meetings happen"
    app.practice.value = "2a"  # another domain while unsaved: refused
    assert app.practice.value.startswith("1") and app.domain == 1
    app.save_reflection()
    mine = [r for r in store.list(DISTRICT, kind="reflection") if r.rater == "Uma Rater"]
    assert [(r.domain, r.strengths) for r in mine] == [(1, "Uma: data meetings happen")]
    app.practice.value = "2a"
    assert app.domain == 2 and app.strengths.value == ""
    # another rater, signed in, never sees Uma's texts, in the app or through the store
    other = Access("Vic Rater", {DISTRICT: "team"})
    guarded = roles.GuardedStore(store, other)
    assert all(r.rater == "Vic Rater" for r in guarded.list(DISTRICT, kind="reflection"))
    assert guarded.get(mine[0].id) is None
    assert not [c for c in guarded.history(DISTRICT)
                if c.kind == "reflection" and c.data.get("rater") == "Uma Rater"]
    with pytest.raises(roles.AccessRefused):
        guarded.save(mine[0].model_copy(update={"strengths": "changed"}), user="Vic Rater")
    vic = RatingApp(store, {"district": DISTRICT}, access=other)
    assert vic.domain == 1 and vic.strengths.value == ""
    assert "Uma" not in vic.reflection_box.children[0].value


def test_team_consensus_is_typed_beside_the_anonymous_mean(store):
    from workbook.apps.rating import RatingApp

    app = named(RatingApp(store, {"district": DISTRICT}), "Dana Team")
    app.tabs.selected_index = 1
    app.consensus_practice.value = "1b"
    app.save_consensus()  # no level chosen: refused
    assert not any(c.practice == "1b" and c.note == "after the March meeting"
                   for c in store.list(DISTRICT, kind="consensus"))
    app.consensus_level.value = 4
    app.consensus_note.value = "after the March meeting"
    app.save_consensus()
    agreed = [c for c in store.list(DISTRICT, kind="consensus") if c.practice == "1b"]
    assert [(c.level, c.note) for c in agreed] == [(4, "after the March meeting")]
    row = next(r for r in app.consensus_table.value.split("<tr>") if r.startswith("<th>1b "))
    assert "4 " in row.split("</td>")[1]
    raters = {r.rater for r in store.list(DISTRICT, kind="rating")}
    assert not any(name in app.consensus_table.value for name in raters)
    # reopened: the stored level, not a recomputed one
    back = named(RatingApp(store, {"district": DISTRICT}), "Dana Team")
    back.tabs.selected_index = 1
    back.consensus_practice.value = "1b"
    assert back.consensus_level.value == 4
