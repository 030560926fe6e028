"""Side panels several apps share: coaching questions, practice codes, open comments.

Coaching questions sit beside the form (Tool B), so the team asks "why?" and "what is the
evidence?" while it types, not afterwards. Open comments from the liaison sit beside the
record they are about, with a button to mark each one resolved; the liaison's coaching
app then shows who resolved it and when.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbook import catalogue
from workbook.apps.common import App, esc
from workbook.progress.model import Comment
from workbook.records.document import PlanDocument

if TYPE_CHECKING:
    from workbook.apps.forms import Saver


def coaching_panel(stage: str, title: str = "Coaching questions") -> widgets.HTML:
    """Tool B's questions for one stage of the cycle, with the source's attribution."""
    st = catalogue.coaching_stage(stage)
    parts = [f"<h4>{esc(title)}</h4>"]
    for section in st.sections:
        if section.heading:
            parts.append(f"<b>{esc(section.heading)}</b>")
        items = [f"<li>{esc(t)}</li>" for t in section.techniques]
        items += [f"<li><i>{esc(q)}</i></li>" for q in section.questions]
        if items:
            parts.append(f"<ul>{''.join(items)}</ul>")
    parts.append(f"<p><small>From Tool B. {esc(catalogue.attribution())}</small></p>")
    panel = widgets.HTML("".join(parts), layout=widgets.Layout(width="auto"))
    panel.add_class("wb-side")
    panel.add_class(f"wb-coaching-{stage}")
    return panel


def practice_options() -> list[tuple[str, str]]:
    """Dropdown options for a Four Domains practice code ("" = not coded yet)."""
    return [("not coded yet", "")] + [(f"{p.code} {p.name}", p.code)
                                       for p in catalogue.practices()]


def comment_html(c: Comment) -> str:
    when = c.created.strftime("%Y-%m-%d") if c.created else ""
    state = (f"resolved by {esc(c.resolved_by or 'the district')}" if c.resolved
             else "open")
    return (f"<div class='wb-comment-{'resolved' if c.resolved else 'open'}'>"
            f"<b>{esc(c.author)}</b> <small>{esc(when)} · {state}</small><br>"
            f"{esc(c.text)}</div>")


class OpenComments:
    """The liaison's open comments for one district, shown next to the records."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.comments: list[Comment] = []
        self._slots: weakref.WeakKeyDictionary[widgets.VBox, widgets.VBox] = \
            weakref.WeakKeyDictionary()

    def refresh(self, doc: PlanDocument | None = None) -> None:
        """Read the district's comments (from `doc` when the caller has just read it)."""
        found = doc.of(Comment) if doc is not None else self.app.store.list(
            self.app.district_id, kind="comment")
        self.comments = [c for c in found if isinstance(c, Comment)]

    def open_for(self, target_id: str) -> list[Comment]:
        return [c for c in self.comments if c.target == target_id and not c.resolved]

    def box(self, target_id: str | None) -> widgets.VBox:
        """Open comments on `target_id`, each with a "Mark resolved" button."""
        out = widgets.VBox([])
        out.add_class("wb-open-comments")
        # one place for the results of "Mark resolved" here: it outlives the rows, which
        # are drawn again after each save
        slot = self._slots[out] = widgets.VBox([])
        slot.add_class("wb-msg-slot")
        slot.add_class("wb-save-result")
        self._fill(out, target_id)
        return out

    def _fill(self, out: widgets.VBox, target_id: str | None) -> None:
        rows: list[widgets.Widget] = []
        for c in self.open_for(target_id) if target_id else []:
            button = widgets.Button(description="Mark resolved",
                                    layout=widgets.Layout(width="auto"))
            button.add_class("wb-resolve")
            resolve, saver = self._resolver(c, out, target_id)
            button.on_click(resolve)
            rows.append(widgets.HBox([widgets.HTML(comment_html(c)), button]))
            saver.place(self._slots.get(out))
        if rows:
            rows.insert(0, widgets.HTML("<b>Open comments from your liaison</b>"))
        out.children = tuple(rows)

    def slot(self, out: widgets.VBox) -> widgets.VBox:
        """Where the results of "Mark resolved" in `out` show: the caller puts it right
        under `out` (it outlives the rows, which are drawn again after each save)."""
        return self._slots[out]

    def _resolver(self, c: Comment, out: widgets.VBox,
                  target_id: str | None) -> tuple[Callable[[widgets.Button], None], Saver]:
        from workbook.apps.forms import Saver

        def resolve(_: widgets.Button | None) -> None:
            user = self.app.user.require()
            if user is None:
                saver.here.error("Type your name first: resolving a comment records "
                                        "who did it.")
                return
            done = c.model_copy(update={"resolved": True, "resolved_by": user})
            if saver([done], what="the comment as resolved") is None:
                return
            self.refresh()
            self._fill(out, target_id)

        # its own part: resolving a comment leaves the form beside it as it was
        def reload() -> None:
            self.refresh()
            self._fill(out, target_id)

        saver = Saver(self.app, retry=lambda: resolve(None), part="comments", reload=reload)
        return resolve, saver


class PlanExport:
    """"Print / PDF" and "Download YAML / Excel" for an app that shows a district's plan.

    Print is the browser's own dialog (the page script acts on `.wb-print`; the print
    stylesheet lays the app out on paper). The downloads are made in the kernel from what
    is saved now (workbook.exchange: the same YAML `workbook plan export` writes and Tool
    A's Excel workbook) and travel inside the link, since the server serves no files.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self.printer = widgets.HTML(
            "<button type='button' class='wb-print jupyter-button' title='Print this page, "
            "or save it as a PDF from the print dialog'>Print / PDF</button>")
        self.yaml = widgets.Button(description="Download YAML",
                                   layout=widgets.Layout(width="auto"))
        self.excel = widgets.Button(description="Download Excel",
                                    layout=widgets.Layout(width="auto"))
        self.yaml.add_class("wb-export-yaml")
        self.excel.add_class("wb-export-excel")
        self.yaml.on_click(lambda _: self.offer("yaml"))
        self.excel.on_click(lambda _: self.offer("xlsx"))
        self.link = widgets.HTML()
        self.link.add_class("wb-export-link")
        self.widget = widgets.HBox([self.printer, self.yaml, self.excel, self.link])
        self.widget.add_class("wb-actions-bar")

    @property
    def messages(self):
        return self.app.messages

    def offer(self, kind: str) -> None:
        """Build the file of the district's saved plan and show a link that downloads it."""
        import base64
        import io

        from workbook.exchange import excel, yamlfile

        try:
            doc = self.app.store.document(self.app.district_id)
            if kind == "yaml":
                data = yamlfile.to_yaml(doc).encode("utf-8")
                mime = "application/x-yaml"
            else:
                buffer = io.BytesIO()
                excel.build_workbook(doc).save(buffer)
                data = buffer.getvalue()
                mime = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        except Exception:
            from workbook.apps.common import log_exception

            when = log_exception(f"export {kind}")
            self.link.value = (f"<span class='wb-msg-error'>The {kind.upper()} file could not "
                               f"be made; tell your administrator the time: {esc(when)}."
                               "</span>")
            return
        name = f"plan-{self.app.district_id}.{kind}"
        note = " (unsaved changes are not in it)" if self.app.dirty else ""
        self.link.value = (
            f"<a class='wb-download wb-download-{kind}' download='{esc(name)}' "
            f"href='data:{mime};base64,{base64.b64encode(data).decode('ascii')}'>Save "
            f"{esc(name)} ({max(1, len(data) // 1024)} KB){note}</a>")
