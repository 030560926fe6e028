"""Oregon end to end, for real: `workbook run` on a manifest naming two ODE districts by id,
one with full data (Corvallis) and one with heavy suppression (Adel: a graduating cohort of
one), every workbook executed with the Oregon sample plans loaded, exit 0, and the reports
in Oregon's terms."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbook import data
from workbook.run import batch, regions
from workbook.samples import oregon as or_plans
from workbook.store import Store

pytestmark = pytest.mark.slow
FULL, SUPPRESSED = "1901", "2063"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("oregon")
    manifest = root / "or-two.yaml"
    manifest.write_text(
        "name: or-two\ntitle: Two Oregon districts\nschool_year: '2022-23'\nyear: 2022\n"
        f"state: OR\nsources: [{{path: '{data.SAMPLE_DIR / 'or_ode'}'}}]\n"
        f"districts: ['{FULL}', '{SUPPRESSED}']\nplan_start: '2022-08-01'\n"
        "audience: stakeholder\n")
    env = {**os.environ, "WORKBOOK_CACHE_DIR": str(root / "cache")}
    env.pop("JUPYTERHUB_USER", None)
    url = f"sqlite:///{root / 'plans.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBOOK_CACHE_DIR", str(root / "cache"))
        region = regions.load(str(manifest))
        outcomes = data.load_outcomes(region.source_paths())
        store = Store(url)
        assert or_plans.load_into(store, outcomes, [FULL, SUPPRESSED],
                                  start=dt.date(2022, 8, 1), esd="High Desert ESD") == 2
        store.engine.dispose()
    proc = subprocess.run([sys.executable, "-m", "workbook.cli", "run", str(manifest),
                           "--outputs", str(root / "out"), "--database", url,
                           "--workers", "1"], env=env, capture_output=True, text=True,
                          timeout=900)
    return proc, root / "out" / "or-two"


def _text(path: Path) -> str:
    t = re.sub(r"<script.*?</script>|<style.*?</style>", "", path.read_text(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", t))


def test_every_workbook_runs_with_exit_0(run):
    proc, out = run
    assert proc.returncode == 0, proc.stderr[-3000:]
    for district in (FULL, SUPPRESSED):
        for nb in regions.NOTEBOOK_PARAMS:
            assert (out / district / f"{nb}.html").is_file(), (district, nb)


def test_needs_assessment_speaks_oregon(run):
    _, out = run
    page = _text(out / FULL / "01_needs_assessment.html")
    assert "Oregon Department of Education results 2021-22" in page
    assert "Education service district (ESD)" in page and "Partnership tier" in page
    body, glossary = page.split(" Glossary ", 1)
    assert "(Oregon 10)" in body and "California" not in body
    # the glossary explains Oregon's terms, none of California's
    assert "partnership tier" in glossary and "education service district (ESD)" in glossary
    assert "Dashboard colors" not in glossary and "differentiated assistance" not in glossary
    assert "Dashboard colors by student group" not in page and "Red or Orange" not in page
    assert "rolled up from school rows" in page  # district ELA and its suppressed share
    assert "Illustrative sample plan" in page


def test_heavily_suppressed_district_shows_nothing_small(run):
    _, out = run
    page = _text(out / SUPPRESSED / "01_needs_assessment.html")
    assert "not reported" in page
    for csv in (out / SUPPRESSED / "data" / "01_needs_assessment").glob("*.csv"):
        head, *rows = csv.read_text().splitlines()
        cols = head.split(",")
        if "n" not in cols:
            continue
        i = cols.index("n")
        for row in rows:
            cell = row.split(",")[i] if len(row.split(",")) == len(cols) else ""
            if cell.replace(".0", "").isdigit():
                assert not 0 < int(float(cell)) < 10, (csv.name, row)


def test_quarterly_report_shows_growth_targets_and_triggers(run):
    _, out = run
    page = _text(out / FULL / "04_quarterly_report.html")
    assert "Growth targets, met or not met by year" in page
    assert "Growth targets met / not met, each year" in page  # one line per plan year
    assert "Corrective-action triggers" in page and "seed 000" in page
    assert "(growth target)" in page
    # the triggers' machine ids are for the data file, not for people
    table = page.split("Corrective-action triggers", 1)[1].split("triggers.csv", 1)[0]
    assert "growth_targets" not in table and "perkins" not in table.replace("Perkins", "")
    csv = (out / FULL / "data" / "04_quarterly_report" / "triggers.csv").read_text()
    assert csv.splitlines()[0].startswith("trigger,trigger_code,")


def test_landing_page_in_oregon_terms(run):
    _, out = run
    page = _text(out / "index.html")
    assert "no Red or Orange" not in page and "lowest colors" not in page
    assert "regular attenders 65.1%" in page  # Corvallis, ODE's own district row
    assert "Growth-target baselines" in page and "fewer than 10 students" in page
    # growth targets per year from the run's own plan store (the sample plans: plan year 1
    # is 2022-23, which the bundled files do not reach yet, so it is judged by the annual
    # results the plan records: Corvallis met ELA and graduation, not chronic absence)
    assert "Growth targets met / not met, by year" in page
    assert re.search(r"Corvallis SD 509J 2022-23: not met \(2 of 3 met\); 2023-24: no data yet",
                     page)
    assert batch.headline  # the function the page line comes from
