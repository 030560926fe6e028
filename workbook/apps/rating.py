"""Self-reflection (Tool C): each rater rates the rubric element by element, with evidence.

A rater sees one element at a time: its text, what it looks like at each of the four
performance levels, a choice of level and a box for the evidence. "Save and next" saves
that one rating (so stopping at any point loses nothing) and moves on; opening the app
again continues at the first element not yet rated.

The team view shows the team's ratings together (workbook.needs.tables.rubric_profile):
mean level, spread and agreement per practice and domain, with no rater named and any
practice rated by fewer than two people blanked, so one person's view cannot be read off
the summary; with fewer than two raters in all it shows only how many have rated.

Where people sign in (`workbook serve --auth users|proxy`), a rater is the signed-in
person: they see and change only their own ratings (the store the app gets never hands it
anyone else's, `workbook.apps.roles.GuardedStore`), and only a team member (or an admin)
rates; a viewer or liaison sees the team view alone.
"""

from __future__ import annotations

from typing import Any, cast

import ipywidgets as widgets
import pandas as pd

from workbook import catalogue
from workbook import needs as an
from workbook.apps.common import App, Chart, esc, guard, run
from workbook.apps.forms import Field, Problems, Saver, clean_text
from workbook.needs.model import Rating

#: Fewer raters than this and a practice's figures are hidden in the team view.
MIN_RATERS = 2


class RatingApp(App):
    name = "rating"
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
        mine = widgets.VBox([self.progress, self.practice, self.element_text, self.levels,
                             self.level.widget, self.evidence.widget,
                             widgets.HBox([self.prev_button, self.save_button,
                                           self.next_button])])
        team = widgets.VBox([self.team, self.team_chart.widget])
        self.mine_tab, self.team_tab = mine, team
        self.tabs = widgets.Tab(children=[mine, team])
        self.tabs.titles = ("My ratings", "Team view (no names)")
        self.tabs.observe(lambda _: self._team() if self._team_shown() else None,
                          "selected_index")
        if self.user.text is not None:
            self.user.text.observe(self._rater_changed, "value")
        self.index = 0

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
                               "before moving on."):
            return
        first = next(i for i, c in enumerate(self.codes) if c.startswith(change["new"]))
        self._go(first)

    @guard("rating")
    def step(self, delta: int) -> None:
        if self.dirty:
            self.messages.error("Save this rating first, or set it back: it is not saved.")
            return
        self._go(self.index + delta)

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
            self.mark_clean()
            self._go(self.index + 1)
            return
        saved = self.saver([rating], what=f"your rating of {code}")
        if saved is None:
            return
        self.ratings = [r for r in self.ratings if r.id != saved[0].id] + saved
        with self.loading():
            self._mine(resume=False)
            self._go(self.index + 1)

    # -- the team's view ---------------------------------------------------------------
    def _team(self) -> None:
        # every rater's ratings, for the aggregate only (the store's one way to them)
        ratings = [r for r in cast(Any, self.store).ratings(self.district_id)
                   if isinstance(r, Rating)]
        raters = len({r.rater for r in ratings})
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


def _level(value: Any) -> str:
    return "" if pd.isna(value) else f"{float(value):.2f}"


def app() -> None:
    """Show the self-reflection app (the one call its notebook makes)."""
    run(RatingApp)
