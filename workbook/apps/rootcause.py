"""Root cause builder: a symptom, its 5 Whys chain and fishbone causes, saved together.

The team writes the symptom (the problem as the data show it), answers "why?" step by step
with the evidence for each answer, and sorts candidate causes into the fishbone's
categories, marking whether each is actionable and which Four Domains practice it belongs
to. The fishbone redraws as they type, and each cause says at once when it looks like a
symptom (no evidence, not actionable, stops at money, time or blame). Tool B's coaching
questions sit beside the form.

One Save writes the symptom, every changed why and cause, and the removals, in one
transaction; records nobody changed are not rewritten, so two people working on different
causes of the same symptom do not collide.
"""

from __future__ import annotations

import math
import re
from functools import partial
from typing import Any, Generic, TypeVar

import ipywidgets as widgets

from workbook import rootcause as rc
from workbook.apps.common import App, Chart, esc, guard, run
from workbook.apps.editor import Deleter
from workbook.apps.forms import Field, Problems, Saver, clean_text, text_field
from workbook.apps.panels import OpenComments, PlanExport, practice_options
from workbook.apps.toolb import questions_panel
from workbook.needs.model import Priority
from workbook.records.base import Record
from workbook.rootcause.model import FISHBONE_CATEGORIES, Cause, Symptom, Why, cause_flags

NEW = "__new__"
ACTIONABLE = [("not judged yet", None), ("yes, we can act on it", True),
              ("no, beyond our control", False)]
#: Longest text drawn on the fishbone (the full text is saved).
DRAW_MAX = 400


#: The kind of record a row of the form edits: a why or a cause.
W = TypeVar("W", bound=Why | Cause)


def _changed(old: Record | None, new: Record) -> bool:
    return old is None or old.content() != new.content()


class _Row(Generic[W]):
    """A text and its evidence side by side, a Remove button, and the liaison's comments."""

    def __init__(self, app: RootCauseApp, record: W | None, label: str,
                 placeholder: str, evidence_placeholder: str) -> None:
        self.record = record
        self.text = text_field(label, area=True, rows=2, width="46%", placeholder=placeholder)
        self.evidence = text_field("Evidence", area=True, rows=2, width="46%",
                                   placeholder=evidence_placeholder)
        self.remove = widgets.Button(description="Remove", layout=widgets.Layout(width="auto"))
        self.comments = app.comments.box(record.id if record else None)
        self.resolved = app.comments.slot(self.comments)
        self.line = widgets.HBox([self.text.widget, self.evidence.widget, self.remove],
                                 layout=widgets.Layout(width="100%"))
        if record:
            self.text.value, self.evidence.value = record.text, record.evidence

    @property
    def blank(self) -> bool:
        return not (self.text.value.strip() or self.evidence.value.strip())


class WhyRow(_Row[Why]):
    """One step of the 5 Whys: the answer and its evidence."""

    def __init__(self, app: RootCauseApp, record: Why | None) -> None:
        super().__init__(app, record, "Why?",
                         "Because ... (answer why the step above happens)",
                         "What data or observation shows this?")
        self.label = widgets.HTML()
        self.widget = widgets.VBox([self.label, self.line, self.comments, self.resolved])
        self.widget.add_class("wb-card")
        self.widget.add_class("wb-why")
        app.watch(self.text.control, self.evidence.control)


class CauseRow(_Row[Cause]):
    """One candidate cause on the fishbone."""

    def __init__(self, app: RootCauseApp, record: Cause | None) -> None:
        super().__init__(app, record, "Cause", "A cause the district can act on",
                         "What shows this is a cause?")
        self.category = Field(widgets.Dropdown(options=list(FISHBONE_CATEGORIES),
                                               value="systems and processes"), "Category")
        self.actionable = Field(widgets.Dropdown(options=ACTIONABLE, value=None),
                                "Actionable?")
        self.practice = Field(widgets.Dropdown(options=practice_options(), value="",
                                               layout=widgets.Layout(width="300px")),
                              "Practice (Four Domains)")
        self.flags = widgets.HTML()
        self.widget = widgets.VBox([
            self.line,
            widgets.HBox([self.category.widget, self.actionable.widget,
                          self.practice.widget]),
            self.flags, self.comments, self.resolved])
        self.widget.add_class("wb-card")
        self.widget.add_class("wb-cause")
        if record:
            self.category.value = record.category
            self.actionable.value = record.actionable
            self.practice.value = record.practice or ""
        for f in (self.text, self.evidence, self.category, self.actionable, self.practice):
            app.watch(f.control)
            f.control.observe(app.redraw, "value")

    def sketch(self, org_id: str, symptom_id: str) -> Cause:
        """The cause as typed so far, unvalidated, for drawing."""
        return Cause.model_construct(
            id=self.record.id if self.record else "new", org_id=org_id, symptom=symptom_id,
            text=self.text.value.strip()[:DRAW_MAX] or "(no text yet)",
            category=self.category.value, evidence=self.evidence.value.strip()[:DRAW_MAX],
            actionable=self.actionable.value, practice=self.practice.value or None,
            impact=self.record.impact if self.record else None, prioritised=False,
            version=0, updated_by="", updated_at=None)


