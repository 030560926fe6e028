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
import yaml
from pgserver import CHROMIUM_ARGS, CHROMIUM_SKIP_REASON, chromium_path, require

from workbook.plan.model import Strategy
from workbook.report import page as report
from workbook.rootcause.model import Cause
from workbook.run import batch, regions
from workbook.run.notebooks import NOTEBOOK_DIR
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


# ------------------------------------------------------------------ read as a board would
#: The screens every report must fit: a laptop and a phone.
SCREENS = {"laptop": (1366, 768), "phone": (390, 844)}
#: axe-core's impacts that fail the check (moderate and minor findings are reported only).
BLOCKING = {"serious", "critical"}
#: A table heading that is a machine name ("student_group", "color_name").
CODE_HEADER = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
RAW_VALUES = {"True", "False", "<NA>", "NaN", "nan", "None", "NaT"}

#: Every text element's geometry: outside the viewport (except inside something that
#: scrolls sideways on purpose, a table wrapper), cut (scrollWidth beyond its box), and in
#: each chart, labels and titles cut short ("…") or drawn outside the drawing.
GEOMETRY_JS = r"""() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = el => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if ((o === 'auto' || o === 'scroll') && a.scrollWidth > a.clientWidth) return a;
    }
    return null;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "'
    + el.textContent.trim().slice(0, 50) + '"';
  const out = {pageWidth: document.documentElement.scrollWidth, viewport: vw,
               outside: [], clipped: [], cut: [], unreachable: []};
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') || !el.checkVisibility()) continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = el.getBoundingClientRect();
    const wrapper = scrolls(el);
    if (!wrapper && (r.right > vw + 1 || r.left < -1)) out.outside.push(name(el));
    const cs = getComputedStyle(el);
    if (!wrapper && cs.display !== 'inline' && el.scrollWidth > el.clientWidth + 1)
      out.clipped.push(name(el) + ` ${el.scrollWidth}>${el.clientWidth}`);
    if (wrapper && wrapper.tabIndex < 0 && !wrapper.matches('table'))
      out.unreachable.push(name(wrapper));
  }
  out.hintless = [...document.querySelectorAll('.wb-scroll')]
    .filter(w => w.checkVisibility() && w.scrollWidth > w.clientWidth + 1)
    .filter(w => !(w.previousElementSibling && w.previousElementSibling.matches(
      '.wb-scroll-hint') && w.previousElementSibling.checkVisibility()))
    .map(w => w.getAttribute('aria-label'));
  const labels = 'g[class*="role-axis"] text, g[class*="role-legend"] text, '
    + 'g[class*="role-title"] text, g[class*="header"] text';
  for (const svg of document.querySelectorAll('figure svg')) {
    const fig = svg.closest('figure').id;
    const box = svg.getBoundingClientRect();
    if (box.right > vw + 1 || box.left < -1) out.outside.push('chart ' + fig);
    for (const t of svg.querySelectorAll(labels))
      if (t.textContent.trim().endsWith('…')) out.cut.push(`${fig}: "${t.textContent}"`);
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
          || r.bottom > box.bottom + 1)
        out.cut.push(`${fig}: "${t.textContent.slice(0, 50)}" outside the drawing`);
    }
  }
  return out;
}"""


