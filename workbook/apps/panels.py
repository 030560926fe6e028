"""Side panels several apps share: coaching questions, practice codes, open comments.

Coaching questions sit beside the form (Tool B), so the team asks "why?" and "what is the
evidence?" while it types, not afterwards. Open comments from the liaison sit beside the
record they are about, with a button to mark each one resolved; the liaison's coaching
app then shows who resolved it and when.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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


# --------------------------------------------------------------------------- history

#: How many characters of a field's old and new value the history table shows.
_VALUE_CHARS = 80


def _short(value: Any) -> str:
    text = "—" if value in (None, "", []) else str(value)
    return text if len(text) <= _VALUE_CHARS else text[:_VALUE_CHARS - 1] + "…"


def history_html(changes: list[Any]) -> str:
    """A record's history as a table: version, when, who, what, the fields it changed, and
    the reason given (newest first)."""
    if not changes:
        return "<p class='wb-msg-info'>No history is kept for this record yet.</p>"
    rows = []
    for c in reversed(changes):
        fields = "<br>".join(
            f"<b>{esc(name.replace('_', ' '))}</b>: {esc(_short(before))} → "
            f"{esc(_short(after))}" for name, before, after in c.diff[:12])
        if len(c.diff) > 12:
            fields += f"<br>… and {len(c.diff) - 12} more fields"
        when = c.at.astimezone().strftime("%Y-%m-%d %H:%M")
        rows.append(f"<tr><td>{c.version}</td><td>{esc(when)}</td><td>{esc(c.by)}</td>"
                    f"<td>{esc(c.change)}</td><td>{fields or '—'}</td>"
                    f"<td>{esc(c.reason or '')}</td></tr>")
    return ("<div class='wb-table-scroll'><table class='wb-history'><caption>Every saved "
            "version of this record, newest first</caption><thead><tr><th>Version</th>"
            "<th>When</th><th>Who</th><th>Change</th><th>What changed</th><th>Reason</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


class RecordHistory:
    """"History" under a record's form: who changed what and when, and "Restore" of any
    earlier version (itself a new version, so it can be undone the same way). The store
    the app holds decides what this person may restore (workbook.apps.roles)."""

    def __init__(self, app: App, *, title: str, reload: Callable[[], Any]) -> None:
        self.app, self.title, self.reload = app, title, reload
        self.record_id: str | None = None
        self.changes: list[Any] = []
        self.toggle = widgets.ToggleButton(value=False, description="History",
                                           tooltip=f"Every saved version of this "
                                                   f"{title.lower()}",
                                           layout=widgets.Layout(width="auto"))
        self.toggle.add_class("wb-history-toggle")
        self.toggle.observe(lambda _: self._fill(), "value")
        self.table = widgets.HTML()
        self.table.add_class("wb-history-table")
        self.pick = widgets.Dropdown(description="Version to restore:",
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="auto"))
        self.pick.add_class("wb-history-pick")
        self.restore_button = widgets.Button(description="Restore this version",
                                             layout=widgets.Layout(width="auto"))
        self.restore_button.add_class("wb-history-restore")
        self.restore_button.on_click(lambda _: self.restore())
        self.slot = widgets.VBox([])
        self.slot.add_class("wb-msg-slot")
        self.body = widgets.VBox([self.table, widgets.HBox([self.pick, self.restore_button]),
                                  self.slot])
        self.body.layout.display = "none"
        self.widget = widgets.VBox([self.toggle, self.body])
        self.widget.add_class("wb-history")

    @property
    def messages(self):
        return self.app.messages

    def show(self, record_id: str | None) -> None:
        """Follow the record the form shows (None: a new one, which has no history)."""
        self.record_id = record_id
        self.widget.layout.display = None if record_id else "none"
        self._fill()

    def _fill(self) -> None:
        open_ = bool(self.toggle.value and self.record_id)
        self.body.layout.display = None if open_ else "none"
        if not open_:
            return
        try:
            self.changes = self.app.store.history(self.app.district_id,
                                                  record_id=self.record_id)
        except Exception:
            from workbook.apps.common import log_exception

            when = log_exception("reading a record's history")
            self.table.value = (f"<p class='wb-msg-error'>The history could not be read; "
                                f"tell your administrator the time: {esc(when)}.</p>")
            self.changes = []
        else:
            self.table.value = history_html(self.changes)
        newest = self.changes[-1].version if self.changes else None
        self.pick.options = [(f"Version {c.version}: {c.change} by {c.by} on "
                              f"{c.at.astimezone():%Y-%m-%d %H:%M}", c.version)
                             for c in reversed(self.changes)
                             if c.version != newest and c.change != "deleted"]
        self.restore_button.disabled = not self.pick.options

    def restore(self) -> None:
        """Make the chosen version the newest, unless someone changed the record since
        this history was shown (then say so and show the history again)."""
        from workbook.apps.roles import AccessRefused
        from workbook.store import ConflictError

        if self.record_id is None or self.pick.value is None:
            return
        newest = self.changes[-1].version if self.changes else None
        chosen = int(self.pick.value)
        say = self.app.messages.at(self.slot)
        try:
            saved = self.app.store.restore_version(
                self.record_id, chosen, user=self.app.user.name,
                reason=f"restored version {chosen} in the apps", current=newest)
        except AccessRefused as refused:
            say.error(f"Nothing was restored: {refused}")
            return
        except ConflictError:
            say.error("Nothing was restored: someone changed this record since its history "
                      "was shown. Here is its history again.")
            self._fill()
            return
        except Exception:
            from workbook.apps.common import log_exception

            when = log_exception("restoring a version")
            say.error(f"Nothing was restored; tell your administrator the time: {when}.")
            return
        self.reload()
        self._fill()
        self.app.messages.at(self.slot).ok(
            f"Version {chosen} restored: it is now version {saved.version}.")


def _row_label(row: Any) -> str:
    """A deleted record's short name ("goal 'Reading'"), from what its last version held."""
    from workbook.records.document import KINDS

    try:
        return KINDS[row.kind].model_validate(
            {**row.data, "id": row.record_id, "org_id": row.org_id}).label()
    except Exception:  # an old version no longer valid still has a name
        return f"{row.kind} {row.record_id}"


