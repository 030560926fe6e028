"""The few lines of CSS and JavaScript every app page carries.

The kernel never runs JavaScript in the browser. It only sets plain markers on widgets,
and one script (template/workbook_page.js, in the page's <head>) acts on them:

* `.wb-url-state [data-query]`: the app's choices (district, indicator, ...) are copied
  into the address bar with `history.replaceState`, so the link can be shared;
* `.wb-dirty` on the app: leaving the page asks first. Voila's own `beforeunload` handler
  disposes the kernel connection at once (even if the user then stays), so ours is
  registered first (the template puts the script in <head>) and, while there are unsaved
  edits, stops it; the kernel is shut down on `pagehide` instead, only if the page goes;
* `.wb-user input`: the name a person types is remembered in this browser
  (localStorage) and filled in on the next visit, so they give it once;
* every text box gets a `maxlength` far above any field's limit, so a 10 MB paste arrives
  as a long text the kernel refuses with a message, never as a message too big for the
  websocket.
"""

from __future__ import annotations

from pathlib import Path

#: Longest text the browser will send from one box; fields refuse much less (20,000).
BROWSER_MAX_CHARS = 200_000

CSS = """
<style>
.wb-app{max-width:1180px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.wb-topbar{background:#1f4e79;color:#fff;padding:.5rem 1rem;border-radius:6px}
.wb-topbar a{color:#fff;margin-right:1rem;text-decoration:none}
.wb-topbar a.wb-here{font-weight:700;text-decoration:underline}
.wb-topbar .wb-home{font-weight:700;margin-right:1.5rem}
.wb-msg-ok{background:#e3f4e8;border-left:4px solid #2f855a;padding:.4rem .8rem}
.wb-msg-info{background:#eef4fb;border-left:4px solid #1f4e79;padding:.4rem .8rem}
.wb-msg-error{background:#fdecea;border-left:4px solid #c53030;padding:.4rem .8rem}
.wb-msg-conflict{background:#fff7e0;border-left:4px solid #b7791f;padding:.4rem .8rem}
.wb-field-error{color:#c53030;font-size:.9em;min-height:0}
.wb-dirty-badge{color:#b7791f;font-weight:600}
.wb-chart svg{max-width:100%;height:auto}
.wb-chart figcaption{color:#52606d;font-size:.9em}
.wb-side{background:#f7f9fb;border:1px solid #d9e2ec;border-radius:6px;padding:.5rem .8rem}
.wb-side li{margin-bottom:.35rem}
.wb-card{border:1px solid #d9e2ec;border-radius:6px;padding:.4rem .6rem;margin:.3rem 0}
.wb-flags{color:#b7791f;font-size:.85em}
.wb-comment-open{border-left:4px solid #b7791f;padding-left:.5rem;margin:.3rem 0}
.wb-comment-resolved{border-left:4px solid #2f855a;padding-left:.5rem;margin:.3rem 0;
color:#52606d}
table.wb-table{border-collapse:collapse;font-size:.9em}
table.wb-table td,table.wb-table th{border:1px solid #d9e2ec;padding:.2rem .5rem;
vertical-align:top;text-align:left}
</style>
"""

#: The Voila template the server uses (workbook.apps.serve puts it first on the template path).
TEMPLATE_DIR = Path(__file__).resolve().parent / "template"


def script() -> str:
    """The page script (one file, also inlined in the template's <head>)."""
    return (TEMPLATE_DIR / "workbook_page.js").read_text(encoding="utf-8")


def setup_html() -> str:
    """The CSS, and the script again for servers without our template (it runs once).

    Under `workbook serve` the template has already run the script in the page's
    <head>, before Voila's own handlers; only there can it keep Voila from closing the
    kernel connection while the user decides whether to leave with unsaved edits.
    """
    return f"{CSS}<script>{script()}</script>"