def _manifest(folder: Path) -> Path:
    """The sample region's sources for one district: its district workbooks (every one
    under notebooks/, the annual story too when it exists) and the network view."""
    sample = yaml.safe_load(regions.manifest_path("sample").read_text(encoding="utf-8"))
    sample.update(name="board", title="Board reading (sample)", districts=[DISTRICT],
                  languages=["en", "es"])
    path = folder / "board.yaml"
    path.write_text(yaml.safe_dump(sample), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def board_pages(workbooks, tmp_path_factory) -> dict[str, Path]:
    """One district's reports, the region's landing page and network view, as `workbook
    run` writes them (a run of one whole region, so the network view is written too)."""
    folder = tmp_path_factory.mktemp("board")
    with workbooks.env():
        result = batch.run(str(_manifest(folder)), workers=1, out_root=folder / "out",
                           database_url=workbooks.database_url)
    failed = [o for o in result.outcomes if o.status == "failed"]
    assert not failed, failed
    region = folder / "out" / "board"
    pages = {p.stem: p for p in sorted((region / DISTRICT).glob("0*.html"))}  # en and es
    pages["index"] = region / "index.html"
    pages["network"] = region / "network.html"
    return pages


def _board_cases() -> list[str]:
    names = [n for n in NOTEBOOK_PARAMS if (NOTEBOOK_DIR / f"{n}.ipynb").is_file()]
    return [*names, *(f"{n}.es" for n in names), "index", "network"]  # Spanish editions too


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("name", _board_cases())
def test_a_board_member_can_read_every_report(board_pages, browser, tmp_path, name, screen):
    """Every report at 1366 and 390 px, offline: no serious or critical axe-core finding
    (contrast included), nothing outside the screen or cut short, human headings, no raw
    True/False/NA, one "At a glance" and one glossary."""
    _read_as_board(browser, board_pages[name], name, SCREENS[screen], tmp_path)


def _read_as_board(browser, path: Path, name: str, screen: tuple[int, int], tmp_path: Path,
                   *, codes: frozenset[str] = frozenset()) -> None:
    """The board reader's checks on one report; `codes` are raw codes (student groups)
    that must not stand alone in a cell."""
    from axe_playwright_python.sync_playwright import Axe

    assert path.is_file(), f"{name}: not written"
    width, height = screen
    ctx = browser.new_context(viewport={"width": width, "height": height})
    blocked: list[str] = []
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
              else (blocked.append(r.request.url), r.abort()))
    try:
        page = ctx.new_page()
        page.goto(path.resolve().as_uri(), wait_until="load")
        found = Axe().run(page).response["violations"]
        serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                   for v in found if v["impact"] in BLOCKING]
        assert not serious, f"{name} at {width}px: {serious}"

        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        geometry = page.evaluate(GEOMETRY_JS)  # the data behind each chart opened too
        assert geometry["pageWidth"] <= geometry["viewport"], (name, width, geometry)
        for problem in ("outside", "clipped", "cut", "unreachable", "hintless"):
            assert not geometry[problem], f"{name} at {width}px, {problem}: " \
                                          f"{geometry[problem][:5]}"

        heads = [h.strip() for h in page.locator("table th").all_inner_texts()]
        assert not [h for h in heads if CODE_HEADER.match(h)], heads
        from workbook.data.model import INDICATORS

        assert not set(heads) & set(INDICATORS), heads  # "CHRO", "GRAD4": names instead
        cells = {c.strip() for c in page.locator("table td").all_inner_texts()}
        assert not cells & RAW_VALUES, sorted(cells & RAW_VALUES)
        assert not cells & codes, sorted(cells & codes)  # "NEVEREL": its name instead
        headings = [h.strip() for h in page.locator("h1, h2, h3, h4").all_inner_texts()]
        assert headings.count("At a glance") <= 1, headings
        if not name.startswith(("index", "network")):  # (the Spanish glossary: "Glosario")
            assert page.locator("h2#glossary").count() == 1
            for fig in page.locator("figure.wb-chart").all():
                assert fig.get_attribute("role") == "img"
                assert len(fig.get_attribute("aria-label") or "") > 20
        page.screenshot(path=str(artifacts_dir(tmp_path) / f"board-{name}-{width}.png"),
                        full_page=True)
        assert not blocked, blocked
    finally:
        ctx.close()


#: Two Oregon districts of the sample ESD: Corvallis (full data) and Alsea (small, heavily
#: suppressed: its completer-rate gaps chart has every value hidden).
OREGON = ["1901", "1899"]


@pytest.fixture(scope="module")
def oregon_pages(tmp_path_factory) -> dict[str, Path]:
    """The Oregon sample region's reports for two districts, both languages, with their
    illustrative plans, the landing page and the network view, as `workbook run` writes
    them."""
    import datetime as dt

    from workbook import data
    from workbook.samples import oregon as or_plans

    folder = tmp_path_factory.mktemp("oregon-board")
    sample = yaml.safe_load(regions.manifest_path("oregon-lbl").read_text(encoding="utf-8"))
    sample["districts"] = {**sample["districts"], "members": OREGON}
    sample.update(name="or-board", sources=[{"path": str(data.SAMPLE_DIR / "or_ode")}])
    manifest = folder / "or-board.yaml"
    manifest.write_text(yaml.safe_dump(sample), encoding="utf-8")
    url = f"sqlite:///{folder / 'plans.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBOOK_CACHE_DIR", str(folder / "cache"))
        region = regions.load(str(manifest))
        outcomes = data.load_outcomes(region.source_paths())
        store = Store(url)
        assert or_plans.load_into(store, outcomes, OREGON, start=dt.date(2022, 8, 1),
                                  esd=sample["districts"]["esd"]) == len(OREGON)
        store.engine.dispose()
        result = batch.run(str(manifest), workers=1, out_root=folder / "out",
                           database_url=url)
    failed = [o for o in result.outcomes if o.status == "failed"]
    assert not failed, failed
    out = folder / "out" / "or-board"
    pages = {f"{d}/{p.stem}": p for d in OREGON for p in sorted((out / d).glob("0*.html"))}
    pages["index"], pages["network"] = out / "index.html", out / "network.html"
    return pages


