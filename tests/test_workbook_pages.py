"""The workbooks as read-only pages of `workbook serve`, without a server or a browser.

What a page address may choose (region, district, year, quarter), what it may not
(audience, database, data folder: the server's), and what a bad address shows: one line,
no traceback, nothing run. tests/test_workbook_pages_browser.py opens the real pages.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import nbformat
import pytest
from conftest import private_cache

DISTRICT = "27661590000000"  # Salinas Union High
OTHER = "27660920000000"  # Monterey Peninsula Unified
NEEDS = "01_needs_assessment"
QUARTERLY = "04_quarterly_report"


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "pages-cache"):
        yield


def read(name: str, audience: str = "stakeholder", /, **query: str):
    from workbook.apps.workbooks import read_address

    return read_address(name, query, audience=audience)


def one_line(text: str) -> bool:
    return bool(text) and "\n" not in text and "Traceback" not in text


# --------------------------------------------------------------------------- the address


def test_the_address_chooses_the_district_and_the_server_the_rest():
    page = read(NEEDS, district_id=DISTRICT, region="sample", token="secret")
    assert page.runs and not page.problem
    assert page.parameters == {"district_id": DISTRICT, "region": "sample", "year": 2024,
                               "audience": "stakeholder", "database_url": "",
                               "data_dir": "", "language": "en"}
    assert page.heading == "Needs assessment: Salinas Union High"
    assert "small groups of students hidden" in page.summary("stakeholder")
    other = read(NEEDS, district_id=OTHER)
    assert other.heading == "Needs assessment: Monterey Peninsula Unified"


def test_the_audience_is_the_servers_never_the_address():
    assert read(NEEDS, "team", district_id=DISTRICT).parameters["audience"] == "team"
    for name in ("audience", "database_url", "data_dir"):
        page = read(NEEDS, "stakeholder", district_id=DISTRICT, **{name: "team"})
        assert not page.runs
        assert one_line(page.problem) and f"'{name}' is set by the server" in page.problem


def test_an_unknown_parameter_is_refused_in_one_line():
    page = read(NEEDS, distrct_id=DISTRICT)
    assert not page.runs
    assert one_line(page.problem)
    assert "does not take 'distrct_id' (did you mean 'district_id'?)" in page.problem
    assert "region, district_id, year" in page.problem
    # 01 has no quarter: an address naming one is refused too
    assert "does not take 'quarter'" in read(NEEDS, district_id=DISTRICT, quarter="2").problem


@pytest.mark.parametrize("query, says", [
    ({"district_id": "99999999999999"}, "District '99999999999999' is not in Monterey County"),
    ({"district_id": "<b>x</b>"}, "District '<b>x</b>' is not in"),
    ({"region": "../../etc", "district_id": DISTRICT}, "There is no region '../../etc'"),
    ({"district_id": DISTRICT, "year": "20x4"}, "parameter year: Input should be a valid"),
    ({"district_id": DISTRICT, "year": "2031"}, "has no data for 2031; years: 2017, 2018"),
])
def test_a_bad_value_is_one_line_and_runs_nothing(query, says):
    page = read(NEEDS, **query)
    assert not page.runs and says in page.problem and one_line(page.problem)


def test_no_district_yet_asks_for_one():
    page = read(NEEDS)
    assert not page.runs and not page.problem and page.region == "sample"
    assert "Choose a district" in page.picker("stakeholder")["prompt"]


def test_the_quarterly_report_takes_its_quarter_from_the_address():
    page = read(QUARTERLY, district_id=DISTRICT, quarter="3")
    p = page.parameters
    assert (p["quarter"], p["plan_year"], p["plan_start"]) == (3, 1, "2024-08-01")
    assert page.heading.endswith("Salinas Union High, quarter 3")
    assert read(QUARTERLY, district_id=DISTRICT).parameters["quarter"] == 2  # the manifest's
    bad = read(QUARTERLY, district_id=DISTRICT, quarter="7")
    assert "parameter quarter: Input should be less than or equal to 4" in bad.problem
    picker = page.picker("stakeholder")
    assert picker["quarters"] == [1, 2, 3, 4] and picker["quarter"] == 3
    assert read(NEEDS, district_id=DISTRICT).picker("stakeholder")["quarters"] == []


def test_the_picker_lists_the_regions_districts_and_links_back():
    picker = read(NEEDS, district_id=DISTRICT).picker("stakeholder")
    assert ["sample", "Monterey County (sample region)"] in picker["regions"]
    assert [OTHER, f"Monterey Peninsula Unified ({OTHER})"] in picker["districts"]
    assert picker["district_id"] == DISTRICT
    assert picker["app"] == [f"needs.ipynb?region=sample&district={DISTRICT}", "Needs app"]
    assert picker["home"] == f"../../?region=sample&district={DISTRICT}"


# --------------------------------------------------------------------------- the notebook


def notebook(name: str):
    from workbook.apps.workbooks import notebook_path

    return nbformat.read(notebook_path(name), as_version=4)


def test_the_page_runs_the_notebook_papermill_runs_with_the_same_check():
    from workbook.apps.workbooks import page_notebook
    from workbook.run import params

    page = read(QUARTERLY, district_id=OTHER, quarter="1")
    nb = page_notebook(notebook(QUARTERLY), page, audience="stakeholder")
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    at = tags.index(["injected-parameters"])
    assert tags[at - 1] == ["parameters"]
    namespace: dict = {}
    for cell in nb.cells[:at + 1]:
        if cell.cell_type == "code":
            exec(cell.source, namespace)  # the parameters cell, then papermill's
    checked = params.from_namespace(params.QuarterlyParams, namespace)  # the notebook's check
    assert (checked.district_id, checked.quarter, checked.audience) == (OTHER, 1, "stakeholder")
    assert nb.metadata["title"] == "Quarterly implementation report: Monterey Peninsula " \
                                   "Unified, quarter 1"
    assert nb.metadata["workbook_page"]["district_id"] == OTHER


def test_a_page_with_nothing_to_run_keeps_only_the_introduction():
    from workbook.apps.workbooks import page_notebook

    nb = page_notebook(notebook(NEEDS), read(NEEDS, district_id="1234"), audience="team")
    assert [c.cell_type for c in nb.cells] == ["markdown"]
    assert nb.cells[0].source.startswith("# Needs assessment")
    assert "is not in" in nb.metadata["workbook_page"]["problem"]


def request(path: str, query: str):
    statuses = []
    handler = SimpleNamespace(request=SimpleNamespace(path=path, query=query),
                              set_status=statuses.append)
    return handler, statuses


def test_the_prelaunch_hook_reads_the_request_and_refuses_a_bad_one(monkeypatch):
    from workbook.apps.workbooks import prelaunch_hook

    monkeypatch.setenv("WORKBOOK_APPS_AUDIENCE", "team")
    handler, statuses = request(f"/voila/render/{NEEDS}.ipynb",
                                f"district_id={OTHER}&district_id={DISTRICT}&region=")
    nb = prelaunch_hook(handler, notebook=notebook(NEEDS), cwd="")
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f'district_id = "{DISTRICT}"' in injected.source  # the last value wins
    assert 'audience = "team"' in injected.source and statuses == []
    handler, statuses = request(f"/voila/render/{NEEDS}.ipynb", "audience=team")
    nb = prelaunch_hook(handler, notebook=notebook(NEEDS), cwd="")
    assert statuses == [400] and not any(c.cell_type == "code" for c in nb.cells)


# --------------------------------------------------------------------------- the server


def test_only_the_four_workbooks_have_a_route():
    from workbook.apps.workbooks import ROUTE, WORKBOOKS

    for name in WORKBOOKS:
        assert re.fullmatch(ROUTE, f"/voila/render/{name}.ipynb")
    for path in ("/voila/render/05_other.ipynb", "/voila/render/../01_needs_assessment.ipynb",
                 "/voila/render/01_needs_assessment.ipynb/x", "/voila/render/apps/needs.ipynb",
                 "/voila/render/01_needs_assessmentXipynb"):
        assert not re.fullmatch(ROUTE, path), path


def test_every_app_links_to_a_workbook_and_every_workbook_back():
    from workbook.apps import APPS, REGION_APPS, WORKBOOK_OF_APP
    from workbook.apps.workbooks import APP_OF_WORKBOOK, WORKBOOKS

    assert set(WORKBOOK_OF_APP) == {name for name, _ in APPS} - REGION_APPS
    assert set(WORKBOOK_OF_APP.values()) == set(WORKBOOKS) == set(APP_OF_WORKBOOK)
    assert APP_OF_WORKBOOK == {"01_needs_assessment": "needs",
                               "02_root_cause_analysis": "rootcause",
                               "03_strategy_and_measures": "plan",
                               "04_quarterly_report": "status",
                               "06_annual_story": "monitor"}


def test_landing_page_lists_the_workbooks_beside_the_apps():
    from workbook.apps.serve import APPS_DIR, landing_page

    page = landing_page(APPS_DIR, "/", {"region": [b"sample"],
                                        "district": [DISTRICT.encode()]})
    assert "Workbooks (read-only)" in page
    for title in ("Needs assessment", "Root cause analysis", "Strategy and measures",
                  "Quarterly implementation report"):
        assert f">{title}</a>" in page
    assert f"/voila/render/01_needs_assessment.ipynb?region=sample&amp;district_id={DISTRICT}" \
        in page
    assert f"/voila/render/needs.ipynb?region=sample&amp;district={DISTRICT}" in page


def test_voila_says_where_a_cells_error_went_not_how_to_debug():
    from workbook.apps.serve import voila_config

    c = voila_config(host="127.0.0.1", port=1, token="t", preheat=True, pool_size=1)
    assert "server's log" in c.VoilaExecutor.cell_error_instruction
    assert "prelaunch_hook" not in c.VoilaConfiguration  # the apps keep pre-heated kernels


def test_the_app_header_links_to_the_workbook_for_the_district(tmp_path):
    from workbook.apps.needs import NeedsApp
    from workbook.apps.status import StatusApp
    from workbook.store import Store

    store = Store(f"sqlite:///{tmp_path / 'apps.db'}")
    app = NeedsApp(store, {"district": DISTRICT})
    assert f"href='01_needs_assessment.ipynb?region=sample&amp;district_id={DISTRICT}'" \
        in app.nav.value
    assert "href='04_quarterly_report.ipynb?region=sample'" in StatusApp(store, {}).nav.value
    store.engine.dispose()
