"""The network view as a liaison's app: the region's supported districts side by side, and a
support recorded from the matching's proposal.

The same analysis as `notebooks/05_region_network.ipynb`, drawn by the same functions
(`workbook.network.tables.network_tables`, the network charts), for the districts the
signed-in person supports: a liaison's districts, or every district for an admin. A viewer
or team member is refused in the kernel (`refusal`, before anything is read); the plans are
read through the guarded store, so a district the person holds no role for is never read.

Every table passes `report.blocks.prepare` for the apps' audience (small groups hidden for
stakeholders, every table audited with the ones before it on the page); a table the audit
refuses is withheld with the reason. A support is saved as a `progress.Support` through
the guarded store under the person's own name (`forms.Saver`): a liaison's role allows
supports and comments (`users.model.LIAISON_KINDS`), nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from workbook.apps.common import App, Chart, audience, esc, guard, run
from workbook.apps.forms import Field, Problems, Saver, clean_text, parse_date
from workbook.apps.roles import AccessRefused
from workbook.i18n import _
from workbook.store import Store
from workbook.users.model import Access

#: The roles that open the network view (for the organisations they hold them for).
NETWORK_ROLES = ("liaison", "admin")
#: Rows a table shows in the app (all rows are in the network report's CSVs).
MAX_ROWS = 150
#: The by-district columns the app shows: attention first, with the reason.
ATTENTION_COLUMNS = ["district", "attention", "reason", "actions", "behind", "behind_pct",
                     "milestones_behind", "budget_used_pct", "open_comments",
                     "oldest_comment_days", "measures_behind", "level"]


def refusal(access: Access) -> str:
    """Why this person may not open the network view ("" when they may): it is for the
    liaisons of the districts they support and for admins."""
    if access.is_admin or any(r in NETWORK_ROLES for r in access.roles.values()):
        return ""
    return _("The network view is for liaisons and administrators: your account ({roles}) "
             "does not support any district. Ask your workbook administrator if you "
             "should.").format(roles=access.describe())


def supports(access: Access, org_id: str) -> bool:
    """Whether the person supports `org_id` (liaison for it, or admin)."""
    return access.role(org_id) in NETWORK_ROLES


def table_html(frame: pd.DataFrame, max_rows: int = MAX_ROWS) -> str:
    """A frame as the report shows it (the report's own table markup)."""
    from workbook.report import blocks

    return blocks._table_html(frame, max_rows)


class NetworkApp(App):
    name = "network"
    builds_early = False  # its build hides the district picker
    title = "Network"

    def __init__(self, store: Store, query: Mapping[str, str] | None = None, *,
                 user: str | None = None, access: Access | None = None) -> None:
        reason = refusal(access or Access.single_user())
        if reason:  # refused before anything is read or drawn
            raise AccessRefused(reason)
        self.net: Any = None
        self.tables: dict[str, pd.DataFrame] = {}
        self.shown: dict[str, pd.DataFrame] = {}
        self.withheld: dict[str, str] = {}
        super().__init__(store, query, user=user, access=access)

    # -- building ----------------------------------------------------------------------
    def build(self) -> None:
        # the network is a region's: the district picker of the frame is not used
        self.picker.district.layout.display = "none"
        self.summary = widgets.HTML()
        self.summary.add_class("wb-network-summary")
        self.matrix_chart = Chart("network-matrix")
        self.attention_chart = Chart("network-attention")
        self.sections: dict[str, widgets.HTML] = {}
        for key in ("matrix", "implementation", "outcomes", "themes", "supports", "state"):
            self.sections[key] = widgets.HTML()
            self.sections[key].add_class(f"wb-network-{key}")
        self._build_form()
        self.view = widgets.VBox([
            self.summary, self.matrix_chart.widget, self.sections["matrix"],
            self.attention_chart.widget, self.sections["implementation"],
            self.sections["outcomes"], self.sections["themes"], self.sections["supports"],
            self.form, self.sections["state"]])

    def _build_form(self) -> None:
        from workbook import catalogue
        from workbook.progress.model import EFFECTIVENESS as MEANING
        from workbook.progress.model import SUPPORT_TYPES

        wide = widgets.Layout(width="100%")
        self.f_district = Field(widgets.Dropdown(layout=wide), _("District"))
        self.f_proposal = Field(widgets.Dropdown(layout=wide), _("From the proposal"),
                                _("fills in the provider, type and practice"))
        self.f_need = Field(widgets.Textarea(rows=2, layout=wide), _("What the support is for"))
        self.f_type = Field(widgets.Dropdown(options=[("", "")] + [(t, t) for t in
                                                                   SUPPORT_TYPES],
                                             layout=wide), _("Type of support"))
        self.f_provider = Field(widgets.Text(layout=wide), _("Provider"))
        self.f_practice = Field(widgets.Dropdown(
            options=[("", "")] + [(f"{p.code} {p.name}", p.code)
                                  for p in catalogue.practices()], layout=wide),
            _("Four Domains practice"))
        self.f_strategy = Field(widgets.Dropdown(layout=wide), _("Strategy it serves"))
        self.f_requested = Field(widgets.Text(placeholder="YYYY-MM-DD"), _("Requested on"))
        self.f_provided_on = Field(widgets.Text(placeholder="YYYY-MM-DD"), _("Given on"),
                                   _("empty: not given yet"))
        self.f_effect = Field(widgets.Dropdown(
            options=[(_("not rated yet"), 0)] + [(f"{k}: {_(v)}", k)
                                                  for k, v in MEANING.items()]),
            _("How effective it was"))
        self.f_evidence = Field(widgets.Textarea(rows=2, layout=wide),
                                _("Evidence of its effect"),
                                _("what shows how effective it was"))
        self.fields = {"district": self.f_district, "proposal": self.f_proposal,
                       "need": self.f_need, "support_type": self.f_type,
                       "provider": self.f_provider, "practice": self.f_practice,
                       "strategy": self.f_strategy, "requested": self.f_requested,
                       "provided_on": self.f_provided_on, "effectiveness": self.f_effect,
                       "evidence": self.f_evidence}
        for name, f in self.fields.items():
            f.control.add_class(f"wb-support-{name.replace('_', '-')}")
        self.watch(*(f.control for n, f in self.fields.items()
                     if n not in ("district", "proposal")), part="support")
        self.f_district.control.observe(self._district_picked, "value")
        self.f_proposal.control.observe(self._proposal_picked, "value")
        self.save_button = widgets.Button(description=_("Record the support"),
                                          button_style="primary")
        self.save_button.add_class("wb-save")
        self.save_button.on_click(lambda _b: self.save())
        self.saver = Saver(self, retry=self.save, part="support")
        grid = widgets.HBox([
            widgets.VBox([self.f_district.widget, self.f_proposal.widget, self.f_need.widget,
                          self.f_type.widget, self.f_provider.widget],
                         layout=widgets.Layout(width="50%")),
            widgets.VBox([self.f_practice.widget, self.f_strategy.widget,
                          self.f_requested.widget, self.f_provided_on.widget,
                          self.f_effect.widget, self.f_evidence.widget],
                         layout=widgets.Layout(width="50%"))])
        grid.add_class("wb-cols")
        self.form = widgets.VBox([
            widgets.HTML(f"<h3>{esc(_('Record a support'))}</h3><p>"
                         + esc(_("Pick a district and one of the matching's proposals, "
                                 "or fill in a support given by anyone; it is saved to the "
                                 "district's plan under your name.")) + "</p>"),
            grid, self.save_button, self.saver.place()])
        self.form.add_class("wb-support-form")

    # -- which districts ---------------------------------------------------------------
    def supported(self, org_id: str) -> bool:
        return supports(self.access, org_id)

    def may_change(self) -> bool:
        d = self.f_district.value if hasattr(self, "f_district") else ""
        return bool(d) and self.supported(d)

    # -- opening (the region, not one district) ----------------------------------------
    @guard("network")
    def _open(self) -> None:
        self.update_url()
        with self.loading():
            self.load()
        self.mark_clean()
        self.update_url()
        self.apply_role()

    def _district_changed(self, change: dict) -> None:  # the frame's picker is hidden
        return

    def load(self) -> None:
        from workbook.errors import WorkbookError
        from workbook.network import model
        from workbook.network import tables as nt
        from workbook.run import regions

        if not self.region:
            self.body.children = (widgets.HTML(
                f"<p class='wb-msg-info'>{esc(_('Pick a region above.'))}</p>"),)
            return
        region = regions.load(self.region)
        try:
            self.net = model.region_network(self.region, year=region.year,
                                            document=self.store.document,
                                            keep=self.supported)
        except WorkbookError:
            self.net = None
            self.body.children = (widgets.HTML(
                "<p class='wb-msg-info wb-network-none'>"
                + esc(_("You support no district of {region}: pick another region above, "
                        "or ask your workbook administrator.").format(region=region.title))
                + "</p>"),)
            return
        self.tables = nt.network_tables(self.net)
        self.shown, self.withheld = {}, {}
        self._earlier: list[Any] = []
        self._fill()
        self.body.children = (self.view,)

    # -- the page ----------------------------------------------------------------------
    def _table(self, key: str, title: str, *, columns: Sequence[str] | None = None,
               value_cols: Sequence[str] = (), key_cols: Sequence[str] = (),
               caption: str = "") -> str:
        """One table as the audience may see it, audited with the ones before it."""
        from workbook import privacy
        from workbook.errors import WorkbookError
        from workbook.report import blocks

        frame = self.tables[key]
        if columns is not None:
            frame = frame[list(columns)]
        keys = list(key_cols) or list(blocks.DEFAULT_KEYS)
        try:
            shown = blocks.prepare(frame, value_cols=value_cols, key_cols=keys,
                                   audience=audience(), state=self.net.state, name=key,
                                   earlier=self._earlier)
        except WorkbookError as err:
            self.withheld[key] = str(err)
            return (f"<section class='wb-block' data-table='{esc(key)}'><h4>{esc(title)}</h4>"
                    f"<p class='wb-msg-error'>{esc(_('Withheld'))}: {esc(str(err))}</p>"
                    "</section>")
        if audience() == "stakeholder" and "n" in shown.columns:
            self._earlier.append(privacy.Table(key, shown, [c for c in keys if c in shown]))
        self.shown[key] = shown
        cap = f"<p class='wb-caption'>{esc(caption)}</p>" if caption else ""
        body = (f"<p class='wb-empty'>{esc(_('Nothing to show yet.'))}</p>" if shown.empty
                else table_html(shown))
        return (f"<section class='wb-block' data-table='{esc(key)}'><h4>{esc(title)}</h4>"
                f"{cap}{body}</section>")

    def _fill(self) -> None:
        from workbook import network
        from workbook.needs.tables import VALUE_COLUMNS

        net, t = self.net, self.tables
        n = len(net.district_ids)
        who = (_("every district of the region (admin)") if self.access.is_admin else
               _("the {n} districts you support").format(n=n))
        notes = "".join(f"<p class='wb-warning'>{esc(line)}</p>" for line in net.notes)
        self.summary.value = (
            f"<h2>{esc(_('The network view'))}: {esc(net.title)}</h2>"
            f"<p class='wb-network-scope'>{esc(_('Showing'))} {esc(who)} · "
            f"{esc(_('status on'))} {net.as_of.isoformat()}</p>"
            f"<p class='wb-summary'>{esc(network.summary_sentence(t))}</p>{notes}")
        self.matrix_chart.show(lambda: network.matrix_chart(t["codes"]),
                               _("Districts by the twelve practices: shade = strategies "
                                 "coded to the practice, number = causes."))
        self.sections["matrix"].value = (
            f"<h3>{esc(_('The coded strategy matrix'))}</h3>"
            + self._table("matrix", _("Strategies and causes by domain"))
            + self._table("shared", _("Practices many districts share")))
        self.attention_chart.show(lambda: network.attention_chart(t["by_district"]),
                                  _("Share of each district's actions behind, most in need "
                                    "of attention first."))
        self.sections["implementation"].value = (
            f"<h3>{esc(_('Implementation by practice and by district'))}</h3>"
            + self._table("by_practice", _("Implementation by practice"))
            + self._table("by_district", _("Districts needing attention first"),
                          columns=ATTENTION_COLUMNS)
            + self._table("comments", _("Open coaching comments, longest open first")))
        self.sections["outcomes"].value = (
            f"<h3>{esc(_('Outcomes beside it'))}</h3>"
            + self._table("measures", _("Goal and strategy measures against targets"))
            + self._table("indicators", _("State indicators by student group"),
                          value_cols=VALUE_COLUMNS, key_cols=["org_id", "indicator", "year"])
            + self._table("identification", _("Identification for the state's support")))
        self.sections["themes"].value = (
            f"<h3>{esc(_('Root-cause themes'))}</h3>"
            + self._table("themes", _("Recurring causes across the region")))
        self.sections["supports"].value = (
            f"<h3>{esc(_('Supports'))}</h3>"
            + self._table("supports", _("Supports needed and provided"))
            + self._table("matches", _("Proposed matching: who supports which district, "
                                       "and why"), columns=network.MATCH_DISPLAY)
            + self._table("load", _("Provider capacity"))
            + self._table("effect", _("Did the support work?"),
                          caption=network.EFFECT_CAVEAT)
            + f"<p>{esc(network.effect_note(t['effect'], t['supports']))}</p>")
        state = (f"<h3>{esc(_('The state view'))}</h3>"
                 + self._table("counties", _("LEAs by county office"),
                               caption=network.county_caption(net)))
        if net.prior_year is not None:
            state += (f"<p>{esc(network.year_over_year_note(net))}</p>"
                      + self._table("ident_change", _("Identification, year over year"))
                      + self._table("indicator_years", _("State indicators, year over year"),
                                    value_cols=VALUE_COLUMNS,
                                    key_cols=["org_id", "indicator", "year"]))
        self.sections["state"].value = state
        from workbook.progress.model import SUPPORT_TYPES, support_types

        # the state's continuum, and any type a provider of the proposal gives
        kinds = [*(support_types(net.state) or SUPPORT_TYPES),
                 *t["matches"]["support_type"].dropna()]
        kinds = list(dict.fromkeys(kinds))
        self.f_type.control.options = [("", "")] + [(k, k) for k in kinds if k]
        ids = net.district_ids
        wanted = self.query.pop("support_district", "") or self.f_district.value
        self.f_district.control.options = [(_("Choose a district..."), "")] + [
            (f"{net.names.get(d, d)} ({d})", d) for d in ids]
        self.f_district.control.value = wanted if wanted in ids else ""
        self._district_options()

    # -- the support form --------------------------------------------------------------
    def _district_options(self) -> None:
        d = self.f_district.value
        matches = self.tables.get("matches")
        rows = ([] if matches is None or not d else
                matches[(matches["district_id"] == d) & (matches["provider_id"] != "")]
                .to_dict("records"))
        self.f_proposal.control.options = [(_("(none: type it in)"), "")] + [
            (f"{r['provider']} · {r['support_type']}", r["provider_id"]) for r in rows]
        self.f_proposal.control.value = ""
        doc = self.net.docs.get(d) if self.net is not None and d else None
        from workbook.plan.model import Strategy

        strategies = list(doc.of(Strategy)) if doc is not None else []
        self.f_strategy.control.options = [("", "")] + [(s.label()[:80], s.id)
                                                        for s in strategies]
        self.f_strategy.control.value = ""

    @guard("network")
    def _district_picked(self, change: dict) -> None:
        if not self.may_switch(self.f_district.control, change, _(
                "Record (or clear) the support first, then pick another district."),
                part="support"):
            return
        with self.loading():
            self._district_options()
        self.update_url()

    def url_params(self) -> dict[str, str]:
        return {"support_district": self.f_district.value or ""} \
            if hasattr(self, "f_district") else {}

    @guard("network")
    def _proposal_picked(self, change: dict) -> None:
        pid = change["new"]
        if not pid or self.is_loading:
            return
        m = self.tables["matches"]
        row = m[(m["district_id"] == self.f_district.value) & (m["provider_id"] == pid)]
        if row.empty:
            return
        r = row.iloc[0]
        self.propose(r)

    def propose(self, r: Mapping[str, Any]) -> None:
        """Fill the form from one row of the matching (provider, type, practice, reason)."""
        practices = [c.strip() for c in str(r["practices_matched"]).split(",") if c.strip()]
        self.f_provider.value = str(r["provider"])
        if r["support_type"] in {v for _l, v in self.f_type.control.options}:
            self.f_type.value = r["support_type"]
        if practices:
            self.f_practice.value = practices[0]
            strategies = self._strategy_for(practices[0])
            if strategies:
                self.f_strategy.value = strategies
        if not self.f_need.value.strip():
            self.f_need.value = str(r["why"])[:1000]

    def _strategy_for(self, practice: str) -> str:
        """The district's first strategy coded to `practice` ("" when none is)."""
        from workbook.plan.model import Strategy

        doc = self.net.docs.get(self.f_district.value) if self.net is not None else None
        for s in (doc.of(Strategy) if doc is not None else []):
            if s.practice == practice:
                return s.id
        return ""

    @guard("network")
    def save(self, *_args: Any) -> None:
        from workbook.progress.model import Support

        p = Problems(self.fields)
        d = self.f_district.value
        if not d:
            p.add("district", _("Pick the district the support is for."))
        elif not self.supported(d):
            p.add("district", _("You do not support this district."))
        need = p.read("need", lambda: clean_text(self.f_need.value))
        if need == "":
            p.add("need", _("Say what the support is for."))
        provider = p.read("provider", lambda: clean_text(self.f_provider.value, 200))
        requested = p.read("requested", lambda: parse_date(self.f_requested.value))
        given = p.read("provided_on", lambda: parse_date(self.f_provided_on.value))
        evidence = p.read("evidence", lambda: clean_text(self.f_evidence.value))
        score = int(self.f_effect.value or 0)
        if score and not given:
            p.add("effectiveness", _("Rate a support once it has been given (fill in the day "
                                     "it was given)."))
        if score and not evidence:
            p.add("evidence", _("Say what shows how effective it was."))
        if given and requested and given < requested:
            p.add("provided_on", _("It was given before it was requested: check the dates."))
        if given and given > dt.date.today():
            p.add("provided_on", _("That day has not come yet."))
        if p:
            self.saver.here.error(p.summary())
            return
        record = p.model(Support, {
            "org_id": d, "need": need, "provided": given is not None,
            "provider": provider or "", "support_type": self.f_type.value or None,
            "practice": self.f_practice.value or None, "strategy": self.f_strategy.value,
            "requested": requested, "provided_on": given,
            "effectiveness": score or None, "evidence": evidence or ""},
            aliases={"provided": "provided_on"})
        if p or record is None:
            self.saver.here.error(p.summary())
            return
        if self.saver([record], what=_("the support")) is None:
            return
        with self.loading():
            for name in ("need", "provider", "requested", "provided_on", "evidence"):
                self.fields[name].value = ""
            self.f_effect.value = 0
            self.f_type.value = ""
            self.f_practice.value = ""
        self.mark_clean("support")
        self.refresh()

    def refresh(self) -> None:
        """Read the supported districts again (after a save: the supports log, the
        matching and the capacity change), keeping the message of the save."""
        keep = self.f_district.value
        with self.loading():
            self.query["support_district"] = keep
            self.load()


def app() -> None:
    """Show the network app (the one call its notebook makes)."""
    run(NetworkApp)
