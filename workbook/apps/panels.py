"""Side panels several apps share: coaching questions, practice codes, open comments.

Coaching questions sit beside the form (Tool B), so the team asks "why?" and "what is the
evidence?" while it types, not afterwards. Open comments from the liaison sit beside the
record they are about, with a button to mark each one resolved; the liaison's coaching
app then shows who resolved it and when.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from workbook import catalogue
from workbook.apps.common import App, esc
from workbook.progress.model import Comment
from workbook.records.document import PlanDocument


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
    panel = widgets.HTML("".join(parts), layout=widgets.Layout(width="100%"))
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
        self._fill(out, target_id)
        return out

    def _fill(self, out: widgets.VBox, target_id: str | None) -> None:
        rows: list[widgets.Widget] = []
        for c in self.open_for(target_id) if target_id else []:
            button = widgets.Button(description="Mark resolved",
                                    layout=widgets.Layout(width="auto"))
            button.add_class("wb-resolve")
            button.on_click(self._resolver(c, out, target_id))
            rows.append(widgets.HBox([widgets.HTML(comment_html(c)), button]))
        if rows:
            rows.insert(0, widgets.HTML("<b>Open comments from your liaison</b>"))
        out.children = tuple(rows)

    def _resolver(self, c: Comment, out: widgets.VBox,
                  target_id: str | None) -> Callable[[widgets.Button], None]:
        from workbook.apps.forms import Saver

        def resolve(_: widgets.Button | None) -> None:
            user = self.app.user.require()
            if user is None:
                self.app.messages.error("Type your name first: resolving a comment records "
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
        return resolve
