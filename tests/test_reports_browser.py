"""The stakeholder reports opened in headless Chromium with the network cut off.

A report is mailed around or opened from a shared drive: it must render with no network,
have no script at all, draw every chart, and show text people typed as text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pgserver import CHROMIUM_ARGS, CHROMIUM_SKIP_REASON, chromium_path, require

from workbook.plan.model import Strategy
from workbook.report import page as report
from workbook.rootcause.model import Cause
from workbook.run.params import NOTEBOOK_PARAMS
from workbook.store import Store

pytest_plugins = ["fixtures_workbooks"]  # the `workbooks` session fixture, shared

pytestmark = pytest.mark.slow

NOTEBOOKS = list(NOTEBOOK_PARAMS)
DISTRICT = "27661590000000"  # Salinas Union High: every chart has data
ESCAPE_DISTRICT = "27660760000000"  # Lagunita Elementary, in a store of its own
EVIL_CAUSE = "<script>alert(1)</script><b>bold</b>"
EVIL_TITLE = "<img src=x onerror=alert(1)>"
EVIL_EVIDENCE = "\"'><svg onload=alert(2)>"
MAX_BYTES = 1_500_000

#: what must never reach a stakeholder: source code, tracebacks, raw Python reprs
CODE = [r"Traceback \(most recent call last\)", r"File \"[^\"]+\", line \d+",
        r"\bfrom workbook\b", r"^\s*import \w", r"\bshow\.\w+\(", r"\bctx\.\w",
        r"\bparams\.\w", r"\bdef \w+\(", r"\w+Error: ", r"<IPython\.", r"\bDataFrame\b"]


@dataclass
class Opened:
    page: object
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser():
    exe = require(chromium_path(), CHROMIUM_SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def open_report(browser):
    """Open a report file with every non-file request blocked and recorded."""
    contexts = []

    def _open(path: Path) -> Opened:
        ctx = browser.new_context(viewport={"width": 1200, "height": 900},
                                  java_script_enabled=True)
        contexts.append(ctx)
        page = ctx.new_page()
        opened = Opened(page)

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                opened.blocked.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_timeout(200)  # let anything that would fire, fire
        return opened

    yield _open
    for ctx in contexts:
        ctx.close()


def artifacts_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WORKBOOK_TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


FIGURES_JS = """figs => figs.map(f => {
  const svg = f.querySelector('svg');
  const marks = svg ? [...svg.querySelectorAll('[class*="role-mark"]')] : [];
  const drawn = marks.filter(m => m.querySelector('path, rect, text, line, circle')).length;
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const next = f.nextElementSibling;
  const details = next && next.tagName === 'DETAILS' ? next : null;
  return {id: f.id, label: (f.getAttribute('aria-label') || '').trim(),
          svgs: f.querySelectorAll('svg').length, marks: marks.length, drawn,
          width: box.width, height: box.height,
          details: !!details,
          rows: details ? details.querySelectorAll('table tbody tr').length : 0};
})"""

LINKS_JS = """links => links.map(a => ({href: a.getAttribute('href'),
  visible: a.checkVisibility(),
  target: !!document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))}))"""


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_report_offline_in_chromium(workbooks, open_report, tmp_path, name):
    run = workbooks.district(DISTRICT)
    path = run.reports[name]
    raw = path.read_text(encoding="utf-8")
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
    assert not re.search(r"<script", raw, re.I)

    opened = open_report(path)
    page = opened.page
    assert page.locator("script").count() == 0

    # title page
    title = page.locator("header.title-page h1").inner_text().strip()
    assert title and title == page.title()
    assert "Salinas Union High" in title
    assert "stakeholder edition" in page.locator("header.title-page").inner_text()

    # charts: drawn SVG, text alternative, data table right after
    figures = page.eval_on_selector_all("figure.wb-chart", FIGURES_JS)
    assert figures, "no charts in the report"
    for fig in figures:
        assert fig["svgs"] == 1, fig
        assert fig["drawn"] >= 1, f"chart {fig['id']} has no drawn marks: {fig}"
        assert fig["width"] > 50 and fig["height"] > 20, fig
        assert fig["label"], f"chart {fig['id']} has no aria-label"
        assert fig["details"] and fig["rows"] >= 1, f"chart {fig['id']} has no data table"

    # contents: one link per section, each to an existing id; no dead visible in-page link
    toc = page.eval_on_selector_all("nav.toc a", LINKS_JS)
    sections = page.locator("main h2").count()
    assert sections >= 4 and len(toc) == sections
    assert all(link["target"] for link in toc), toc
    visible = [a for a in page.eval_on_selector_all('a[href^="#"]', LINKS_JS) if a["visible"]]
    assert all(a["target"] for a in visible), [a for a in visible if not a["target"]]

    # glossary
    assert page.locator("section h2#glossary").count() == 1
    assert page.locator("dl.glossary dt").count() >= len(report.GLOSSARY)

    # no code, no tracebacks, no raw missing values in what people read
    text = page.inner_text("body")
    leaks = [p for p in CODE if re.search(p, text, re.M)]
    assert not leaks, leaks

    shot = artifacts_dir(tmp_path) / f"{DISTRICT}-{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    assert not opened.blocked, f"network requests: {opened.blocked}"
    assert not opened.dialogs and not opened.errors, (opened.dialogs, opened.errors)


@pytest.fixture(scope="module")
def escape_reports(workbooks, tmp_path_factory):
    """Workbooks 02 and 03 of a district whose plan holds HTML-looking text."""
    folder = tmp_path_factory.mktemp("escaping")
    url = workbooks.new_store(folder / "plans.db")
    store = Store(url)
    doc = store.document(ESCAPE_DISTRICT)
    cause, strategy = doc.of(Cause)[0], doc.of(Strategy)[0]
    cause.text = EVIL_CAUSE
    cause.evidence = EVIL_EVIDENCE
    strategy.title = EVIL_TITLE
    store.save_all([cause, strategy], user="escaping test")
    saved = store.document(ESCAPE_DISTRICT)
    assert saved.get(cause.id).text == EVIL_CAUSE
    assert saved.get(strategy.id).title == EVIL_TITLE
    reports = {}
    for name in ("02_root_cause_analysis", "03_strategy_and_measures"):
        params = workbooks.parameters(ESCAPE_DISTRICT, name, "team", folder, database_url=url)
        out = workbooks.execute(name, params, folder / f"{name}.ipynb")
        reports[name] = report.write_report(out, folder / f"{name}.html")
    return reports


@pytest.mark.parametrize(("name", "texts"), [
    ("02_root_cause_analysis", [EVIL_CAUSE, EVIL_EVIDENCE]),
    ("03_strategy_and_measures", [EVIL_TITLE]),
])
def test_user_text_is_shown_as_text(escape_reports, open_report, tmp_path, name, texts):
    path = escape_reports[name]
    raw = path.read_text(encoding="utf-8")
    assert not re.search(r"<script", raw, re.I)
    opened = open_report(path)
    page = opened.page
    body = page.inner_text("body")
    for text in texts:
        assert text in body, f"{text!r} is not shown literally"
    assert page.locator("script").count() == 0
    assert page.locator("img").count() == 0
    assert page.locator("[onerror], [onload]").count() == 0
    assert page.locator("b", has_text="bold").count() == 0
    page.screenshot(path=str(artifacts_dir(tmp_path) / f"escaping-{name}.png"), full_page=True)
    assert not opened.dialogs, opened.dialogs
    assert not opened.errors, opened.errors
    assert not opened.blocked, opened.blocked


def test_network_guard_sees_outside_requests(open_report, tmp_path):
    """The guard the report tests rely on does record (and block) any non-file request."""
    page = tmp_path / "leaky.html"
    page.write_text("<!DOCTYPE html><html><head>"
                    "<link rel='stylesheet' href='https://cdn.example.invalid/style.css'>"
                    "</head><body><img src='http://example.invalid/pixel.png'></body></html>")
    opened = open_report(page)
    assert len(opened.blocked) == 2, opened.blocked
    assert all(not u.startswith("file:") for u in opened.blocked)
