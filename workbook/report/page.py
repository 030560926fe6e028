"""HTML reports for stakeholders from executed workbooks: no code, print-friendly, offline.

nbconvert renders the outputs (inputs excluded); this module wraps them in a page with a
title page, a table of contents built from the headings, print CSS, a glossary (the
catalogue's, with the plan's own terms over it) and, on the page that shows California
School Dashboard colors, fine print naming the cut points not yet verified. Charts
are already SVG (workbook.report.blocks), so a report opened from an email or a shared drive needs
no network at all.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import nbformat

from workbook import catalogue, dashboard, i18n
from workbook.errors import WorkbookError
from workbook.files import write_text
from workbook.i18n import _
from workbook.privacy import thresholds_text
from workbook.report.labels import N_

#: Terms every report explains: the one glossary of `workbook.catalogue`. A plan's own terms
#: replace these by name, ignoring case (see `glossary_terms`).
GLOSSARY: dict[str, str] = catalogue.glossary()

#: A page whose subtitle names this shows Dashboard colors (the needs assessment's page).
DASHBOARD_PAGE = "California School Dashboard"

CSS = """
:root { --ink:#1f2933; --muted:#52606d; --rule:#d9e2ec; --accent:#1f4e79; }
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: var(--ink);
       max-width: 60rem; margin: 0 auto; padding: 1.5rem; line-height: 1.45; }
.title-page { min-height: 25vh; display:flex; flex-direction:column; justify-content:center;
              border-bottom: 3px solid var(--accent); margin-bottom: 2rem; }
