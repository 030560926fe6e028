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
  (localStorage) from the first key (a listener on the document, there before the box is
  drawn) and filled into an empty box on the next visit, or when the box is drawn again,
  so they give it once; emptying the box empties what is remembered;
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
/* any screen: nothing wider than the window, no label cut short */
.wb-app{box-sizing:border-box;width:100%}
.wb-app *{box-sizing:border-box}
.wb-app .widget-inline-hbox,.wb-app .widget-text,.wb-app .widget-dropdown,
.wb-app .widget-textarea,.wb-app .widget-datepicker,.wb-app .widget-html,
.wb-app .widget-box{max-width:100%}
.wb-app .widget-inline-hbox .widget-label{width:auto!important;max-width:none;
min-width:max-content;overflow:visible;text-overflow:clip;padding-right:.4em}
.wb-app .widget-inline-hbox{height:auto;min-height:var(--jp-widgets-inline-height,28px);
max-width:calc(100% - 4px)}
.wb-app .widget-dropdown>select,.wb-app .widget-text>input{flex:1 1 8rem;min-width:8rem}
.wb-app button.jupyter-button{width:auto!important;min-width:max-content;max-width:100%;
height:auto;min-height:var(--jp-widgets-inline-height,28px);white-space:normal;
line-height:1.25;padding:.25em .8em}
.wb-app .widget-toggle-buttons{flex-wrap:wrap}
.wb-app .widget-toggle-buttons .widget-toggle-button{width:auto;min-width:max-content}
.wb-topbar{display:flex;flex-wrap:wrap;gap:.2rem 1rem}
.wb-topbar a{margin-right:0}
.wb-app .widget-tab>.lm-TabBar,.wb-app .widget-tab>.p-TabBar{overflow:visible}
.wb-app .widget-tab .lm-TabBar-content,.wb-app .widget-tab .p-TabBar-content{flex-wrap:wrap}
.wb-app .widget-tab .lm-TabBar-tab,.wb-app .widget-tab .p-TabBar-tab{flex:0 0 auto!important;
max-width:none!important;min-width:max-content!important}
.wb-app .widget-tab .lm-TabBar-tabLabel,.wb-app .widget-tab .p-TabBar-tabLabel{
overflow:visible;text-overflow:clip}
.wb-chart{max-width:100%}
.wb-chart figure{margin:0;padding:0 .2rem;max-width:100%}
.wb-chart svg{overflow:visible;display:block}
.wb-chart svg text{font-family:"Liberation Sans",Arial,Helvetica,sans-serif}
.wb-app .widget-html,.wb-app .widget-html-content{min-width:0;max-width:100%}
.wb-app .widget-html-content{overflow-wrap:break-word}
.wb-wide{overflow-x:auto;max-width:100%}
.wb-wide>table,.wb-wide svg{max-width:none}
.wb-header,.wb-header>.widget-box{flex-wrap:wrap;gap:.2rem .8rem}
.wb-actions-bar{flex-wrap:wrap;gap:.3rem}
.wb-save-result:empty{display:none}
.wb-app .widget-html:not(.wb-msg-slot):has(>.widget-html-content:empty){display:none}
.wb-save-result .wb-messages{margin:.3rem 0}
@media (max-width:900px){
.wb-app .widget-hbox{flex-wrap:wrap}
.wb-app .wb-cols>*{width:100%!important;flex:1 1 100%!important}
.wb-app .widget-inline-hbox{flex-wrap:wrap}
}
/* any printer: the content, whole, on as many pages as it takes */
@media print{
@page{margin:1.5cm}
body,.wb-app{background:#fff!important;color:#000}
.wb-topbar,.wb-header,.wb-user,.wb-actions-bar,.wb-no-print,.jupyter-button,
.widget-dropdown select,.wb-dirty-badge,#voila-spinner{display:none!important}
.wb-app,.wb-app .widget-box,.wb-app .widget-html,.jp-OutputArea,.jp-Cell,#rendered_cells,
.lm-Widget,.p-Widget,.jp-OutputArea-output{overflow:visible!important;height:auto!important;
max-height:none!important;position:static!important}
.wb-app .widget-hbox{flex-wrap:wrap}
.wb-app .wb-cols>*{width:100%!important}
.wb-chart svg{max-width:100%!important;height:auto}
.wb-wide{overflow:visible}
table.wb-table{font-size:9pt;width:100%;table-layout:auto;word-break:break-word}
.wb-card,table.wb-table tr,.wb-chart{break-inside:avoid}
.wb-app textarea,.wb-app input{border:none;resize:none;overflow:visible}
}
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
