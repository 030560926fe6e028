"""The plan as a Tool A workbook, and the monthly Action status sheet filled in and read back."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.workbook import Workbook

from workbook.direction.model import Direction, GlossaryTerm, Goal, Measure
from workbook.errors import WorkbookError
from workbook.exchange.excel import (
    BANNER,
    QUARTERLY_TABLES,
    SHEETS,
    STATUS_SHEET,
    export_plan,
)
from workbook.exchange.status_sheet import ActionStatusError, import_action_status
from workbook.needs.model import NeedsAssessment, Priority, SwotEntry
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import StatusUpdate, Support
from workbook.records.document import PlanDocument
from workbook.records.organisation import Organisation
from workbook.rootcause.model import Cause, Symptom, Why
from workbook.store import Store

ORG = "27661590000000"
AS_OF = dt.date(2024, 12, 15)
TOA = ("If we give teachers weekly time to study student work, then they adjust lessons to "
       "what students missed, and more students meet the ELA standard")
D = dt.date


def _doc(*, illustrative: bool = True) -> PlanDocument:
    doc = PlanDocument(ORG)
    doc.add(Organisation(org_id=ORG, name="Sample Unified", county="Monterey", title_i=True,
                         illustrative=illustrative, plan_start=D(2024, 7, 1),
                         plan_end=D(2027, 6, 30),
                         leadership_team=["Ana Ruiz, Superintendent", "Bo Chen, Director"]))
    doc.add(Direction(org_id=ORG, mission="Every student, every day", vision="Readers",
                      purpose=TOA))
    goal = doc.add(Goal(org_id=ORG, title="Every student reads",
                        explanation="ELA is our lowest indicator"))
    doc.add(Measure(org_id=ORG, parent=goal.id, indicator="ELA distance from standard",
                    data_source="CA School Dashboard", baseline=-45.2,
                    targets={1: -35, 2: -25, 3: -15}))
    doc.add(NeedsAssessment(org_id=ORG, elements=["student outcome data", "staff data"],
                            process="Data retreat in August", participants="Leadership team",
                            stakeholder_input="Family survey"))
    doc.add(SwotEntry(org_id=ORG, quadrant="weakness", text="ELA scores", evidence="Dashboard"))
    doc.add(SwotEntry(org_id=ORG, quadrant="strength", text="Stable staff", evidence="HR"))
    prio = doc.add(Priority(org_id=ORG, title="Literacy", evidence="Dashboard"))
    sym = doc.add(Symptom(org_id=ORG, priority=prio.id, statement="Grade 3 reading is low"))
    doc.add(Why(org_id=ORG, symptom=sym.id, step=1, text="Lessons miss gaps"))
    cause = doc.add(Cause(org_id=ORG, symptom=sym.id, text="No time to study student work",
                          evidence="Schedule review", actionable=True, practice="3b"))
    strategy = doc.add(Strategy(org_id=ORG, goal=goal.id, title="PLCs", theory_of_action=TOA,
                                practice="3b", causes=[cause.id]))
    doc.add(Measure(org_id=ORG, parent=strategy.id, indicator="Teachers using data",
                    baseline=20, targets={1: 50, 2: 80}))
    ms = doc.add(Milestone(org_id=ORG, strategy=strategy.id, title="PLCs meet weekly",
                           due=D(2025, 6, 15)))
    a1 = doc.add(Action(org_id=ORG, milestone=ms.id, title="Schedule PLC time",
                        outputs="Master schedule", start=D(2024, 8, 1), due=D(2024, 11, 30),
                        budget=5000, funding_source="Title I", owner="Principal",
                        collaborators=["Counselor", "Coach"]))
    a2 = doc.add(Action(org_id=ORG, milestone=ms.id, title="Train PLC leads",
                        outputs="Six trained leads", due=D(2025, 3, 31), budget=2000.5,
                        owner="Coach"))
    for action, date, status, used, delivered, cause_text in [
            (a1, D(2024, 10, 1), "on track", 1000, False, ""),
            (a1, D(2024, 11, 20), "complete", 4500, True, ""),
            (a2, D(2024, 11, 1), "on track", 200, False, ""),
            (a2, D(2024, 12, 1), "behind", 600, False, "Substitute shortage"),
            (a2, D(2025, 1, 10), "complete", 1900, True, "")]:  # after AS_OF: left out
        doc.add(StatusUpdate(org_id=ORG, action=action.id, date=date, status=status,
                             budget_used=used, output_delivered=delivered, cause=cause_text,
                             adjustment="Moved training to January" if cause_text else ""))
    doc.add(Support(org_id=ORG, need="Coaching on PLC protocols", provided=True,
                    provider="Monterey COE", how_used="Monthly coaching", effectiveness=3))
    doc.add(GlossaryTerm(org_id=ORG, term="PLC", definition="Professional learning community"))
    return doc


def _actions(doc: PlanDocument) -> tuple[Action, Action]:
    # by title: records saved in one transaction come back from the store in id order
    a1, a2 = sorted(doc.of(Action), key=lambda a: a.title)  # type: ignore[attr-defined]
    return a1, a2  # type: ignore[return-value]


def _table(ws, first_header: str) -> tuple[int, dict[str, int]]:
    """The header row whose first cell is `first_header`, and header -> column index."""
    for row in ws.iter_rows(max_row=40):
        if row[0].value == first_header:
            return row[0].row, {c.value: c.column for c in row if c.value}
    raise AssertionError(f"no {first_header!r} header in {ws.title}")


def _records(ws, first_header: str, head: int | None = None) -> list[dict]:
    if head is None:
        head, cols = _table(ws, first_header)
    else:
        cols = {c.value: c.column for c in ws[head] if c.value}
    out = []
    for r in range(head + 1, ws.max_row + 1):
        row = {h: ws.cell(r, c).value for h, c in cols.items()}
        if all(v is None for v in row.values()):
            break  # the table ends at the first empty row
        out.append(row)
    return out


@pytest.fixture()
def exported(tmp_path):
    doc = _doc()
    path = export_plan(doc, tmp_path / "plan.xlsx", as_of=AS_OF)
    return doc, path


def _fill(path, rows: dict[str, dict]) -> dict[str, int]:
    """Fill in the Action status sheet as a team would; returns action id -> Excel row."""
    wb = openpyxl.load_workbook(path)
    ws = wb[STATUS_SHEET]
    head, cols = _table(ws, "Action id")
    where = {ws.cell(r, 1).value: r for r in range(head + 1, ws.max_row + 1)}
    for action_id, values in rows.items():
        if action_id not in where:
            where[action_id] = ws.max_row + 1
            ws.cell(where[action_id], 1, action_id)
        for header, value in values.items():
            ws.cell(where[action_id], cols[header], value)
    wb.save(path)
    return where


# export ------------------------------------------------------------------------------------


def test_every_part_of_tool_a_has_its_sheet_with_a_frozen_bold_header(exported):
    _, path = exported
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    assert len(SHEETS) == 15 and SHEETS[0] == "At a glance" and "Quarterly report" in SHEETS
    for ws in wb:
        head = _header_row(ws)
        assert ws.cell(head, 1).font.bold, ws.title
        assert ws.freeze_panes in (f"A{head + 1}", f"B{head + 1}"), ws.title
        assert ws.column_dimensions["A"].width >= 10, ws.title
    assert wb["At a glance"].cell(_header_row(wb["At a glance"]), 1).value == "Field"


def _header_row(ws) -> int:
    """The first row whose column-A cell is a bold, shaded table header."""
    for cell in ws["A"]:
        if cell.font.bold and cell.fill.fgColor.rgb == "00D9E1F2":
            return cell.row
    raise AssertionError(ws.title)


def test_illustrative_plans_carry_the_banner_on_every_sheet(exported, tmp_path):
    _, path = exported
    wb = openpyxl.load_workbook(path)
    glance = wb["At a glance"]
    assert glance["A1"].value == BANNER == "ILLUSTRATIVE SAMPLE PLAN — not a real district plan"
    assert glance["A1"].font.bold
    for ws in wb:
        assert BANNER in [c.value for c in ws["A"][:3]], ws.title
    real = export_plan(_doc(illustrative=False), tmp_path / "real.xlsx", as_of=AS_OF)
    for ws in openpyxl.load_workbook(real):
        assert all(c.value != BANNER for c in ws["A"]), ws.title


def test_at_a_glance_shows_the_organisation_dates_and_team(exported):
    _, path = exported
    ws = openpyxl.load_workbook(path)["At a glance"]
    fields = [(r["Field"], r["Value"]) for r in _records(ws, "Field")]
    assert ("District", "Sample Unified") in fields
    assert ("County", "Monterey") in fields and ("Title I status", "yes") in fields
    assert ("Date of plan", dt.datetime(2024, 7, 1)) in fields
    assert ("Leadership team members", "Ana Ruiz, Superintendent") in fields
    assert (None, "Bo Chen, Director") in fields
    overview = _records(ws, "Goal")
    assert overview[0]["Strategy"] == "1.1 PLCs"
    assert overview[0]["Milestone"] == "1.1.1 PLCs meet weekly"
    assert overview[0]["Timeline"] == dt.datetime(2025, 6, 15)


def test_at_a_glance_names_the_team_and_who_signed_when(tmp_path):
    from workbook.direction.model import Signature, TeamMember

    doc = _doc()
    doc.add(TeamMember(org_id=ORG, name="Rosa Example", position="Principal", rank=2))
    doc.add(TeamMember(org_id=ORG, name="Lee Example", position="Superintendent", rank=1))
    doc.add(Signature(org_id=ORG, name="Lee Example", position="Superintendent",
                      plan_role="Team lead", signed=D(2024, 8, 20)))
    ws = openpyxl.load_workbook(export_plan(doc, tmp_path / "p.xlsx", as_of=AS_OF))[
        "At a glance"]
    fields = [(r["Field"], r["Value"]) for r in _records(ws, "Field")]
    assert ("Leadership team members", "Lee Example, Superintendent") in fields
    assert (None, "Rosa Example, Principal") in fields
    assert ("Plan signatures",
            "Lee Example (Superintendent, Team lead) signed 2024-08-20") in fields
    assert ("Leadership team members", "Ana Ruiz, Superintendent") not in fields


def test_direction_needs_swot_priorities_and_root_causes(exported):
    _, path = exported
    wb = openpyxl.load_workbook(path)
    direction = {r["Part"]: (r["Statement"], r["Explanation"])
                 for r in _records(wb["Direction"], "Part")}
    assert direction["Mission"][0] == "Every student, every day"
    assert direction["Goal 1"] == ("Every student reads", "ELA is our lowest indicator")
    needs = _records(wb["Needs assessment"], "Elements included in the needs assessment")
    # the two old free-text items, stored now as the Tool A elements they stand for
    assert needs[0]["Elements included in the needs assessment"] == (
        "Student outcomes/performance: assessments\nStudent outcomes/performance: graduation "
        "rates\nDemographics: personnel\nPersonnel policy and procedures")
    assert needs[0]["How was stakeholder input included?"] == "Family survey"
    swot = _records(wb["SWOT"], "Quadrant")
    assert [r["Quadrant"] for r in swot] == ["Strength", "Weakness"]
    assert _records(wb["Priorities"], "Priority")[0]["Priority area"] == "Literacy"
    causes = _records(wb["Root causes"], "Priority area")
    assert [(r["Step"], r["Why / cause"]) for r in causes] == [
        ("Why 1", "Lessons miss gaps"), ("Cause", "No time to study student work")]
    assert causes[1]["Evidence"] == "Schedule review" and causes[1]["Actionable"] == "yes"
    assert causes[1]["Practice"].startswith("3b ")
    assert causes[0]["Symptom"] == "Grade 3 reading is low"


def test_measures_are_numbers_with_year_targets(exported):
    _, path = exported
    wb = openpyxl.load_workbook(path)
    [goal] = _records(wb["Goal measures"], "Goal")
    assert goal["Goal"] == "1 Every student reads"
    assert goal["Data source"] == "CA School Dashboard"
    assert (goal["Baseline"], goal["Target year 1"], goal["Target year 2"],
            goal["Target year 3"]) == (-45.2, -35, -25, -15)
    [strategy] = _records(wb["Strategy measures"], "Strategy")
    assert strategy["Strategy"] == "1.1 PLCs" and strategy["Target year 2"] == 80
    assert strategy["Target year 3"] is None


def test_strategies_split_the_theory_of_action(exported):
    _, path = exported
    [row] = _records(openpyxl.load_workbook(path)["Strategies"], "Strategy")
    assert row["Strategy"] == "1.1" and row["Title"] == "PLCs"
    assert row["If we (the effective practice)"] == (
        "we give teachers weekly time to study student work")
    assert row["then (what teachers, staff, etc. will do)"] == (
        "they adjust lessons to what students missed")
    assert row["and (what the students do)"] == "more students meet the ELA standard"
    assert row["Practice"] == "3b Provide rigorous evidence-based instruction"
    assert row["Root causes addressed"] == "No time to study student work"


def test_milestones_and_actions_have_real_dates_and_budget_numbers(exported):
    _, path = exported
    ws = openpyxl.load_workbook(path)["Milestones and actions"]
    rows = _records(ws, "Strategy")
    assert [r["Action"] for r in rows] == ["1.1.1.1 Schedule PLC time", "1.1.1.2 Train PLC leads"]
    first = rows[0]
    assert first["Resources/budget"] == 5000 and rows[1]["Resources/budget"] == 2000.5
    assert first["Start"] == dt.datetime(2024, 8, 1) and first["Due"] == dt.datetime(2024, 11, 30)
    assert (first["Funding source"], first["Person responsible"], first["Collaborators"]) == (
        "Title I", "Principal", "Counselor, Coach")
    head, cols = _table(ws, "Strategy")
    budget = ws.cell(head + 1, cols["Resources/budget"])
    assert budget.data_type == "n" and budget.number_format == "#,##0.00"
    assert ws.cell(head + 1, cols["Due"]).is_date


def test_supports_and_glossary(exported):
    _, path = exported
    wb = openpyxl.load_workbook(path)
    [support] = _records(wb["Supports"], "Supports needed")
    assert support["Provided"] == "yes" and support["Provider (district, state or other "
                                                     "organization)"] == "Monterey COE"
    assert [(r["Term"], r["Definition"]) for r in _records(wb["Glossary"], "Term")] == [
        ("PLC", "Professional learning community")]


def test_the_action_status_sheet_is_ready_to_fill_in(exported):
    doc, path = exported
    ws = openpyxl.load_workbook(path)[STATUS_SHEET]
    head, cols = _table(ws, "Action id")
    assert list(cols) == ["Action id", "Milestone", "Action", "Owner", "Due", "Status", "Date",
                          "Output delivered", "Budget used", "Cause", "Adjustment"]
    rows = _records(ws, "Action id")
    a1, a2 = _actions(doc)
    assert [r["Action id"] for r in rows] == [a1.id, a2.id]
    assert rows[0]["Owner"] == "Principal" and rows[0]["Due"] == dt.datetime(2024, 11, 30)
    assert all(r["Status"] is None and r["Date"] is None for r in rows)
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    status = rules[f"F{head + 1}:F{head + 2}"]
    assert status.type == "list"
    assert status.formula1 == '"not started,on track,behind,complete"'
    assert rules[f"H{head + 1}:H{head + 2}"].formula1 == '"yes,no"'
    assert ws.freeze_panes == f"B{head + 1}"


def _quarter(path) -> dict[str, list[dict]]:
    """The Quarterly report sheet's tables by key, each found by its title in column A."""
    ws = openpyxl.load_workbook(path)["Quarterly report"]
    titles = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    return {key: _records(ws, "", head=titles[title] + 1)
            for key, title in QUARTERLY_TABLES.items()}