def _oregon_cases() -> list[str]:
    names = [n for n in NOTEBOOK_PARAMS if (NOTEBOOK_DIR / f"{n}.ipynb").is_file()]
    return [*(f"{d}/{n}{lang}" for d in OREGON for n in names for lang in ("", ".es")),
            "index", "network"]


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("name", _oregon_cases())
def test_a_board_member_can_read_every_oregon_report(oregon_pages, browser, tmp_path, name,
                                                     screen):
    """The same checks on an Oregon region's reports (no colors; ODE's group codes such as
    NEVEREL and CTEP named, not printed raw)."""
    from workbook.data.oregon import COHORT_GROUPS

    codes = frozenset(v for v in COHORT_GROUPS.values() if len(v) > 2) - {"ALL"}
    _read_as_board(browser, oregon_pages[name], name.replace("/", "-"), SCREENS[screen],
                   tmp_path, codes=codes)
    if name == "network":
        text = oregon_pages[name].read_text(encoding="utf-8")
        assert "state's colors" not in text and "Dashboard color" not in text


def test_the_geometry_check_sees_a_clipped_label_and_a_wide_page(browser, tmp_path):
    """The checks above do catch what they look for: a cut legend, a label cut short, a
    page wider than the screen, and a serious axe finding (text without contrast)."""
    from axe_playwright_python.sync_playwright import Axe

    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html lang='en'><head><title>Bad</title></head><body><main>"
        "<p style='width:900px'>A paragraph wider than a phone</p>"
        "<p style='width:60px;overflow:hidden;white-space:nowrap'>Dashboard color</p>"
        "<p style='color:#eee;background:#fff'>Hard to read</p>"
        "<figure id='f'><svg width='100' height='40'><g class='role-legend-title'>"
        "<text x='60' y='20'>Dashboard colc…</text></g></svg></figure></main></body></html>")
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = ctx.new_page()
        page.goto(bad.as_uri())
        geometry = page.evaluate(GEOMETRY_JS)
        assert geometry["pageWidth"] > geometry["viewport"]
        assert any("wider than a phone" in o for o in geometry["outside"])
        assert any("Dashboard color" in c for c in geometry["clipped"])
        assert any("Dashboard colc…" in c for c in geometry["cut"])
        found = {v["id"]: v["impact"] for v in Axe().run(page).response["violations"]}
        assert found.get("color-contrast") in BLOCKING, found
    finally:
        ctx.close()


PRINTED_JS = """() => [...document.querySelectorAll('table')].map(t => {
  const r = t.getBoundingClientRect();
  return {right: r.right, width: document.documentElement.clientWidth,
          label: (t.closest('[aria-label]') || t).getAttribute('aria-label')};
}).filter(t => t.right > t.width + 1)"""


@pytest.mark.parametrize("name", ["01_needs_assessment", "04_quarterly_report"])
def test_printed_tables_stay_within_the_page(board_pages, browser, name):
    """In print, a table that scrolls on screen is laid out within the page's width (an A4
    page's printable width at 96 px per inch, about 700 px), never cut off at the right."""
    ctx = browser.new_context(viewport={"width": 700, "height": 1000})
    try:
        page = ctx.new_page()
        page.emulate_media(media="print")
        page.goto(board_pages[name].resolve().as_uri(), wait_until="load")
        assert page.locator("table").count() > 0
        wide = page.evaluate(PRINTED_JS)
        assert not wide, wide[:5]
        assert page.evaluate("document.documentElement.scrollWidth") <= 700
    finally:
        ctx.close()
