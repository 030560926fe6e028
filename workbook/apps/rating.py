"""Self-reflection (Tool C): each rater rates the rubric element by element, with evidence.

A rater sees one element at a time: its text, what it looks like at each of the four
performance levels, a choice of level and a box for the evidence. "Save and next" saves
that one rating (so stopping at any point loses nothing) and moves on; opening the app
again continues at the first element not yet rated.

The team view shows the team's ratings together (workbook.needs.tables.rubric_profile):
mean level, spread and agreement per practice and domain, with no rater named and any
practice rated by fewer than two people blanked, so one person's view cannot be read off
the summary; with fewer than two raters in all it shows only how many have rated.

Beside the ratings, each rater writes Tool C's "Strengths and Weaknesses in ..." for the
domain of the element shown (a `Reflection`, private like the ratings: workbook 01 lists
the texts of a domain together, without names, once two people have written). The team
view also holds the team's consensus level per practice (a `Consensus`, typed by a team
member after the team has talked it through, never derived), beside the anonymous mean.

Where people sign in (`workbook serve --auth users|proxy`), a rater is the signed-in
person: they see and change only their own ratings and reflections (the store the app
gets never hands it anyone else's, `workbook.apps.roles.GuardedStore`), and only a team
member (or an admin) rates and records a consensus; a viewer or liaison sees the team view
alone.
"""

from __future__ import annotations

from typing import Any, cast

import ipywidgets as widgets
import pandas as pd

from workbook import catalogue
from workbook import needs as an
from workbook.apps.common import App, Chart, esc, guard, run
from workbook.apps.forms import Field, Problems, Saver, clean_text
from workbook.i18n import _
from workbook.needs.model import Consensus, Rating, Reflection

#: Fewer raters than this and a practice's figures are hidden in the team view.
MIN_RATERS = 2