def test_quarterly_report_counts_from_the_latest_status_of_each_action(exported):
    _, path = exported
    q = _quarter(path)
    [milestone], [strategy] = q["milestones"], q["strategies"]
    assert milestone["Milestone"] == "PLCs meet weekly" and strategy["Strategy"] == "PLCs"
    for row in (milestone, strategy):
        # action 1 completed on 2024-11-20 (due 11-30): completed and on time;
        # action 2 reported behind on 12-01 (its 2025 update is after the report date)
        assert row["Actions"] == 2
        assert (row["Actions completed"], row["Actions completed (%)"]) == (1, 50.0)
        assert (row["Actions on time"], row["Actions on time (%)"]) == (1, 50.0)
        assert (row["Actions behind schedule"], row["Actions behind schedule (%)"]) == (1, 50.0)
        assert row["Budget planned"] == 7000.5 and row["Resources/budget used"] == 5100
        assert row["Cause & adjustments made"] == (
            "Substitute shortage (adjustment: Moved training to January)")
    assert milestone["Outputs completed (list)"] == "Master schedule"
    assert [a["Status"] for a in q["actions"]] == ["complete", "behind"]
    assert [c["Cause"] for c in q["causes"]] == ["Substitute shortage"]
    assert [m["Indicator"] for m in q["performance"]] == ["ELA distance from standard",
                                                          "Teachers using data"]