.title-page h1 { font-size: 2.2rem; color: var(--accent); margin: 0 0 .5rem; }
.title-page .meta { color: var(--muted); }
.illustrative { background:#fff4ce; border:1px solid #e0b000; padding:.5rem 1rem; }
nav.toc { border:1px solid var(--rule); padding: .5rem 1.5rem; margin-bottom: 2rem; }
nav.toc ol { padding-left: 1.2rem; }
h1, h2, h3 { color: var(--accent); }
h2 { border-bottom: 1px solid var(--rule); padding-bottom: .2rem; margin-top: 2.2rem; }
main, section, .wb-block, .wb-text { min-width: 0; overflow-wrap: anywhere; }
.wb-scroll { max-width: 100%; overflow-x: auto; margin: .5rem 0; }
.wb-scroll:focus { outline: 2px solid var(--accent); outline-offset: 2px; }
.wb-scroll-hint { color: var(--muted); font-size: .8rem; margin: .3rem 0 0; }
table.wb-table { border-collapse: collapse; font-size: .85rem; margin: 0; }
/* a table outside a scroll wrapper (the landing page's) fits by wrapping its cells */
:not(.wb-scroll) > table.wb-table { margin: .5rem 0; max-width: 100%; }
:not(.wb-scroll) > table.wb-table :is(td, th) { overflow-wrap: anywhere; min-width: 0; }
table.wb-table th, table.wb-table td { border: 1px solid var(--rule); padding: .2rem .45rem;
  text-align: left; vertical-align: top; overflow-wrap: normal; }
table.wb-table td { min-width: 4rem; max-width: 28rem; }
table.wb-table th { background: #f0f4f8; }
figure.wb-chart { margin: 1rem 0; } figure.wb-chart svg { max-width: 100%; height: auto; }
@media (max-width: 48rem) {
  body { padding: .8rem; } .title-page h1 { font-size: 1.6rem; }
}
.wb-alt, .wb-caption, .wb-note, .wb-data { color: var(--muted); font-size: .85rem; }
.wb-summary { font-size: 1.1rem; font-weight: bold; border-left: 4px solid var(--accent);
              padding-left: .8rem; }
.wb-warning { color: #8a4b00; }
dl.glossary dt { font-weight: bold; margin-top: .6rem; }
a.anchor-link { display: none; }
.jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, .prompt { display: none; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .title-page { min-height: 90vh; page-break-after: always; }
  nav.toc { page-break-after: always; }
  h2 { page-break-before: always; } h2:first-of-type { page-break-before: avoid; }
  figure, table, details { page-break-inside: avoid; }
  .wb-scroll { overflow: visible; } .wb-scroll-hint { display: none; }
  table.wb-table { width: 100%; table-layout: auto; font-size: 8pt; }
  table.wb-table td, table.wb-table th { min-width: 0; max-width: none;
    overflow-wrap: anywhere; word-break: break-word; }
  details { display: block; } details > summary { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""


_SKIP_TAGS = {"remove-cell", "app-only"}


def _body(nb: nbformat.NotebookNode) -> str:
    """The notebook's narrative and outputs as HTML, inputs left out.

    Rendered here rather than by nbconvert's HTMLExporter, which re-parses every output
    with BeautifulSoup and costs about a second per workbook; our outputs are already
    HTML or SVG. Markdown goes through nbconvert's own mistune filter.
    """
    from nbconvert.filters import markdown2html_mistune

    parts = []
    for cell in nb.cells:
        if _SKIP_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        if cell.cell_type == "markdown":
            parts.append(f'<div class="wb-text">{markdown2html_mistune(cell.source)}</div>')
        elif cell.cell_type == "code":
            parts += [_output(o) for o in cell.get("outputs", [])]
    return "\n".join(p for p in parts if p)


def _output(out: nbformat.NotebookNode) -> str:
    kind = out.get("output_type")
    if kind in ("display_data", "execute_result"):
        data = out.get("data", {})
        for mime in ("text/html", "image/svg+xml"):
            if mime in data:
                value = data[mime]
                return "".join(value) if isinstance(value, list) else value
        if "text/markdown" in data:
            from nbconvert.filters import markdown2html_mistune

            return markdown2html_mistune(data["text/markdown"])
        if "text/plain" in data:
            return f"<pre>{html.escape(data['text/plain'])}</pre>"
    return ""  # streams (warnings, logs) and errors never reach a stakeholder report


def _toc(body: str) -> tuple[str, str]:
    """Give every h2 an id and return (body, table-of-contents html)."""
    entries: list[tuple[str, str]] = []

    def add_id(m: re.Match) -> str:
        inner = m.group(2)
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        anchor = f"sec-{len(entries) + 1}"
        entries.append((anchor, text))
        inner = re.sub(r'href="#[^"]*"', f'href="#{anchor}"', inner)  # its own anchor link
        return f'<h2 id="{anchor}"{m.group(1)}>{inner}</h2>'

    body = re.sub(r"<h2(?: id=\"[^\"]*\")?([^>]*)>(.*?)</h2>", add_id, body, flags=re.S)
    items = "".join(f'<li><a href="#{a}">{html.escape(t)}</a></li>' for a, t in entries)
    contents = html.escape(_("Contents"))
    return body, f'<nav class="toc" aria-label="{contents}"><h2 class="toc-title">{contents}' \
                 f"</h2><ol>{items}</ol></nav>"


_HEADING = re.compile(r"<h([2-4])[^>]*>(.*?)</h\1>", re.S)


def _heading_text(inner: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip().casefold()


def _one_heading(body: str) -> str:
    """Drop a block's heading that repeats the section heading just above it ("At a
    glance" under "At a glance"): a reader sees it once, and the table keeps its name in
    its scroll region's label."""
    out, last, pos = [], "", 0
    for m in _HEADING.finditer(body):
        text = _heading_text(m.group(2))
        between = re.sub(r"<[^>]+>|\s", "", body[pos:m.start()])
        if m.group(1) == "4" and text == last and not between:
            out.append(body[pos:m.start()])
            pos = m.end()
            continue
        out.append(body[pos:m.end()])
        pos = m.end()
        last = text if m.group(1) == "2" else ""
    out.append(body[pos:])
    return "".join(out)


DATA_NOTE = N_("Tables show readable headings, Yes or No, and a dash (—) where there is no value. "
             "The data files linked under each table (data/*.csv) keep the original column "
             "names and values, for analysis.")  # translated where shown


def _failed(nb: nbformat.NotebookNode) -> str | None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out.get('ename')}: {out.get('evalue')}"
    return None


def glossary_terms(own: dict[str, str] | None = None, state: str = "") -> dict[str, str]:
    """The catalogue's glossary (the state's terms, when the page knows its state) with a
    plan's own terms over it, sorted, each term once ignoring case: one rule,
    `catalogue.merge_glossary`."""
    return catalogue.merge_glossary(own, state or None)


def fine_print(subtitle: str) -> str:
    """The footer of a page that shows Dashboard colors: which CDE rows are unverified.

    Why: the colors shown are CDE's own, but workbook recomputes levels with the same cut
    points (to check loaded files, `workbook.dashboard`), and some of those rows come from
    memory of CDE's tables; a reader should see which. Only the needs assessment's page (its
    subtitle names the California School Dashboard) shows Dashboard colors, so only it has
    this footer (naming the rows of its Dashboard year); "" for every other page.
    """
    shown = re.search(rf"{DASHBOARD_PAGE} (\d{{4}})", subtitle)  # the page's Dashboard year
    rows = dashboard.unverified(int(shown.group(1)) if shown else None) \
        if DASHBOARD_PAGE in subtitle else []
    if not rows:
        return ""
    items = "".join(f"<li>{html.escape(row)}</li>" for row in rows)
    return ('\n<footer class="wb-note"><p>The Dashboard colors on this page are the state’s '
            "published ones. Where workbook recomputes Dashboard levels itself (to check a "
            "loaded file), these rows of its cut points and size rules are not yet verified "
            f"against CDE’s published files:</p><ul>{items}</ul></footer>")


@i18n.in_notebook_language
def render(nb: nbformat.NotebookNode, *, title: str, subtitle: str = "",
           audience: str = "team", glossary: dict[str, str] | None = None,
           illustrative: bool = False, state: str = "") -> str:
    """The report page for an executed notebook."""
    error = _failed(nb)
    if error:
        raise WorkbookError(f"the workbook failed, so no report was written: {error}")
    body = re.sub(r"<h1[^>]*>.*?</h1>", "", _body(nb), count=1, flags=re.S)  # on title page
    body, toc = _toc(_one_heading(body))
    # a block's title sits one level under its section (h2), not two
    body = re.sub(r"<(/?)h4([\s>])", r"<\1h3\2", body)
    gloss = "".join(f"<dt>{html.escape(_(k))}</dt><dd>{html.escape(_(v))}</dd>"
                    for k, v in glossary_terms(glossary, state).items())
    privacy = (_("Groups of fewer students than the state reports ({threshold}) are hidden, "
                 "with other cells where needed so they cannot be worked out.")
               .format(threshold=_threshold_words(state))
               if audience == "stakeholder" else
               _("Team edition: small groups are shown as the state published them. Use the "
                 "stakeholder edition for anything shared outside the team."))
    banner = (f'<p class="illustrative"><strong>{html.escape(_("Illustrative sample plan."))}'
              "</strong> " + html.escape(_("The outcome data are the state’s real published "
                                          "results; the plan content is an illustration, not "
                                          "this district’s plan.")) + "</p>"
              ) if illustrative else ""
    when = i18n.format_date(dt.date.today())  # "December 1, 2026", "1 de diciembre de 2026"
    edition = _("stakeholder edition") if audience == "stakeholder" else _("team edition")
    prepared = _("Prepared {date} · {edition}").format(date=when, edition=edition)
    footer = fine_print(subtitle)
    return f"""<!DOCTYPE html>
<html lang="{i18n.language()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title><style>{CSS}</style></head>
<body>
<header class="title-page"><h1>{html.escape(title)}</h1>
<p class="meta">{html.escape(subtitle)}</p>
<p class="meta">{html.escape(prepared)}</p>{banner}
<p class="meta">{html.escape(privacy)}</p></header>
{toc}
<main>{body}
<p class="wb-note wb-data-note">{html.escape(_(DATA_NOTE))}</p></main>
<section aria-labelledby="glossary"><h2 id="glossary">{html.escape(_("Glossary"))}</h2>
<dl class="glossary">{gloss}</dl></section>{footer}
</body></html>
"""


def _threshold_words(state: str) -> str:
    """The page's state's small-group threshold ("Oregon 10"), or every state's."""
    from workbook.privacy import STATE_NAMES, THRESHOLDS

    if state in THRESHOLDS:
        return f"{STATE_NAMES.get(state, state)} {THRESHOLDS[state]}"
    return thresholds_text()


def page_meta(nb: nbformat.NotebookNode) -> dict:
    """What `workbook.report.blocks.page` recorded in the executed notebook's outputs."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("workbook")
            if meta:
                return dict(meta)
    return {}


def write_report(notebook: str | Path, output: str | Path, **kwargs) -> Path:
    """Read an executed notebook and write its report atomically."""
    nb = nbformat.read(str(notebook), as_version=4)
    meta = page_meta(nb)
    kwargs.setdefault("title", meta.get("title", Path(notebook).stem.replace("_", " ")))
    kwargs.setdefault("subtitle", meta.get("subtitle", ""))
    kwargs.setdefault("audience", meta.get("audience", "team"))
    kwargs.setdefault("illustrative", meta.get("illustrative", False))
    kwargs.setdefault("glossary", meta.get("glossary"))
    kwargs.setdefault("state", meta.get("state", ""))
    return write_text(output, render(nb, **kwargs))