class RatingApp(App):
    name = "rating"
    builds_early = False  # its build follows the person rating (the user box)
    title = "Self-reflection"

    def build(self) -> None:
        self.codes = [e.code for e in catalogue.elements()]
        self.practice = widgets.Dropdown(description="Practice:",
                                         layout=widgets.Layout(width="560px"))
        self.practice.add_class("wb-practice")
        self.practice.observe(self._practice_picked, "value")
        self.element_text = widgets.HTML()
        self.levels = widgets.HTML()
        self.level = Field(widgets.ToggleButtons(
            options=[("not rated", 0)] + [(f"{lv.level} {lv.name}", lv.level)
                                          for lv in catalogue.levels()],
            value=0, style={"button_width": "auto"}), "Your rating")
        self.level.control.add_class("wb-level")
        self.evidence = Field(widgets.Textarea(rows=3, layout=widgets.Layout(width="100%"),
                                               placeholder="What did you see that puts it "
                                                           "at this level?"), "Evidence")
        self.evidence.control.add_class("wb-evidence")
        self.level.control.observe(lambda _: self._show_levels(), "value")
        self.watch(self.level.control, self.evidence.control)
        self.prev_button = widgets.Button(description="Previous")
        self.next_button = widgets.Button(description="Next")
        self.save_button = widgets.Button(description="Save and next", button_style="primary")
        self.save_button.add_class("wb-save")
        self.prev_button.on_click(lambda _: self.step(-1))
        self.next_button.on_click(lambda _: self.step(+1))
        self.save_button.on_click(lambda _: self.save())
        self.progress = widgets.HTML()
        self.progress.add_class("wb-progress")
        self.saver = Saver(self, retry=self.save)
        self.team = widgets.HTML()
        self.team.add_class("wb-team")
        self.team_chart = Chart("rubric")
        self._build_reflection()
        self._build_consensus()
        mine = widgets.VBox([self.progress, self.practice, self.element_text, self.levels,
                             self.level.widget, self.evidence.widget,
                             widgets.HBox([self.prev_button, self.save_button,
                                           self.next_button]), self.reflection_box])
        team = widgets.VBox([self.team, self.team_chart.widget, self.consensus_box])
        self.mine_tab, self.team_tab = mine, team
        self.tabs = widgets.Tab(children=[mine, team])
        self.tabs.titles = ("My ratings", "Team view (no names)")
        self.tabs.observe(lambda _: self._team() if self._team_shown() else None,
                          "selected_index")
        if self.user.text is not None:
            self.user.text.observe(self._rater_changed, "value")
        self.index = 0

    def _build_reflection(self) -> None:
        """Tool C's "Strengths and Weaknesses in <domain>" for the element's domain."""
        self.reflection_head = widgets.HTML()
        area = {"rows": 3, "layout": widgets.Layout(width="100%")}
        self.strengths = Field(widgets.Textarea(**area), _("Strengths"))
        self.weaknesses = Field(widgets.Textarea(**area), _("Weaknesses"))
        self.strengths.control.add_class("wb-strengths")
        self.weaknesses.control.add_class("wb-weaknesses")
        self.watch(self.strengths.control, self.weaknesses.control, part="reflection")
        self.reflection_button = widgets.Button(
            description=_("Save strengths and weaknesses"), layout=widgets.Layout(width="auto"))
        self.reflection_button.add_class("wb-save-reflection")
        self.reflection_button.on_click(lambda _b: self.save_reflection())
        self.reflection_saver = Saver(self, retry=self.save_reflection, part="reflection",
                                      reload=self.reload_reflections)
        self.reflection_box = widgets.VBox([
            self.reflection_head, self.strengths.widget, self.weaknesses.widget,
            self.reflection_button, self.reflection_saver.place()])
        self.reflection_box.add_class("wb-card")
        self.reflection_box.add_class("wb-reflection")
        self.reflections: list[Reflection] = []
        self.domain = 0

    def _build_consensus(self) -> None:
        """The team's agreed level per practice, typed after discussion (team members)."""
        self.consensus_table = widgets.HTML()
        self.consensus_table.add_class("wb-consensus-table")
        self.consensus_practice = widgets.Dropdown(
            options=[(f"{p.code} {p.name}", p.code) for p in catalogue.practices()],
            description=_("Practice:"), layout=widgets.Layout(width="560px"))
        self.consensus_practice.add_class("wb-consensus-practice")
        self.consensus_practice.observe(self._consensus_picked, "value")
        self.consensus_level = Field(widgets.ToggleButtons(
            options=[(_("not agreed yet"), 0)] + [(f"{lv.level} {lv.name}", lv.level)
                                                  for lv in catalogue.levels()],
            value=0, style={"button_width": "auto"}), _("Level the team agreed on"))
        self.consensus_level.control.add_class("wb-consensus-level")
        self.consensus_note = Field(widgets.Textarea(rows=2, layout=widgets.Layout(
            width="100%")), _("Note"), _("why the team settled on this level"))
        self.consensus_note.control.add_class("wb-consensus-note")
        self.watch(self.consensus_level.control, self.consensus_note.control, part="consensus")
        self.consensus_button = widgets.Button(description=_("Save the team's level"),
                                               button_style="primary",
                                               layout=widgets.Layout(width="auto"))
        self.consensus_button.add_class("wb-save-consensus")
        self.consensus_button.on_click(lambda _b: self.save_consensus())
        self.consensus_saver = Saver(self, retry=self.save_consensus, part="consensus",
                                     reload=self._team)
        self.consensus_form = widgets.VBox([
            widgets.HTML("<h4>" + esc(_("Team consensus")) + "</h4><p>" + esc(_(
                "After talking the ratings through, the team records the level it agrees "
                "on for each practice. It is typed, not computed, and sits beside the "
                "anonymous mean.")) + "</p>"),
            self.consensus_practice, self.consensus_level.widget, self.consensus_note.widget,
            self.consensus_button, self.consensus_saver.place()])
        self.consensus_box = widgets.VBox([self.consensus_table, self.consensus_form])
        self.consensus_box.add_class("wb-consensus")
        self.consensus: list[Consensus] = []

    # -- who is rating -----------------------------------------------------------------
    @property
    def rater(self) -> str:
        return self.user.name

    @guard("rating")
    def _rater_changed(self, _: Any) -> None:
        if self.is_loading or not self.district_id or self.dirty:
            return
        with self.loading():
            self._mine(resume=True)

    # -- loading -----------------------------------------------------------------------
    def _team_shown(self) -> bool:
        index = self.tabs.selected_index
        return index is not None and self.tabs.children[index] is self.team_tab

    def load(self) -> None:
        if self.access.may_rate(self.district_id):
            if self.tabs.children[0] is not self.mine_tab:
                self.tabs.children = (self.mine_tab, self.team_tab)
                self.tabs.titles = ("My ratings", "Team view (no names)")
        else:  # a viewer or liaison: the team's aggregate only
            self.tabs.children = (self.team_tab,)
            self.tabs.titles = ("Team view (no names)",)
            self.tabs.selected_index = 0
        self.ratings = [r for r in self.store.list(self.district_id, kind="rating")
                        if isinstance(r, Rating)]
        self.reflections = [r for r in self.store.list(self.district_id, kind="reflection")
                            if isinstance(r, Reflection)]
        self.consensus_form.layout.display = (
            None if self.access.may_edit(self.district_id) else "none")
        self.domain = 0
        wanted = self.query.pop("element", "")
        self._mine(resume=wanted not in self.codes)
        if wanted in self.codes:
            self._go(self.codes.index(wanted))
        self.body.children = (self.tabs,)
        if self._team_shown():
            self._team()

    def url_params(self) -> dict[str, str]:
        return {"element": self.codes[self.index]}

    def mine(self) -> dict[str, Rating]:
        """This rater's latest rating of each element."""
        out: dict[str, Rating] = {}
        for r in self.ratings:
            if self.rater and r.rater == self.rater:
                out[r.element] = r
        return out

    def _mine(self, resume: bool) -> None:
        mine = self.mine()
        self.practice.options = [
            (f"{p.code} {p.name} ({sum(e.code in mine for e in catalogue.elements(p.code))}"
             f"/{len(catalogue.elements(p.code))})", p.code) for p in catalogue.practices()]
        if resume:
            todo = [i for i, c in enumerate(self.codes) if c not in mine]
            self._go(todo[0] if todo else 0)
        else:
            self._go(self.index)

    def _go(self, index: int) -> None:
        """Show element `index` with this rater's rating, if any."""
        self.index = max(0, min(len(self.codes) - 1, index))
        code = self.codes[self.index]
        element = catalogue.element(code)
        with self.loading():
            self.practice.value = element.practice
        mine = self.mine()
        r = mine.get(code)
        with self.loading():
            self.level.value = r.level if r else 0
            self.evidence.value = r.evidence if r else ""
        self.level.clear()
        self.evidence.clear()
        self._show_reflection(int(element.practice[0]))
        p = catalogue.practice(element.practice)
        self.element_text.value = (f"<h4>{esc(code)} · {esc(p.name)}</h4>"
                                   f"<p>{esc(element.text)}</p>")
        self._show_levels()
        done = len(mine)
        name = esc(self.rater) if self.rater else "you (type your name at the top right)"
        self.progress.value = (f"<p>Rating as <b>{name}</b>: {done} of {len(self.codes)} "
                               f"elements rated. Element {self.index + 1} of "
                               f"{len(self.codes)}.</p>")
        self.update_url()

    def _show_levels(self) -> None:
        element = catalogue.element(self.codes[self.index])
        chosen = " class='wb-chosen' style='background:#e3f4e8'"
        rows = "".join(
            f"<tr{chosen if d.level == self.level.value else ''}>"
            f"<th>{d.level} {esc(d.name)}</th><td>{esc(d.descriptor)}</td></tr>"
            for d in element.levels)
        self.levels.value = f"<table class='wb-table wb-levels'>{rows}</table>"

    @guard("rating")
    def _practice_picked(self, change: dict) -> None:
        if not self.may_switch(self.practice, change, "Save this rating (or go back to it) "
                               "before moving on.", part="form"):
            return
        first = next(i for i, c in enumerate(self.codes) if c.startswith(change["new"]))
        if self._leaves_reflection(first):
            with self.loading():
                self.practice.value = change["old"]
            return
        self._go(first)

    @guard("rating")
    def step(self, delta: int) -> None:
        if self.is_dirty("form"):
            self.messages.error("Save this rating first, or set it back: it is not saved.")
            return
        index = max(0, min(len(self.codes) - 1, self.index + delta))
        if self._leaves_reflection(index):
            return
        self._go(index)

    def _leaves_reflection(self, index: int) -> bool:
        """Whether going to element `index` is refused: it is in another domain and this
        domain's strengths and weaknesses are not saved."""
        if self.is_dirty("reflection") and int(self.codes[index][0]) != self.domain:
            self.messages.error(_("Save your strengths and weaknesses for this domain first: "
                                  "they are not saved."))
            return True
        return False

    # -- saving ------------------------------------------------------------------------
    @guard("rating")
    def save(self) -> None:
        rater = self.user.require()
        if rater is None:
            self.messages.error("Type your name at the top right first: your ratings are "
                                "kept under it (the team view never shows names).")
            return
        p = Problems({"level": self.level, "evidence": self.evidence})
        evidence = p.read("evidence", lambda: clean_text(self.evidence.value))
        if not self.level.value:
            p.add("level", "Choose the level that fits best.")
        code = self.codes[self.index]
        old = self.mine().get(code)
        base = old.model_dump() if old else {"org_id": self.district_id}
        rating = p.model(Rating, {**base, "rater": rater, "element": code,
                                  "level": self.level.value or 1,
                                  "evidence": evidence or ""},
                         {"rater": "level"})
        if p or rating is None:
            self.messages.error(p.summary())
            return
        if old and old.level == rating.level and old.evidence == rating.evidence:
            self.mark_clean("form")
            self._next_after_save()
            return
        saved = self.saver([rating], what=f"your rating of {code}")
        if saved is None:
            return
        self.ratings = [r for r in self.ratings if r.id != saved[0].id] + saved
        with self.loading():
            self._mine(resume=False)
            self._next_after_save()

    def _next_after_save(self) -> None:
        """On to the next element, unless that leaves unsaved strengths and weaknesses."""
        nxt = min(len(self.codes) - 1, self.index + 1)
        if self.is_dirty("reflection") and int(self.codes[nxt][0]) != self.domain:
            self.messages.info(_("Rating saved. Save your strengths and weaknesses for this "
                                 "domain before moving on to the next domain."))
            return
        self._go(nxt)

    # -- strengths and weaknesses (Tool C, per domain) ---------------------------------
    def my_reflection(self, domain: int) -> Reflection | None:
        """This rater's strengths and weaknesses for `domain` (the latest saved)."""
        mine = [r for r in self.reflections
                if self.rater and r.rater == self.rater and r.domain == domain]
        return mine[-1] if mine else None

    def _show_reflection(self, domain: int) -> None:
        if domain == self.domain and self.is_dirty("reflection"):
            return  # same domain: keep what is being typed
        self.domain = domain
        d = catalogue.domain(domain)
        r = self.my_reflection(domain)
        with self.loading():
            self.strengths.value = r.strengths if r else ""
            self.weaknesses.value = r.weaknesses if r else ""
        self.strengths.clear()
        self.weaknesses.clear()
        self.mark_clean("reflection")
        self.reflection_head.value = (
            f"<h4>{esc(d.reflection_prompt)}</h4><p><small>"
            + esc(_("Yours alone: the team sees a domain's strengths and weaknesses only "
                    "listed together, without names, once at least two people have written "
                    "them.")) + "</small></p>")

    def reload_reflections(self) -> None:
        self.reflections = [r for r in self.store.list(self.district_id, kind="reflection")
                            if isinstance(r, Reflection)]
        self.mark_clean("reflection")
        self.domain = 0
        self._show_reflection(int(self.codes[self.index][0]))

    @guard("rating")
    def save_reflection(self) -> None:
        rater = self.user.require()
        if rater is None:
            self.reflection_saver.here.error(_("Type your name at the top right first: your "
                                               "strengths and weaknesses are kept under it."))
            return
        p = Problems({"strengths": self.strengths, "weaknesses": self.weaknesses})
        strengths = p.read("strengths", lambda: clean_text(self.strengths.value))
        weaknesses = p.read("weaknesses", lambda: clean_text(self.weaknesses.value))
        old = self.my_reflection(self.domain)
        base = old.model_dump() if old else {"org_id": self.district_id}
        record = p.model(Reflection, {**base, "rater": rater, "domain": self.domain,
                                      "strengths": strengths or "",
                                      "weaknesses": weaknesses or ""},
                         {"rater": "strengths", "domain": "strengths"})
        if p or record is None:
            self.reflection_saver.here.error(p.summary())
            return
        saved = self.reflection_saver([record], what=_("your strengths and weaknesses"))
        if saved is None:
            return
        self.reflections = [r for r in self.reflections if r.id != saved[0].id] + saved

    # -- the team's consensus ----------------------------------------------------------
    def _agreed(self, practice: str) -> Consensus | None:
        mine = [c for c in self.consensus if c.practice == practice]
        return mine[-1] if mine else None

    @guard("rating")
    def _consensus_picked(self, change: dict) -> None:
        if not self.may_switch(self.consensus_practice, change, _(
                "Save the team's level for this practice (or set it back) first."),
                part="consensus"):
            return
        self._show_consensus()

    def _show_consensus(self) -> None:
        c = self._agreed(self.consensus_practice.value)
        with self.loading():
            self.consensus_level.value = c.level if c else 0
            self.consensus_note.value = c.note if c else ""
        self.consensus_level.clear()
        self.consensus_note.clear()
        self.mark_clean("consensus")

    @guard("rating")
    def save_consensus(self) -> None:
        p = Problems({"level": self.consensus_level, "note": self.consensus_note})
        note = p.read("note", lambda: clean_text(self.consensus_note.value))
        if not self.consensus_level.value:
            p.add("level", _("Choose the level the team agreed on."))
        old = self._agreed(self.consensus_practice.value)
        base = old.model_dump() if old else {"org_id": self.district_id}
        record = p.model(Consensus, {**base, "practice": self.consensus_practice.value,
                                     "level": self.consensus_level.value or 1,
                                     "note": note or ""}, {"practice": "level"})
        if p or record is None:
            self.consensus_saver.here.error(p.summary())
            return
        saved = self.consensus_saver([record], what=_("the team's level for {practice}")
                                     .format(practice=record.practice))
        if saved is None:
            return
        self._team()

    # -- the team's view ---------------------------------------------------------------
    def _team(self) -> None:
        # every rater's ratings, for the aggregate only (the store's one way to them)
        ratings = [r for r in cast(Any, self.store).ratings(self.district_id)
                   if isinstance(r, Rating)]
        raters = len({r.rater for r in ratings})
        self.consensus = [c for c in self.store.list(self.district_id, kind="consensus")
                          if isinstance(c, Consensus)]
        self._consensus_shown(ratings)
        if raters < MIN_RATERS:
            self.team.value = (f"<p>{raters} {'person has' if raters == 1 else 'people have'}"
                               f" rated so far. The team view appears once at least "
                               f"{MIN_RATERS} people have rated, so that no one's ratings "
                               "can be read off it.</p>")
            self.team_chart.empty("No team view yet.")
            return
        profile = an.rubric_profile(ratings, min_raters=MIN_RATERS)
        domains = profile[profile["scope"] == "domain"]
        rows = "".join(
            f"<tr><th>{esc(r.code)} {esc(r.name)}</th><td>{_level(r.mean_level)}</td>"
            f"<td>{esc(r.label)}</td></tr>" for r in domains.itertuples())
        self.team.value = (
            f"<p>{raters} people have rated; no names are shown. Practices rated by fewer "
            f"than {MIN_RATERS} people are hidden. {esc(an.rubric_summary(profile))}</p>"
            f"<table class='wb-table'><tr><th>Domain</th><th>mean level</th><th>reading</th>"
            f"</tr>{rows}</table>")
        self.team_chart.show(lambda: an.rubric_chart(profile),
                             "Mean level per practice, across the team.")


    def _consensus_shown(self, ratings: list[Rating]) -> None:
        """The practices: the anonymous mean (hidden below MIN_RATERS) beside the level the
        team agreed on."""
        profile = an.rubric_profile(ratings, min_raters=MIN_RATERS, consensus=self.consensus)
        table = an.consensus_table(profile)
        rows = "".join(
            f"<tr><th>{esc(r.practice)} {esc(r.name)}</th><td>{_level(r.mean_level)}</td>"
            f"<td>{'' if pd.isna(r.consensus_level) else int(r.consensus_level)} "
            f"{esc('' if pd.isna(r.consensus_name) else r.consensus_name)}</td></tr>"
            for r in table.itertuples())
        caption = _("Each practice: the mean of the ratings (no names) and the team consensus")
        self.consensus_table.value = (
            f"<table class='wb-table'><caption>{esc(caption)}</caption>"
            f"<tr><th>{esc(_('Practice'))}</th><th>{esc(_('mean level'))}</th>"
            f"<th>{esc(_('team consensus'))}</th></tr>{rows}</table>")
        if not self.is_dirty("consensus"):
            self._show_consensus()


def _level(value: Any) -> str:
    return "" if pd.isna(value) else f"{float(value):.2f}"


def app() -> None:
    """Show the self-reflection app (the one call its notebook makes)."""
    run(RatingApp)