class DeletedRecords:
    """The district's deleted records, one line per delete (what went with it), each with
    "Bring back": the records return as they were, with the parts deleted with them."""

    def __init__(self, app: App, *, reload: Callable[[], Any]) -> None:
        self.app, self.reload = app, reload
        self.deletions: list[Any] = []
        self.list = widgets.VBox([])
        self.list.add_class("wb-deleted")
        self.slot = widgets.VBox([])
        self.slot.add_class("wb-msg-slot")
        self.widget = widgets.VBox([
            widgets.HTML("<p>Nothing deleted is ever lost: every delete is kept in the "
                         "plan's history. Bring a record back with the parts deleted with "
                         "it; the return is itself recorded.</p>"), self.list, self.slot])

    @property
    def messages(self):
        return self.app.messages

    def refresh(self) -> None:
        try:
            self.deletions = list(reversed(self.app.store.deleted(self.app.district_id)))
        except Exception:
            from workbook.apps.common import log_exception

            when = log_exception("listing deleted records")
            self.list.children = (widgets.HTML(
                f"<p class='wb-msg-error'>The deleted records could not be listed; tell "
                f"your administrator the time: {esc(when)}.</p>"),)
            return
        if not self.deletions:
            self.list.children = (widgets.HTML("<p><i>Nothing of this plan is deleted."
                                               "</i></p>"),)
            return
        rows = []
        for d in self.deletions:
            names = ", ".join(_row_label(r) for r in d.rows[:4])
            if len(d.rows) > 4:
                names += f" and {len(d.rows) - 4} more"
            button = widgets.Button(description="Bring back",
                                    layout=widgets.Layout(width="auto"))
            button.add_class("wb-bring-back")
            button.on_click(lambda _b, d=d: self.bring_back(d))
            when = d.at.astimezone().strftime("%Y-%m-%d %H:%M")
            why = f" ({esc(d.reason)})" if d.reason else ""
            rows.append(widgets.HBox([widgets.HTML(
                f"<span>{esc(names)}: deleted by {esc(d.by)} on {esc(when)}{why}</span>"),
                button]))
        self.list.children = tuple(rows)

    def bring_back(self, deletion: Any) -> None:
        from workbook.apps.roles import AccessRefused
        from workbook.store import ConflictError

        say = self.app.messages.at(self.slot)
        try:
            back = self.app.store.restore_deleted(
                self.app.district_id, user=self.app.user.name,
                record_id=deletion.rows[0].record_id, reason="brought back in the apps")
        except AccessRefused as refused:
            say.error(f"Nothing was brought back: {refused}")
            return
        except ConflictError as clash:
            say.error(f"Nothing was brought back: {clash}")
            return
        except Exception:
            from workbook.apps.common import log_exception

            when = log_exception("bringing back deleted records")
            say.error(f"Nothing was brought back; tell your administrator the time: {when}.")
            return
        self.reload()
        self.refresh()
        self.app.messages.at(self.slot).ok(
            f"Brought back {len(back)} record(s): {', '.join(r.label() for r in back[:4])}.")