def test_overdue_actions_count_as_behind_and_late_completion_is_not_on_time(tmp_path):
    doc = _doc()
    a1, a2 = _actions(doc)
    doc.records["status"] = [
        StatusUpdate(org_id=ORG, action=a1.id, date=D(2024, 12, 5), status="complete"),
        StatusUpdate(org_id=ORG, action=a2.id, date=D(2025, 3, 1), status="on track")]
    path = export_plan(doc, tmp_path / "late.xlsx", as_of=D(2025, 4, 15))
    [total] = _quarter(path)["strategies"]
    assert (total["Actions completed"], total["Actions on time"],
            total["Actions behind schedule"]) == (1, 0, 1)
    assert openpyxl.load_workbook(path)["Quarterly report"]["A3"].value.startswith(
        "Plan year 1, quarter 4 (2025-04-01 to 2025-06-30), figures as of 2025-04-15")


def test_the_quarterly_sheet_ignores_updates_after_the_report_date(tmp_path):
    doc = _doc()
    q = _quarter(export_plan(doc, tmp_path / "dec.xlsx", as_of=AS_OF))
    assert [(a["Action"], a["Status"]) for a in q["actions"]] == [
        ("Schedule PLC time", "complete"), ("Train PLC leads", "behind")]
    later = _quarter(export_plan(doc, tmp_path / "jan.xlsx", as_of=D(2025, 1, 31)))
    assert [a["Status"] for a in later["actions"]] == ["complete", "complete"]