class RootCauseApp(App):
    name = "rootcause"
    title = "Root cause builder"

    def build(self) -> None:
        self.comments = OpenComments(self)
        self.pick = widgets.Dropdown(description="Symptom:",
                                     layout=widgets.Layout(width="560px"))
        self.pick.add_class("wb-symptom-pick")
        self.pick.observe(self._picked, "value")
        self.statement = text_field(
            "Symptom", area=True, rows=2, help="the problem as the data show it",
            placeholder="e.g. Math results for English learners fell 12 points in two years")
        self.statement.control.add_class("wb-statement")
        self.priority = Field(widgets.Dropdown(layout=widgets.Layout(width="420px")),
                              "Priority area")
        self.statement_comments = widgets.VBox([])
        self.why_box, self.cause_box = widgets.VBox([]), widgets.VBox([])
        self.add_why = widgets.Button(description="Add a why", icon="")
        self.add_cause = widgets.Button(description="Add a cause")
        self.save_button = widgets.Button(description="Save", button_style="primary")
        self.save_button.add_class("wb-save")
        self.add_why.on_click(lambda _: self._add_why(None, mark=True))
        self.add_cause.on_click(lambda _: self._add_cause(None, mark=True))
        self.save_button.on_click(lambda _: self.save())
        self.statement.control.observe(self.redraw, "value")
        self.watch(self.statement.control, self.priority.control)
        self.fishbone = Chart("fishbone")
        self.saver = Saver(self, retry=self.save)
        self.deleter = Deleter(self, key="symptom", title="this analysis",
                               current=lambda: self.symptom, after=self.reload,
                               reload=self.reload)
        form = widgets.VBox([
            self.pick, self.statement.widget, self.statement_comments, self.priority.widget,
            widgets.HTML("<h4>5 Whys</h4><p>Each answer explains the one above it; stop when "
                         "the answer is something the district can act on.</p>"),
            self.why_box, self.add_why,
            widgets.HTML("<h4>Fishbone causes</h4>"), self.cause_box, self.add_cause,
            widgets.HBox([self.save_button, self.deleter.button]), self.saver.place(),
            self.deleter.widget, self.deleter.saver.place()],
            layout=widgets.Layout(width="57%"))
        side = widgets.VBox([questions_panel("rootcause")], layout=widgets.Layout(width="43%"))
        columns = widgets.HBox([form, side], layout=widgets.Layout(width="100%"))
        columns.add_class("wb-cols")
        # the fishbone across the page, at a size whose labels can be read (>= 11 px)
        self.fishbone.widget.add_class("wb-wide")
        self.export = PlanExport(self)
        self.view = widgets.VBox([self.export.widget, self.fishbone.widget, columns])

    @classmethod
    def prepare(cls, region: str) -> None:
        """Before the request: draw a fishbone a few times so the chart engine is warm."""
        from workbook.report import blocks as show

        symptom = Symptom(org_id="warm", statement="Reading results fell for grade 3")
        causes = [Cause(org_id="warm", symptom=symptom.id, text=f"Cause {i} " * 3,
                        category=cat, evidence="e" if i % 2 else "")
                  for i, cat in enumerate(FISHBONE_CATEGORIES)]
        for n in (len(causes), 2, 0):
            show.svg(rc.fishbone_chart(symptom, rc.cause_table(causes[:n])))

    # -- loading -----------------------------------------------------------------------
    def load(self) -> None:
        doc = self.store.document(self.district_id)
        self.comments.refresh(doc)
        self.symptoms = [s for s in doc.of(Symptom) if isinstance(s, Symptom)]
        self.doc = doc
        options = [(s.statement if len(s.statement) < 80 else s.statement[:77] + "...", s.id)
                   for s in self.symptoms]
        self.pick.options = options + [("New symptom...", NEW)]
        wanted = self.query.pop("symptom", "") or self.pick.value
        ids = [v for _, v in self.pick.options]
        self.pick.value = wanted if wanted in ids else ids[0]
        self.priority.control.options = [("none chosen", "")] + [
            (p.title, p.id) for p in doc.of(Priority)]
        self._show(self.pick.value)
        self.body.children = (self.view,)

    def url_params(self) -> dict[str, str]:
        return {"symptom": self.pick.value if self.pick.value != NEW else ""}

    def _show(self, symptom_id: str) -> None:
        """Fill the form with one symptom and its chain and causes (or empty for new)."""
        self.symptom = next((s for s in self.symptoms if s.id == symptom_id), None)
        self.removed: list[Record] = []
        self.statement.value = self.symptom.statement if self.symptom else ""
        self.priority.value = self.symptom.priority if self.symptom else ""
        self.statement_comments.children = (
            box := self.comments.box(self.symptom.id), self.comments.slot(box)) \
            if self.symptom else ()
        sid = self.symptom.id if self.symptom else ""
        whys = sorted((w for w in self.doc.of(Why) if w.symptom == sid), key=lambda w: w.step)
        causes = [c for c in self.doc.of(Cause) if c.symptom == sid]
        self.whys: list[WhyRow] = []
        self.causes: list[CauseRow] = []
        self.why_box.children = self.cause_box.children = ()
        for w in whys:
            self._add_why(w)
        if not whys:
            self._add_why(None)
        for c in causes:
            self._add_cause(c)
        if not causes:
            self._add_cause(None)
        for f in self._fields().values():
            f.clear()
        self.deleter.reset()
        self.draw()

    @guard("rootcause")
    def _picked(self, change: dict) -> None:
        if not self.may_switch(self.pick, change, "Save (or reload the page to drop) your "
                               "changes to this symptom before opening another."):
            return
        with self.loading():
            self._show(change["new"])
        self.update_url()

    # -- rows --------------------------------------------------------------------------
    def _add_why(self, record: Why | None, mark: bool = False) -> None:
        if len(self.whys) >= 7:
            self.messages.info("Seven whys is the most the chain holds; if the answer is "
                               "still not actionable, reconsider the symptom.")
            return
        row = WhyRow(self, record)
        row.remove.on_click(lambda _: self._remove(row, self.whys, self.why_box))
        self.whys.append(row)
        self.why_box.children = tuple(r.widget for r in self.whys)
        self._number_whys()
        if mark:
            self.mark_dirty()

    def _add_cause(self, record: Cause | None, mark: bool = False) -> None:
        row = CauseRow(self, record)
        row.remove.on_click(lambda _: self._remove(row, self.causes, self.cause_box))
        self.causes.append(row)
        self.cause_box.children = tuple(r.widget for r in self.causes)
        if mark:
            self.mark_dirty()
            self.draw()

    def _remove(self, row: Any, rows: list, box: widgets.VBox) -> None:
        rows.remove(row)
        if row.record is not None:
            self.removed.append(row.record)
        box.children = tuple(r.widget for r in rows)
        self._number_whys()
        self.mark_dirty()
        self.draw()

    def _number_whys(self) -> None:
        for i, row in enumerate(self.whys, start=1):
            above = "the symptom" if i == 1 else f"answer {i - 1}"
            row.label.value = f"<b>Why {i}</b> <small>(why does {above} happen?)</small>"

    # -- live drawing ------------------------------------------------------------------
    @guard("rootcause")
    def redraw(self, *_: Any) -> None:
        """A field changed: redraw (changes made while loading draw once, at the end)."""
        if not self.is_loading:
            self.draw()

    def draw(self) -> None:
        """Draw the fishbone and each cause's flags from what is typed now."""
        if not self.district_id or not hasattr(self, "causes"):
            return
        sid = self.symptom.id if self.symptom else "new"
        statement = self.statement.value.strip()[:DRAW_MAX] or "(symptom not written yet)"
        symptom = Symptom.model_construct(id=sid, org_id=self.district_id, priority="",
                                          statement=statement, version=0, updated_by="",
                                          updated_at=None)
        sketches = []
        for row in self.causes:
            sketch = None if row.blank else row.sketch(self.district_id, sid)
            flags = cause_flags(sketch) if sketch else []
            row.flags.value = (f"<span class='wb-flags'>May be a symptom: {esc('; '.join(flags))}"
                               "</span>") if flags else ""
            if sketch:
                sketches.append(sketch)
        n = len(sketches)
        alt_text = f"Fishbone for “{statement[:120]}”: {n} cause(s)."
        self.fishbone.show(lambda: rc.fishbone_chart(symptom, rc.cause_table(sketches)),
                           alt_text)
        if self.fishbone.svg:
            self.fishbone.show_svg(readable(self.fishbone.svg), alt_text)

    # -- saving ------------------------------------------------------------------------
    def _fields(self) -> dict[str, Field]:
        fields: dict[str, Field] = {"statement": self.statement, "priority": self.priority}
        for i, row in enumerate(self.whys):
            fields[f"why{i}.text"], fields[f"why{i}.evidence"] = row.text, row.evidence
        for i, cause_row in enumerate(self.causes):
            fields[f"cause{i}.text"] = cause_row.text
            fields[f"cause{i}.evidence"] = cause_row.evidence
        return fields

    def read(self) -> tuple[list[Record], Problems]:
        """The records the form describes now, and the problems found reading it."""
        p = Problems(self._fields())
        org = self.district_id
        statement = p.read("statement", lambda: clean_text(self.statement.value))
        if statement == "":
            p.add("statement", "Write the symptom: the problem as the data show it.")
        base = self.symptom.model_dump() if self.symptom else {"org_id": org}
        symptom = p.model(Symptom, {**base, "statement": statement or "",
                                    "priority": self.priority.value or ""})
        sid = symptom.id if symptom else (self.symptom.id if self.symptom else "")
        records: list[Record] = [symptom] if symptom else []
        step = 0
        for i, row in enumerate(self.whys):
            if row.blank and row.record is None:
                continue
            step += 1
            text = p.read(f"why{i}.text", partial(clean_text, row.text.value))
            evidence = p.read(f"why{i}.evidence", partial(clean_text, row.evidence.value))
            if text == "":
                p.add(f"why{i}.text", "Write the answer, or remove this why.")
            base = row.record.model_dump() if row.record else {"org_id": org}
            why = p.model(Why, {**base, "symptom": sid, "step": step, "text": text or "",
                                "evidence": evidence or ""},
                          {"text": f"why{i}.text", "evidence": f"why{i}.evidence"})
            if why:
                records.append(why)
        for i, cause_row in enumerate(self.causes):
            if cause_row.blank and cause_row.record is None:
                continue
            text = p.read(f"cause{i}.text", partial(clean_text, cause_row.text.value))
            evidence = p.read(f"cause{i}.evidence",
                              partial(clean_text, cause_row.evidence.value))
            if text == "":
                p.add(f"cause{i}.text", "Write the cause, or remove it.")
            base = cause_row.record.model_dump() if cause_row.record else {"org_id": org}
            cause = p.model(Cause, {**base, "symptom": sid, "text": text or "",
                                    "evidence": evidence or "",
                                    "category": cause_row.category.value,
                                    "actionable": cause_row.actionable.value,
                                    "practice": cause_row.practice.value or None},
                            {"text": f"cause{i}.text", "evidence": f"cause{i}.evidence"})
            if cause:
                records.append(cause)
        return records, p

    @guard("rootcause")
    def save(self) -> None:
        records, problems = self.read()
        if problems:
            self.saver.here.error(problems.summary())
            return
        old = {r.id: r for r in [self.symptom, *(w.record for w in self.whys),
                                 *(c.record for c in self.causes)] if r is not None}
        changed = [r for r in records if _changed(old.get(r.id), r)]
        if not changed and not self.removed:
            self.saver.here.info("Nothing to save: no changes since the last save.")
            self.mark_clean()
            return
        saved = self.saver(changed, delete=self.removed, what="the root cause analysis")
        if saved is None:
            return
        keep = records[0].id if records else ""
        self.query["symptom"] = keep
        with self.loading():
            self.load()
        self.mark_clean()
        self.update_url()


_SVG_SIZE = re.compile(r'^(<svg[^>]*?) width="([\d.]+)" height="([\d.]+)"')
_FONT_SIZE = re.compile(r'font-size="([\d.]+)px"')


def readable(svg: str, smallest: float = 11.0) -> str:
    """The SVG drawn large enough that its smallest text is `smallest` px on screen.

    vl-convert writes the chart's own size; a crowded fishbone uses 6-10 px labels, which
    a narrower column shrinks further. The drawing keeps its viewBox and gets a larger
    width and height; the page shows it at that size and scrolls it sideways when the
    screen is narrower (`.wb-wide`), rather than shrinking the text.
    """
    sizes = [float(s) for s in _FONT_SIZE.findall(svg)]
    found = _SVG_SIZE.match(svg)
    if not sizes or found is None:
        return svg
    scale = max(1.0, smallest / min(sizes))
    width, height = float(found.group(2)) * scale, float(found.group(3)) * scale
    return (f'{found.group(1)} width="{math.ceil(width)}" height="{math.ceil(height)}" '
            f'style="max-width:none"' + svg[found.end():])


def app() -> None:
    """Show the root cause builder (the one call its notebook makes)."""
    run(RootCauseApp)
