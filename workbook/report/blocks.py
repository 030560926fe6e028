"""What the workbooks show: tables, charts and text, the same in JupyterLab, Voila and reports.

Every table and chart goes through here so that three rules hold everywhere:

* stakeholder mode applies small-n suppression (workbook.privacy) to every student count
  before anything is shown, and the CSV written next to the report is suppressed exactly
  as shown; every table then passes `privacy.audit`, alone and with the report's earlier
  tables (a cell an earlier table hid stays hidden), or it is refused with an error;
* charts are drawn to SVG in-process (vl-convert), so they render with no network, and
  each one carries a text alternative and its data table;
* text people typed (causes, strategies, comments) is escaped, never run as HTML.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import altair as alt
import pandas as pd

from workbook import privacy
from workbook.errors import WorkbookError
from workbook.files import write_csv, write_text
from workbook.i18n import _
from workbook.report import labels

Audience = Literal["team", "stakeholder"]


@dataclass
class Settings:
    audience: Audience = "team"
    state: str = "CA"
    data_dir: Path | None = None  # where data/*.csv go; None = nowhere

    @property
    def threshold(self) -> int:
        return privacy.threshold_for(self.state)


_settings = Settings()
_published: list[privacy.Table] = []  # this report's stakeholder tables so far


def configure(audience: Audience = "team", state: str = "CA",
              data_dir: str | Path | None = None) -> Settings:
    """Set the audience and where the data behind tables and charts is written."""
    global _settings
    _settings = Settings(audience, state, Path(data_dir) if data_dir else None)
    _published.clear()
    _regions.clear()
    if _settings.data_dir:
        _settings.data_dir.mkdir(parents=True, exist_ok=True)
    return _settings


def settings() -> Settings:
    return _settings


def _display(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def esc(text: object) -> str:
    """User text as safe HTML, quotes included (every name, cause or comment passes here)."""
    return html.escape("" if text is None else str(text), quote=True)


DEFAULT_KEYS = ("org_id", "indicator", "year", "grade")


def prepare(frame: pd.DataFrame, *, value_cols: Sequence[str] = (),
            key_cols: Sequence[str] = DEFAULT_KEYS, audience: Audience | None = None,
            state: str | None = None, name: str = "table",
            earlier: Sequence[privacy.Table] = ()) -> pd.DataFrame:
    """The frame as the audience may see it (suppressed and audited for stakeholders).

    A frame with an `n` column is suppressed on `n` and `value_cols`, with complementary
    suppression over every additive relation among its student groups (`privacy.FAMILIES`)
    within `key_cols`, when a `student_group` column exists. Cells that the `earlier` tables
    of the same report hid are hidden too. The result must pass `privacy.audit` together with
    `earlier`, else WorkbookError names the table (`name`) and the cell a reader could work
    out. `audience` and `state` default to the configured ones (`configure`).
    """
    audience = audience or _settings.audience
    if audience != "stakeholder" or "n" not in frame.columns:
        return frame
    threshold = privacy.threshold_for(state) if state else _settings.threshold
    families = privacy.FAMILIES if "student_group" in frame.columns else ()
    keys = [c for c in key_cols if c in frame.columns]
    hide = privacy.hidden_in(frame, earlier, key_cols=keys) if earlier else None
    shown = privacy.suppress(frame, threshold=threshold, n_col="n",
                             value_cols=[c for c in value_cols if c in frame.columns],
                             families=families, key_cols=keys, also_hide=hide, earlier=earlier)
    findings = privacy.audit([*earlier, privacy.Table(name, shown, keys)])
    if findings:
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise WorkbookError(
            f"refusing to show table '{name}' to stakeholders: {findings[0]}{more}. Nothing was "
            "shown; suppress the full table before filtering it, or show the cells together.")
    return shown


def hold(frame: pd.DataFrame, name: str, value_cols: Sequence[str],
         key_cols: Sequence[str]) -> None:
    """A table another report of the district shows, prepared here as that report prepares
    it but not shown: this report's later tables hide what it hides, so the two reports
    cannot be read together to work out a hidden cell (the region's audit reads them
    together). Nothing for the team edition."""
    if _settings.audience == "stakeholder":
        _publish(frame, name, value_cols, key_cols)


def _publish(frame: pd.DataFrame, name: str, value_cols: Sequence[str],
             key_cols: Sequence[str]) -> pd.DataFrame:
    """`prepare` for a table or chart of this report, audited with the ones before it."""
    shown = prepare(frame, value_cols=value_cols, key_cols=key_cols, name=name,
                    earlier=_published)
    if _settings.audience == "stakeholder" and "n" in shown.columns:
        _published.append(privacy.Table(name, shown, [c for c in key_cols if c in shown]))
    return shown


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "table"


TABLES_FILE = "tables.json"
"""Beside the CSVs: each table's key columns, so the batch can audit what a region publishes
across reports (`workbook.report.region`) reading the cells exactly as `prepare` did."""


def _save(frame: pd.DataFrame, name: str, key_cols: Sequence[str] = ()) -> str:
    """Write the CSV (and its key columns in `TABLES_FILE`); link it relative to the report,
    which sits above the `data` folder."""
    folder = _settings.data_dir
    if folder is None:
        return ""
    path = folder / f"{name}.csv"
    write_csv(frame, path)
    index = folder / TABLES_FILE
    try:
        known = json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}
    except ValueError:
        known = {}
    known[name] = {"key_cols": [c for c in key_cols if c in frame.columns]}
    write_text(index, json.dumps(known, indent=1, sort_keys=True))
    report_dir = folder.parent.parent if folder.parent.name == "data" else folder.parent
    href = path.relative_to(report_dir).as_posix()
    return (f'<p class="wb-data">{esc(_("Data"))}: <a href="{esc(href)}">{esc(href)}</a></p>')


_regions: dict[str, int] = {}  # the scroll regions' names so far on this page


def _region_name(name: str) -> str:
    """A scroll region's name, numbered when the page already has one so named (three
    "5 Whys" tables): landmarks a screen reader lists must be told apart."""
    _regions[name] = _regions.get(name, 0) + 1
    return name if _regions[name] == 1 else f"{name} {_regions[name]}"


_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _plain(text: object) -> bool:
    """A string pandas writes into a table cell as it is, but for &, < and >: no control
    characters (pandas writes a tab as \\t), no spaces at either end (pandas strips them)."""
    return (type(text) is str and text == text.strip()
            and not any(c < " " or c == "\x7f" for c in text))


def _html_table(people: pd.DataFrame) -> str | None:
    """`people.to_html(index=False, escape=True, border=0, classes="wb-table")`, byte for
    byte, written directly (pandas' formatter is most of a table's cost in a statewide
    run). Only for a table of plain strings with at least one row (`for_people` makes
    every cell a string); None otherwise, and the caller asks pandas."""
    headings = list(people.columns)
    if people.empty or not headings or not all(_plain(h) for h in headings):
        return None
    rows = people.to_numpy(dtype=object).tolist()
    if not all(_plain(v) for row in rows for v in row):
        return None
    cell = "      <{tag}>{text}</{tag}>\n"
    out = ['<table class="dataframe wb-table">\n  <thead>\n    <tr style="text-align: right;">\n']
    out += [cell.format(tag="th", text=h.translate(_HTML_ESCAPES)) for h in headings]
    out.append("    </tr>\n  </thead>\n  <tbody>\n")
    for row in rows:
        out.append("    <tr>\n")
        out += [cell.format(tag="td", text=v.translate(_HTML_ESCAPES)) for v in row]
        out.append("    </tr>\n")
    out.append("  </tbody>\n</table>")
    return "".join(out)


def _table_html(frame: pd.DataFrame, max_rows: int = 200, title: str = "") -> str:
    """The table as people read it (`labels.for_people`: human headings, Yes/No, dashes),
    in a wrapper that scrolls sideways on a narrow screen instead of widening the page."""
    people = labels.for_people(frame.head(max_rows))
    body = _html_table(people)
    if body is None:
        body = people.to_html(index=False, escape=True, border=0, classes="wb-table")
    name = esc(_region_name(_("{title} (table)").format(title=title) if title else _("Table")))
    # a page has no script to tell which tables are wider than the screen, so every table
    # of more than two columns says it (two columns wrap to fit any screen)
    scroll = _("Scroll sideways if the table is wider than the screen.")
    hint = (f"<p class='wb-scroll-hint' aria-hidden='true'>{esc(scroll)}</p>"
            if len(people.columns) > 2 else "")
    dashes = bool((people == labels.DASH).to_numpy().any()) if len(people) else False
    notes = [_("— no value: not reported by the state, hidden to protect small groups, or "
               "not applicable.")] if dashes else []
    if len(frame) > max_rows:
        notes.append(_("Showing {shown} of {total} rows; all rows are in the data file.")
                     .format(shown=max_rows, total=len(frame)))
    more = "".join(f"<p class='wb-note'>{esc(n)}</p>" for n in notes)
    return (f"{hint}<div class='wb-scroll' role='region' tabindex='0' aria-label='{name}'>"
            f"{body}</div>{more}")


def table(frame: pd.DataFrame, title: str, *, name: str | None = None,
          value_cols: Sequence[str] = (), key_cols: Sequence[str] = DEFAULT_KEYS,
          caption: str = "") -> None:
    """Show a table (suppressed for stakeholders) and write its CSV."""
    name = name or _slug(title)
    shown = _publish(frame, name, value_cols, key_cols)
    link = _save(shown, name, key_cols)
    cap = f"<p class='wb-caption'>{esc(caption)}</p>" if caption else ""
    empty = f"<p class='wb-empty'>{esc(_('Nothing to show yet.'))}</p>" if shown.empty else ""
    _display(f"<section class='wb-block' id='tbl-{esc(name)}'><h4>{esc(title)}</h4>{cap}"
             f"{empty or _table_html(shown, title=title)}{link}</section>")


def svg(chart: alt.TopLevelMixin) -> str:
    """An altair chart drawn to SVG in this process: no JavaScript, no network."""
    import vl_convert as vlc

    start_chart_engine()
    # our chart builders are tested; skipping altair's schema validation halves the cost
    spec = readable(chart.to_dict(validate=False))
    return _hide_internals(_stable_ids(vlc.vegalite_to_svg(spec), spec))


_engine_started = False
_engine_lock = threading.Lock()  # one thread sets FONTCONFIG_FILE and puts it back


def start_chart_engine() -> None:
    """Start vl-convert in this process with its own fonts only, once, before it draws.

    vl-convert reads the system's fonts the first time it measures text, and keeps them for
    the life of the process. A system font of the same name as the one it carries (Debian's
    fonts-liberation, which Chromium and LibreOffice bring) would be measured instead: a
    drawing would then depend on the machine, and take 2 to 3 times as long, because a
    system font is re-opened from its file for every glyph. So the first measurement runs
    with FONTCONFIG_FILE naming a font configuration of one empty folder, and the variable
    is put back as it was. Where vl-convert does not read fontconfig (Windows, macOS) there is
    no Liberation Sans to shadow it unless someone installed one. A process that drew a chart
    before this ran keeps what vl-convert loaded then."""
    if _engine_started:
        return
    with _engine_lock:
        if not _engine_started:
            _start_chart_engine()


def _start_chart_engine() -> None:
    global _engine_started
    import vl_convert as vlc

    folder = tempfile.mkdtemp(prefix="workbook-fonts-")
    conf = Path(folder) / "fonts.conf"
    empty = Path(folder) / "none"
    empty.mkdir()
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    f"<fontconfig><dir>{html.escape(str(empty))}</dir></fontconfig>\n",
                    encoding="utf-8")
    before = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(conf)
    try:  # a title is measured, so this loads the fonts
        vlc.vegalite_to_svg({"mark": "point", "title": "workbook", "data": {"values": [{}]},
                             "config": {"font": FONT}})
    finally:
        if before is None:
            os.environ.pop("FONTCONFIG_FILE", None)
        else:
            os.environ["FONTCONFIG_FILE"] = before
        shutil.rmtree(folder, ignore_errors=True)
    _engine_started = True


def _hide_internals(drawing: str) -> str:
    """The drawing's own ARIA tree hidden: the figure around it is one image whose name
    says what it shows (`chart`), and Vega's mark containers are not read well (an empty
    one, a chart whose every value is suppressed, is a nameless graphics-symbol)."""
    return drawing.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1) \
        if drawing.startswith("<svg ") else drawing


#: The charts' font, and the report page's (report.page's CSS). Liberation Sans is carried
#: inside vl-convert, so every machine measures the labels with the same font and draws the
#: same chart, whatever fonts it has installed; it has the widths of Arial and Helvetica,
#: which readers' Windows and Mac computers have, so the text fits the room measured for
#: it. A font vl-convert finds on the system instead (DejaVu Sans, until 2026-12) is
#: re-opened from its file for every glyph it measures: 2 to 3 times the drawing time
#: (a chart of 24 labels: 141 ms with DejaVu Sans, 20 ms with Liberation Sans).
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"

#: Vega-Lite settings every report chart gets unless it sets its own: no label or title cut
#: short ("Dashboard colc"), text large enough to read when the drawing shrinks to a phone.
READABLE_CONFIG: dict[str, object] = {
    # measured by vl-convert with the font the page is read in (report.page's CSS), so the
    # drawing is as wide as its text
    "font": FONT,
    "axis": {"labelLimit": 0, "titleLimit": 0, "labelFontSize": 11, "titleFontSize": 12},
    "legend": {"labelLimit": 0, "titleLimit": 0, "labelFontSize": 11, "titleFontSize": 12},
    "header": {"labelLimit": 0, "titleLimit": 0},
    "title": {"limit": 0, "fontSize": 14},
}

#: A chart title longer than this is wrapped onto several lines instead of cut.
TITLE_CHARS = 60


#: Settings that cut text short ("Dashboard colc…"): no chart keeps them.
_LIMITS = ("labelLimit", "titleLimit", "limit")


def readable(spec: dict) -> dict:
    """The chart's spec with `READABLE_CONFIG` under its own settings, every label limit
    lifted (a label is drawn whole, the drawing grows and the page scales it to its
    column) and its titles wrapped (Vega draws a title on one line, so a long one runs out
    of the drawing)."""
    config = spec.setdefault("config", {})
    for part, defaults in READABLE_CONFIG.items():
        if isinstance(defaults, dict):
            config[part] = {**defaults, **config.get(part, {})}
        else:
            config.setdefault(part, defaults)
    _lift_limits(spec)
    _wrap_titles(spec)
    return spec


def _lift_limits(node: object) -> None:
    if isinstance(node, dict):
        for key in _LIMITS:
            if isinstance(node.get(key), int | float) and node[key]:
                node[key] = 0
        for key, value in node.items():
            if key not in ("data", "datasets"):
                _lift_limits(value)
    elif isinstance(node, list):
        for value in node:
            _lift_limits(value)


def _wrap_titles(node: object) -> None:
    if isinstance(node, dict):
        title = node.get("title")
        if isinstance(title, str) and len(title) > TITLE_CHARS:
            node["title"] = _wrap(title)
        elif isinstance(title, dict):
            for key in ("text", "subtitle"):
                if isinstance(title.get(key), str) and len(title[key]) > TITLE_CHARS:
                    title[key] = _wrap(title[key])
                elif isinstance(title.get(key), list):
                    title[key] = [ln for t in title[key] for ln in
                                  (_wrap(t) if isinstance(t, str) else [t])]
        for key, value in node.items():
            if key not in ("title", "data", "datasets"):
                _wrap_titles(value)
    elif isinstance(node, list):
        for value in node:
            _wrap_titles(value)


def _wrap(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, TITLE_CHARS) or [text]


_REF = re.compile(r'(id="|url\(#|href="#)([^"\)]+)')


def _stable_ids(drawing: str, spec: dict) -> str:
    """Rename the SVG's internal ids (gradients, clip paths) after the chart's content.

    vl-convert numbers them with a per-process counter, so the same chart drawn in another
    process would differ, and two charts on one page drawn by fresh processes would both
    define `gradient_1`. Ids derived from the spec are stable and unique per chart.
    """
    ids = list(dict.fromkeys(re.findall(r'id="([^"]+)"', drawing)))
    if not ids:
        return drawing
    import hashlib

    tag = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:8]
    new = {old: f"c{tag}-{i}" for i, old in enumerate(ids)}
    return _REF.sub(lambda m: m.group(1) + new.get(m.group(2), m.group(2)), drawing)


def chart(frame: pd.DataFrame, build: Callable[[pd.DataFrame], alt.TopLevelMixin], title: str,
          *, alt_text: str | Callable[[pd.DataFrame], str], name: str | None = None,
          value_cols: Sequence[str] = (), key_cols: Sequence[str] = DEFAULT_KEYS) -> None:
    """Show a chart built from `frame` (suppressed first for stakeholders), with its data.

    `alt_text` describes what the chart shows for screen readers and for people who
    cannot see it; the data table follows in a collapsible section and as CSV. A text
    that quotes figures must be a function of the frame as shown, so it is computed
    after suppression and never names a hidden group's result.
    """
    name = name or _slug(title)
    shown = _publish(frame, name, value_cols, key_cols)
    if callable(alt_text):
        alt_text = alt_text(shown)
    link = _save(shown, name, key_cols)
    if shown.empty:
        _display(f"<section class='wb-block'><h4>{esc(title)}</h4>"
                 f"<p class='wb-empty'>{esc(_('Nothing to chart yet.'))}</p></section>")
        return
    drawing = svg(build(shown))
    # the figure is one image to assistive technology: its name says what it shows and
    # where the numbers are; the caption stays visible for everyone
    summary = alt_text.strip()
    summary += "" if summary.endswith((".", "!", "?")) else "."
    spoken = _("{title}. {summary} The data are in the table after the chart.").format(
        title=title, summary=summary)
    data_title = _("Data behind “{title}”").format(title=title)
    _display(
        f"<figure class='wb-chart' id='fig-{esc(name)}' role='img' aria-label='{esc(spoken)}'>"
        f"<figcaption><strong>{esc(title)}</strong><br><span class='wb-alt'>{esc(alt_text)}"
        f"</span></figcaption>{drawing}</figure>"
        f"<details class='wb-details'><summary>{esc(data_title)}</summary>"
        f"{_table_html(shown, title=data_title)}</details>{link}")


def note(text: str, *, kind: Literal["info", "warning", "summary"] = "info") -> None:
    """A short escaped paragraph (for summaries and messages built from user text)."""
    _display(f"<p class='wb-{kind}'>{esc(text)}</p>")


def items(title: str, entries: Sequence[str]) -> None:
    """An escaped bulleted list."""
    body = "".join(f"<li>{esc(e)}</li>" for e in entries) or f"<li>{esc(_('None yet.'))}</li>"
    _display(f"<section class='wb-block'><h4>{esc(title)}</h4><ul>{body}</ul></section>")


def page(title: str, *, subtitle: str = "", illustrative: bool = False,
         glossary: dict[str, str] | None = None) -> None:
    """Tell the report builder the page title, subtitle and glossary (shows a header)."""
    from IPython.display import HTML, display

    meta = {"title": title, "subtitle": subtitle, "illustrative": illustrative,
            "audience": _settings.audience, "glossary": glossary or {},
            "state": _settings.state}
    sample = _("Illustrative sample plan: the outcome data are real, the plan content is an "
               "illustration.")
    banner = f"<p class='wb-warning'>{esc(sample)}</p>" if illustrative else ""
    display(HTML(f"<p class='wb-caption'>{esc(subtitle)}</p>{banner}"),
            metadata={"workbook": meta})