def test_a_plan_without_a_start_date_says_why_it_has_no_quarterly_tables(tmp_path):
    doc = _doc()
    doc.organisation.plan_start = None
    path = export_plan(doc, tmp_path / "nostart.xlsx", as_of=AS_OF)
    ws = openpyxl.load_workbook(path)["Quarterly report"]
    assert "No plan start date is recorded" in ws["A3"].value
    path = export_plan(doc, tmp_path / "given.xlsx", as_of=AS_OF, plan_start=D(2024, 7, 1))
    assert _quarter(path)["strategies"][0]["Actions"] == 2


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    doc = _doc()
    doc.of(Goal)[0].title = "=HYPERLINK(\"http://example.com\")"
    path = export_plan(doc, tmp_path / "f.xlsx", as_of=AS_OF)
    ws = openpyxl.load_workbook(path)["Direction"]
    cell = next(c for c in ws["B"] if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s"


def test_export_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"the plan as it was")

    def broken_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"PK half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        export_plan(_doc(), target, as_of=AS_OF)
    assert target.read_bytes() == b"the plan as it was"
    with pytest.raises(OSError):
        export_plan(_doc(), tmp_path / "new.xlsx", as_of=AS_OF)
    assert not (tmp_path / "new.xlsx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]  # no temp files left


# import ------------------------------------------------------------------------------------


def test_filled_in_sheet_imports_as_status_updates(exported):
    doc, path = exported
    a1, a2 = _actions(doc)
    _fill(path, {a1.id: {"Status": "Complete", "Date": dt.datetime(2025, 1, 31),
                         "Output delivered": "yes", "Budget used": 4800},
                 a2.id: {"Status": "behind", "Date": "2025-01-31", "Budget used": "1,250.50",
                         "Cause": "Trainer left", "Adjustment": "Hire a new trainer"}})
    first, second = import_action_status(path, doc)
    assert all(isinstance(u, StatusUpdate) and u.org_id == ORG and u.version == 0
               for u in (first, second))
    assert (first.action, first.status, first.date, first.output_delivered,
            first.budget_used) == (a1.id, "complete", D(2025, 1, 31), True, 4800)
    assert (second.action, second.status, second.date, second.output_delivered,
            second.budget_used, second.cause, second.adjustment) == (
        a2.id, "behind", D(2025, 1, 31), False, 1250.5, "Trainer left", "Hire a new trainer")


def test_rows_left_blank_are_skipped(exported):
    doc, path = exported
    a1, _ = _actions(doc)
    _fill(path, {a1.id: {"Status": "on track", "Date": dt.datetime(2025, 1, 31)}})
    [only] = import_action_status(path, doc)
    assert only.action == a1.id and only.budget_used == 0 and not only.output_delivered
    assert import_action_status(export_plan(doc, path, as_of=AS_OF), doc) == []


def test_a_bad_sheet_names_every_problem_by_excel_row(exported):
    doc, path = exported
    a1, a2 = _actions(doc)
    rows = _fill(path, {
        a1.id: {"Status": "done", "Date": dt.datetime(2025, 1, 31)},
        a2.id: {"Status": "on track", "Date": dt.datetime(2025, 1, 31),
                "Budget used": "three hundred"},
        "nosuchaction": {"Status": "behind", "Date": dt.datetime(2025, 1, 31)},
        "missingdate": {"Status": "behind", "Output delivered": "maybe"},
    })
    with pytest.raises(WorkbookError) as info:
        import_action_status(path, doc)
    err = info.value
    assert isinstance(err, ActionStatusError)
    p = str(path)
    r1, r2, r3, r4 = (rows[k] for k in (a1.id, a2.id, "nosuchaction", "missingdate"))
    assert err.problems[0].startswith(f"{p}:{r1}: Status: 'done' is not a status")
    assert err.problems[1] == f"{p}:{r2}: Budget used: 'three hundred' is not a number"
    assert err.problems[2] == (f"{p}:{r3}: Action id: 'nosuchaction' is not an action of "
                               "this plan")
    assert f"{p}:{r4}: Date: missing: give the date of this status" in err.problems
    assert f"{p}:{r4}: Output delivered: 'maybe' is not yes or no" in err.problems
    assert len(err.problems) == 6  # row 4 also has an unknown id
    for problem in err.problems:
        assert problem in str(err)
    assert "nothing was imported" in str(err)


def test_a_date_that_is_not_a_date_is_a_problem(exported):
    doc, path = exported
    a1, _ = _actions(doc)
    row = _fill(path, {a1.id: {"Status": "on track", "Date": "end of January",
                               "Budget used": -5}})[a1.id]
    with pytest.raises(ActionStatusError) as info:
        import_action_status(path, doc)
    assert info.value.problems == [
        f"{path}:{row}: Date: 'end of January' is not a date (use a date cell or YYYY-MM-DD)",
        f"{path}:{row}: Budget used: -5 is negative; give the amount used so far"]


def test_files_that_are_not_a_status_workbook_are_refused(tmp_path, exported):
    doc, path = exported
    with pytest.raises(WorkbookError, match="no such file"):
        import_action_status(tmp_path / "missing.xlsx", doc)
    (tmp_path / "junk.xlsx").write_text("not a zip")
    with pytest.raises(WorkbookError, match="not an Excel workbook"):
        import_action_status(tmp_path / "junk.xlsx", doc)
    wb = openpyxl.load_workbook(path)
    del wb[STATUS_SHEET]
    wb.save(tmp_path / "nosheet.xlsx")
    with pytest.raises(WorkbookError, match="no 'Action status' sheet"):
        import_action_status(tmp_path / "nosheet.xlsx", doc)
    wb = openpyxl.load_workbook(path)
    ws = wb[STATUS_SHEET]
    head, cols = _table(ws, "Action id")
    ws.cell(head, cols["Budget used"], "Spent")
    wb.save(tmp_path / "renamed.xlsx")
    with pytest.raises(ActionStatusError, match=r":\d+: Budget used: column is missing"):
        import_action_status(tmp_path / "renamed.xlsx", doc)


def test_a_damaged_workbook_is_one_clear_error(tmp_path, exported):
    doc, path = exported
    raw = path.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(raw[:len(raw) // 2])
    with pytest.raises(WorkbookError, match=r"cut.xlsx: not an Excel workbook"):
        import_action_status(cut, doc)
    flipped = bytearray(raw)
    start = raw.index(b"xl/worksheets/") + 200  # inside a compressed sheet
    for i in range(start, start + 40):
        flipped[i] ^= 0xFF
    (tmp_path / "flipped.xlsx").write_bytes(bytes(flipped))
    with pytest.raises(WorkbookError) as info:
        import_action_status(tmp_path / "flipped.xlsx", doc)
    assert str(info.value).startswith(f"{tmp_path / 'flipped.xlsx'}: ")
    assert "\n" not in str(info.value)
    with pytest.raises(WorkbookError, match="is a folder, not an Excel workbook"):
        import_action_status(tmp_path, doc)


def test_numbers_and_dates_out_of_bounds_are_problems(exported):
    doc, path = exported
    a1, a2 = _actions(doc)
    rows = _fill(path, {a1.id: {"Status": "on track", "Date": "1800-01-31", "Budget used": "nan"},
                        a2.id: {"Status": "behind", "Date": "2024-10-31", "Budget used": "1e999"}})
    with pytest.raises(ActionStatusError) as info:
        import_action_status(path, doc)
    assert info.value.problems == [
        f"{path}:{rows[a1.id]}: Date: 1800-01-31 is not within 1900-2100",
        f"{path}:{rows[a1.id]}: Budget used: Input should be a finite number",
        f"{path}:{rows[a2.id]}: Budget used: Input should be a finite number"]


def test_round_trip_through_a_sqlite_store(tmp_path):
    store = Store("sqlite:///" + str(tmp_path / "db.sqlite"))
    store.save_all(_doc().all(), user="ana")
    doc = store.document(ORG)
    path = export_plan(doc, tmp_path / "plan.xlsx", as_of=AS_OF)
    a1, a2 = _actions(doc)
    _fill(path, {a1.id: {"Status": "complete", "Date": dt.datetime(2025, 2, 28),
                         "Output delivered": "yes", "Budget used": 4900},
                 a2.id: {"Status": "on track", "Date": dt.datetime(2025, 2, 28),
                         "Budget used": 1500, "Adjustment": "Training rescheduled"}})
    updates = import_action_status(path, doc)
    saved = store.save_all(updates, user="team lead")
    assert [s.version for s in saved] == [1, 1]
    back = {s.id: s for s in store.list(ORG, kind="status")}
    assert len(back) == 5 + 2
    for update in updates:
        stored = back[update.id]
        assert stored.updated_by == "team lead"
        assert stored.model_dump(exclude={"version", "updated_by", "updated_at"}) == (
            update.model_dump(exclude={"version", "updated_by", "updated_at"}))
    later = export_plan(store.document(ORG), tmp_path / "march.xlsx", as_of=D(2025, 3, 15))
    [total] = _quarter(later)["strategies"]
    assert (total["Actions completed"], total["Actions on time"],
            total["Actions behind schedule"], total["Resources/budget used"]) == (1, 2, 0, 6400)


def test_the_reporting_sheet_is_tool_as_quarter_and_semester_grid(tmp_path):
    from workbook import progress
    from workbook.exchange.excel import YEAR_SHEET
    from workbook.progress.model import Adjustment, MilestoneReview, Result

    doc = _doc()
    ms = next(iter(doc.of(Milestone)))
    goal_measure = next(m for m in doc.of(Measure) if m.indicator.startswith("ELA"))
    doc.add(MilestoneReview(org_id=ORG, milestone=ms.id, date=D(2024, 12, 10),
                            notes="on track for June", reviewer="Leadership team"))
    doc.add(Result(org_id=ORG, measure=goal_measure.id, plan_year=1, value=-40,
                   explanation="PLC time started late; a second cycle in the fall"))
    doc.add(Adjustment(org_id=ORG, date=D(2024, 12, 2), change="Reviews monthly",
                       reason="Two actions behind", told="Board", told_on=D(2024, 12, 12)))
    path = export_plan(doc, tmp_path / "plan.xlsx", plan_start=D(2024, 7, 1), quarter=2,
                       plan_year=1, as_of=AS_OF)
    ws = openpyxl.load_workbook(path)[YEAR_SHEET]
    cells = [tuple(row) for row in ws.iter_rows(values_only=True)]
    grid = progress.year_tables(doc, D(2024, 7, 1), 1, as_of=AS_OF)

    def block(first: str) -> list[tuple]:
        at = next(i for i, r in enumerate(cells) if r[0] == first)
        out = []
        for r in cells[at + 1:]:
            if r[0] is None:
                break
            out.append(tuple("" if v is None else v for v in r))
        return out

    head = next(r for r in cells if r[0] == "Strategy: PLCs")
    assert head[1:3] == ("1st Semester", "2nd Semester")
    st = grid["strategies"][["item", "semester_1", "semester_2"]]
    assert block("Strategy: PLCs") == [tuple(r) + ("",) * 3 for r in st.itertuples(
        index=False, name=None)]
    mrows = grid["milestones"][["item", "q1", "q2", "q3", "q4"]]
    assert block("Milestone: PLCs meet weekly") == [tuple(r) + ("",) for r in mrows.itertuples(
        index=False, name=None)]
    assert next(r for r in cells if r[0] == "Milestone: PLCs meet weekly")[1:5] == (
        "1st Quarter", "2nd Quarter", "3rd Quarter", "4th Quarter")
    as_dict = dict((r[0], r[1:]) for r in block("Milestone: PLCs meet weekly"))
    assert as_dict["Additional information/comments"][1] == (
        "2024-12-10 not complete: on track for June")
    assert as_dict["Actions completed (%)"][2:4] == ("", "")  # quarters 3 and 4 not begun
    perf = block("Goal or strategy")
    assert ("Every student reads", "ELA distance from standard", -35, -40,
            "PLC time started late; a second cycle in the fall", "") in perf
    [adjusted] = block("What was adjusted")
    assert adjusted[0] == "the whole plan" and adjusted[2:5] == ("Reviews monthly",
                                                                 "Two actions behind", "Board")


def test_a_plan_read_after_its_milestones_end_reports_its_last_quarter(tmp_path):
    """Exported years after its last milestone (a three-year plan read in year 5, as the
    CLI and the apps' download do with no quarter given), the reporting sheets show the
    plan's last quarter with its figures, not an empty plan year 5."""
    from workbook.exchange.excel import last_milestone_year, quarter_report

    doc = _doc()
    last = last_milestone_year(doc)
    assert last is not None
    start = doc.organisation.plan_start
    late = D(start.year + 4, start.month, 1) + dt.timedelta(days=100)
    tables = quarter_report(doc, as_of=late)
    assert tables is not None
    period = tables["period"].iloc[0]
    assert (int(period["plan_year"]), int(period["quarter"])) == (last, 4)
    assert period["as_of"] == period["end"]
    q = _quarter(export_plan(doc, tmp_path / "late.xlsx", as_of=late))
    assert q["strategies"] and q["strategies"][0]["Actions"] == 2
    # inside the plan's years the quarter today falls in is kept
    inside = quarter_report(doc, as_of=AS_OF)
    assert inside is not None and int(inside["period"].iloc[0]["plan_year"]) == 1
