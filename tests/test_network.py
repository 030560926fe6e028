"""The network view (workbook.network): every roll-up on the sample region, checked against
figures this test works out itself from the stored records; the matching's capacity and
reasons; the Support fields it reads; a generated region of 2,000 districts; and the
notebook run for real under papermill, its published tables audited.

The sample region's plans are the illustrative ones `workbook.samples.plans.load_into`
writes into a temporary SQLite store (the `workbooks` session fixture).
"""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
import yaml
from bs4 import BeautifulSoup

from workbook import catalogue, privacy
from workbook.direction.model import Measure
from workbook.errors import WorkbookError
from workbook.needs.tables import district_snapshot
from workbook.network import generate, model, tables
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import Comment, StatusUpdate, Support
from workbook.records.document import PlanDocument
from workbook.report import page as report
from workbook.report import region as region_report
from workbook.run import notebooks, params
from workbook.store import Store

pytest_plugins = ["fixtures_workbooks"]  # the `workbooks` session fixture, shared

PROVIDERS = Path(__file__).resolve().parent.parent / "parameters" / "providers" / "sample.yaml"


@pytest.fixture(scope="module")
def net(workbooks) -> model.Network:
    """The sample region, loaded the way the notebook loads it."""
    with workbooks.env():
        p = params.RegionParams(region="sample", year=2024,
                                database_url=workbooks.database_url)
        return model.load(p)


@pytest.fixture(scope="module")
def built(net) -> dict[str, pd.DataFrame]:
    return tables.network_tables(net)


@pytest.fixture(scope="module")
def store(workbooks) -> Store:
    return Store(workbooks.database_url)


def _records(store: Store, kind: str, ids: list[str]) -> list:
    return [r for r in store.list(kind=kind) if r.org_id in ids]


# ------------------------------------------------------------------------- loading
def test_region_loads_every_district_with_its_plan(net, store):
    outcomes = net.outcomes
    expected = set(outcomes.loc[(outcomes["org_level"] == "district")
                                & (outcomes["year"] == 2024)
                                & (outcomes["county"] == "Monterey"), "district_id"])
    assert set(net.district_ids) == expected
    assert len(expected) == 25
    for d in net.district_ids:
        assert len(net.docs[d].all()) == len(store.list(org_id=d)) > 1
    assert net.as_of == dt.date(2025, 1, 31)  # quarter 2 of a plan year starting Aug 1
    assert net.providers is not None and net.providers.illustrative
    assert net.identification is not None  # California: computed by the state's rules


# ------------------------------------------------------------------------- 1. coding
def test_shared_practices_count_strategies_and_causes_per_practice(net, built, store):
    ids = net.district_ids
    strategies = [s for s in _records(store, "strategy", ids) if s.practice]
    causes = [c for c in _records(store, "cause", ids) if c.practice]
    shared = built["shared"].set_index("practice")
    assert list(sorted(shared.index)) == [p.code for p in catalogue.practices()]
    for code in shared.index:
        mine = [s for s in strategies if s.practice == code]
        theirs = [c for c in causes if c.practice == code]
        row = shared.loc[code]
        assert row["strategies"] == len(mine)
        assert row["districts_with_strategies"] == len({s.org_id for s in mine})
        assert row["causes"] == len(theirs)
        assert row["districts_with_causes"] == len({c.org_id for c in theirs})
        gap = {c.org_id for c in theirs} - {s.org_id for s in mine}
        assert row["causes_without_strategy"] == len(gap)
    counts = built["shared"]["districts_with_strategies"].tolist()
    assert counts == sorted(counts, reverse=True)  # most shared first


def test_matrix_lists_each_districts_codes_by_domain(net, built, store):
    matrix = built["matrix"].set_index("district_id")
    assert sorted(matrix.index) == net.district_ids
    for d in net.district_ids:
        want = collections.Counter(s.practice for s in store.list(org_id=d, kind="strategy")
                                   if s.practice)
        got: collections.Counter[str] = collections.Counter()
        for dom, col in tables.DOMAIN_COLUMNS.items():
            for item in filter(None, matrix.at[d, col].split(", ")):
                code, _, times = item.partition(" ×")
                assert code.startswith(str(dom)), (d, col, item)
                got[code] += int(times or 1)
        assert got == want, d
        causes = collections.Counter(c.practice for c in store.list(org_id=d, kind="cause")
                                     if c.practice)
        assert matrix.at[d, "causes"] == sum(causes.values())


# ------------------------------------------------------------------------- 2. implementation
def _expected_actions(doc: PlanDocument, as_of: dt.date) -> list[dict]:
    """Each action's status on `as_of`, worked out here from the records."""
    out = []
    for a in doc.of(Action):
        ups = sorted((u for u in doc.of(StatusUpdate) if u.action == a.id and u.date <= as_of),
                     key=lambda u: u.date)
        status = ups[-1].status if ups else "not started"
        behind = status == "behind" or (status != "complete" and a.due is not None
                                        and a.due < as_of)
        out.append({"id": a.id, "milestone": a.milestone, "status": status, "behind": behind,
                    "planned": a.budget, "used": ups[-1].budget_used if ups else 0.0})
    return out


def test_implementation_by_district_matches_the_records(net, built):
    by = built["by_district"].set_index("district_id")
    for d in net.district_ids:
        doc = net.docs[d]
        acts = _expected_actions(doc, net.as_of)
        row = by.loc[d]
        assert row["actions"] == len(acts)
        assert row["behind"] == sum(a["behind"] for a in acts)
        assert row["complete"] == sum(a["status"] == "complete" for a in acts)
        assert row["budget_used"] == pytest.approx(sum(a["used"] for a in acts))
        assert row["budget_planned"] == pytest.approx(sum(a["planned"] for a in acts))
        late_ms = 0
        for m in doc.of(Milestone):
            mine = [a for a in acts if a["milestone"] == m.id]
            complete = bool(mine) and all(a["status"] == "complete" for a in mine)
            if not complete and ((m.due is not None and m.due < net.as_of)
                                 or any(a["behind"] for a in mine)):
                late_ms += 1
        assert row["milestones_behind"] == late_ms
        open_ = [c for c in doc.of(Comment) if not c.resolved]
        assert row["open_comments"] == len(open_)
        oldest = max(((net.as_of - c.created.date()).days for c in open_), default=0)
        assert row["oldest_comment_days"] == oldest
        assert row["measures"] == len(doc.of(Measure))
    assert int(by["behind"].sum()) > 0  # the sample plans run some actions late


def test_attention_order_and_reasons(built):
    by = built["by_district"]
    assert by["attention"].tolist() == sorted(by["attention"], reverse=True)
    for _, row in by.iterrows():
        if row["behind"]:
            assert f"{row['behind']} of {row['actions']} action" in row["reason"]
        if row["oldest_comment_days"] > tables.STALE_COMMENT_DAYS:
            assert f"open {row['oldest_comment_days']} days" in row["reason"]
        if pd.notna(row["level"]) and row["level"] >= 2:
            assert f"level {row['level']}" in row["reason"]
        assert row["reason"].endswith(".")


def test_implementation_by_practice_adds_up(net, built, store):
    ids = net.district_ids
    practice_of = {s.id: s.practice or "" for s in _records(store, "strategy", ids)}
    strategy_of = {m.id: m.strategy for m in _records(store, "milestone", ids)}
    behind: collections.Counter[str] = collections.Counter()
    actions: collections.Counter[str] = collections.Counter()
    for d in ids:
        for a in _expected_actions(net.docs[d], net.as_of):
            code = practice_of.get(strategy_of.get(a["milestone"], ""), "")
            actions[code] += 1
            behind[code] += a["behind"]
    by = built["by_practice"].set_index("practice")
    assert dict(by["actions"]) == dict(actions)
    assert dict(by["behind"]) == dict(behind)


# ------------------------------------------------------------------------- 3. outcomes
def test_snapshots_equal_district_snapshot_for_every_district(net):
    together = tables.snapshots(net.outcomes, net.district_ids, 2024)
    for d in net.district_ids:
        one = district_snapshot(net.outcomes, d, 2024)
        mine = together[together["org_id"] == d].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, one, check_dtype=False)


def test_identification_is_the_states_computed_level(net, built):
    ident = built["identification"].set_index("district_id")
    leas = net.identification.leas.set_index("org_id")
    for d in net.district_ids:
        assert ident.at[d, "level"] == leas.at[d, "level"]
        assert ident.at[d, "summary"] == leas.at[d, "summary"]
    assert (ident["level"] >= 2).any()  # the county office is in differentiated assistance


def test_measures_are_the_plans_measures(net, built):
    measures = built["measures"]
    for d in net.district_ids:
        mine = measures[measures["district_id"] == d]
        assert sorted(mine["measure_id"]) == sorted(m.id for m in net.docs[d].of(Measure))


# ------------------------------------------------------------------------- 4. themes
def test_cause_themes_count_districts_behind_each_cause(net, built, store):
    themes = built["themes"]
    causes = _records(store, "cause", net.district_ids)
    for _, row in themes.iterrows():
        practice = row["practice"] if pd.notna(row["practice"]) else None
        mine = [c for c in causes if c.practice == practice and c.category == row["category"]]
        assert row["causes"] == len(mine)
        ids = sorted({c.org_id for c in mine})
        assert row["districts"] == len(ids)
        assert row["district_ids"] == ", ".join(ids)
    leadership = themes[(themes["practice"] == "1b") & (themes["category"] == "leadership")]
    assert leadership["districts"].iloc[0] == len(net.district_ids)  # 25 of 25


# ------------------------------------------------------------------------- 5. supports
def test_supports_log_lists_every_support(net, built, store):
    log = built["supports"]
    stored = _records(store, "support", net.district_ids)
    assert len(log) == len(stored)
    assert sorted(log["provider"]) == sorted(s.provider for s in stored)


def test_matching_respects_capacity_and_explains_itself(net, built):
    matches, load = built["matches"], built["load"]
    providers = {p.id: p for p in net.providers.providers}
    needs = built["needs"].set_index("district_id")
    assert sorted(matches["district_id"]) == net.district_ids  # every district has a row
    for pid, p in providers.items():
        n = int((matches["provider_id"] == pid).sum())
        assert n <= p.capacity
    assert (load["room_left"] >= 0).all()
    for _, m in matches.iterrows():
        if not m["provider_id"]:
            assert m["why"].startswith("No match: ")
            continue
        p = providers[m["provider_id"]]
        codes = m["practices_matched"].split(", ")
        wanted = (needs.at[m["district_id"], "practices"].split(", ")
                  + needs.at[m["district_id"], "cause_practices"].split(", "))
        assert set(codes) <= set(p.practices) & set(wanted)
        assert p.serves(net.counties[m["district_id"]])
        assert m["why"].startswith(p.name)
        assert all(c in m["why"] for c in codes)
        assert f"match score {m['score']}" in m["why"]
    # deterministic: the same inputs give the same proposal
    again = tables.match_providers(built["needs"], net.providers, built["supports"])
    pd.testing.assert_frame_equal(again, matches)


def test_matching_with_tight_capacity_says_who_is_full(net, built):
    tight = net.providers.model_copy(update={"providers": [
        p.model_copy(update={"capacity": 1}) for p in net.providers.providers]})
    matches = tables.match_providers(built["needs"], tight, built["supports"])
    given = matches[matches["provider_id"] != ""]
    assert len(given) == len(tight.providers)  # each provider takes exactly one district
    assert given["provider_id"].is_unique
    full = matches[matches["provider_id"] == ""]
    assert len(full) == len(net.district_ids) - len(tight.providers)
    assert full["why"].str.contains("at capacity").all()
    # the neediest districts are served first
    first = matches["district_id"].head(len(tight.providers)).tolist()
    assert set(first) == set(given["district_id"])


def test_existing_supports_use_up_capacity(net, built):
    p = net.providers.providers[0]
    log = built["supports"].copy()
    busy = [d for d in net.district_ids[: p.capacity]]
    extra = pd.DataFrame([{**log.iloc[0].to_dict(), "district_id": d, "provider": p.name,
                           "provided": True, "effectiveness": pd.NA} for d in busy])
    log = pd.concat([log, extra], ignore_index=True)
    log["effectiveness"] = log["effectiveness"].astype("Int64")
    matches = tables.match_providers(built["needs"], net.providers, log)
    assert p.id not in set(matches["provider_id"])  # it is full with its ongoing supports
    load = tables.provider_load(matches, net.providers, log).set_index("provider_id")
    assert load.at[p.id, "already_supporting"] == p.capacity
    assert load.at[p.id, "room_left"] == 0


def _share_behind(doc: PlanDocument, day: dt.date) -> float:
    acts = _expected_actions(doc, day)
    return round(100 * sum(a["behind"] for a in acts) / len(acts), 1)


def test_support_effect_compares_with_similar_districts_without_it():
    net = generate.region(30, seed=7)
    built = tables.network_tables(net)
    effect = built["effect"]
    assert len(effect)
    strategies = {d: {s.practice for s in net.docs[d].of(Strategy)} for d in net.district_ids}
    kinds: dict[str, set[str]] = collections.defaultdict(set)
    for d in net.district_ids:
        for s in net.docs[d].of(Support):
            if s.provided:
                kinds[d].add(s.support_type or "unspecified")
    for _, row in effect.head(8).iterrows():
        d, day = row["district_id"], row["provided_on"]
        then, now = _share_behind(net.docs[d], day), _share_behind(net.docs[d], net.as_of)
        assert row["behind_pct_then"] == then
        assert row["behind_pct_now"] == now
        peers = [p for p in net.district_ids if p != d and strategies[p] & strategies[d]
                 and row["support_type"] not in kinds[p]]
        assert row["peers"] == len(peers)
        if peers:
            changes = [_share_behind(net.docs[p], net.as_of) - _share_behind(net.docs[p], day)
                       for p in peers]
            assert row["peers_change"] == pytest.approx(sum(changes) / len(changes), abs=0.06)
    assert "not an experiment" in tables.EFFECT_CAVEAT


def test_sample_supports_are_dated_so_the_effect_is_compared(net, built, store):
    supports = _records(store, "support", net.district_ids)
    given = [s for s in supports if s.provided]
    dated = [s for s in given if s.provided_on is not None and s.provided_on <= net.as_of]
    assert len(dated) >= len(net.district_ids)  # every sample district has one at least
    effect = built["effect"]
    assert len(effect) == len(dated)
    assert collections.Counter(effect["district_id"]) == \
        collections.Counter(s.org_id for s in dated)
    assert len({s.support_type for s in dated}) >= 2  # so peers without a type exist
    then = tables.behind_shares(net.docs, [s.provided_on for s in dated])
    now = tables.behind_shares(net.docs, [net.as_of])[net.as_of]
    for row in effect.itertuples(index=False):
        before = then[row.provided_on].get(row.district_id, float("nan"))
        assert row.behind_pct_then == pytest.approx(before, nan_ok=True)
        if not pd.isna(before):
            assert row.change == pytest.approx(now[row.district_id] - before, abs=0.06)
    assert (effect["peers"] > 0).any()
    note = tables.effect_note(effect, built["supports"])
    assert note.startswith(f"{len(dated)} dated supports compared")


def test_support_effect_says_why_it_is_empty_without_dates(net, built):
    undated = built["supports"].assign(provided_on=None)
    note = tables.effect_note(built["effect"].iloc[0:0], undated)
    n = int(undated["provided"].sum())
    assert "provided_on" in note and f"{n} supports provided" in note


# ------------------------------------------------------------------------- inputs
def test_providers_file_problems_are_all_reported(tmp_path):
    raw = yaml.safe_load(PROVIDERS.read_text(encoding="utf-8"))
    raw["providers"][0]["practices"] = ["9z"]
    raw["providers"][1]["student_groups"] = ["NOPE"]
    raw["providers"][2]["id"] = raw["providers"][3]["id"]
    raw["providers"][4]["capacity"] = -1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(WorkbookError) as err:
        model.load_providers(bad)
    text = str(err.value)
    assert "providers[0].practices" in text and "providers[1].student_groups" in text
    assert "providers[4].capacity" in text
    assert all(line.startswith(str(bad)) for line in text.splitlines())
    (tmp_path / "broken.yaml").write_text("providers: [\n", encoding="utf-8")
    with pytest.raises(WorkbookError, match="not valid YAML"):
        model.load_providers(tmp_path / "broken.yaml")
    raw = yaml.safe_load(PROVIDERS.read_text(encoding="utf-8"))
    raw["providers"][2]["id"] = raw["providers"][3]["id"]
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(WorkbookError, match="more than once"):
        model.load_providers(bad)


def test_support_new_fields_are_optional_and_checked():
    old = Support.model_validate({"org_id": "1", "need": "coaching", "provided": True,
                                  "provider": "County office", "effectiveness": 3})
    assert old.support_type is None and old.provided_on is None and old.practice is None
    new = Support(org_id="1", need="coaching", support_type="corrective action",
                  practice="1B", provided_on=dt.date(2024, 10, 1))
    assert new.practice == "1b" and new.practice_code == "1b"
    with pytest.raises(ValueError):
        Support(org_id="1", need="x", practice="5a")


def test_region_params_are_checked_and_kept_apart_from_district_notebooks():
    assert "05_region_network" in params.REGION_NOTEBOOKS
    assert "05_region_network" not in params.NOTEBOOK_PARAMS
    with pytest.raises(params.ParameterError, match="did you mean 'region'"):
        params.check(params.RegionParams, {"regoin": "sample", "year": 2024})
    with pytest.raises(params.ParameterError, match="as_of"):
        params.check(params.RegionParams, {"year": 2024, "as_of": "31/12/2024"})


# ------------------------------------------------------------------------- scale
@pytest.mark.slow
def test_two_thousand_generated_districts_build_every_table():
    net = generate.region(2000, years=2)
    built = tables.network_tables(net)
    assert len(built["by_district"]) == len(built["matrix"]) == len(built["needs"]) == 2000
    assert len(built["actions"]) == sum(len(d.of(Action)) for d in net.docs.values())
    assert len(built["indicators"]) == len(net.outcomes) // 2  # this year's
    assert len(built["indicator_years"]) == len(net.outcomes)  # both years
    assert built["counties"]["leas"].sum() == 2000 and len(built["counties"]) == 10
    load = built["load"]
    room = (load["capacity"] - load["already_supporting"]).clip(lower=0)
    assert (load["proposed"] <= room).all()
    assert len(built["effect"]) > 0


# ------------------------------------------------------------------------- the notebook
@pytest.fixture(scope="module")
def executed(workbooks, tmp_path_factory):
    """The network workbook run for real, stakeholder edition, into a temporary folder."""
    out = tmp_path_factory.mktemp("network")
    data = out / "data" / "05_region_network"
    with workbooks.env():
        papermill.execute_notebook(
            str(notebooks.NOTEBOOK_DIR / "05_region_network.ipynb"),
            str(out / "network.ipynb"),
            parameters={"audience": "stakeholder", "database_url": workbooks.database_url,
                        "data_dir": str(data)},
            cwd=str(notebooks.NOTEBOOK_DIR), progress_bar=False, kernel_name="python3")
    report.write_report(out / "network.ipynb", out / "network.html")
    return out


@pytest.mark.slow
def test_notebook_runs_and_shows_every_section(executed):
    nb = nbformat.read(str(executed / "network.ipynb"), as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    page = BeautifulSoup((executed / "network.html").read_text(encoding="utf-8"),
                         "html.parser")
    headings = [h.get_text(strip=True).replace("¶", "") for h in page.select("main h2")]
    assert headings == ["The coded strategy matrix", "Implementation by practice and by district",
                        "Outcomes beside it", "The state view", "Root-cause themes",
                        "Supports"]
    text = page.get_text()
    assert "LEAs by county office" in text and "year over year" in text
    assert len(page.select("figure.wb-chart svg")) == 6
    assert "Monterey County" in page.get_text()


@pytest.mark.slow
def test_notebook_published_tables_pass_the_disclosure_audit(executed, net):
    published = region_report.read_published(executed, "region", "05_region_network")
    by_name = {t.name.rsplit("/", 1)[1]: t for t in published}
    assert sorted(by_name) == ["indicator-years", "indicators"]
    assert not privacy.audit(published)
    years = by_name["indicator-years"].frame
    assert set(years["year"].astype(int)) == {net.prior_year, net.year}
    assert years["n"].isna().any()  # small groups of both years hidden there too
    shown = by_name["indicators"].frame
    hidden = shown[shown["n"].isna()]
    assert len(hidden) > 0  # small groups were suppressed
    assert hidden["status"].isna().all()
    raw = tables.state_indicators(net)
    small = raw[(raw["n"] > 0) & (raw["n"] < privacy.threshold_for("CA"))]  # 0 is shown
    assert len(small) > 0
    keys = set(zip(hidden["org_id"], hidden["indicator"], hidden["student_group"],
                   strict=True))
    assert all(k in keys for k in zip(small["org_id"], small["indicator"],
                                      small["student_group"], strict=True))


@pytest.mark.slow
def test_unknown_region_parameter_stops_the_notebook(workbooks, tmp_path):
    with workbooks.env(), pytest.raises(papermill.PapermillExecutionError,
                                        match="unknown parameter 'distrct_id'"):
        papermill.execute_notebook(
            str(notebooks.NOTEBOOK_DIR / "05_region_network.ipynb"),
            str(tmp_path / "bad.ipynb"), parameters={"distrct_id": "1"},
            cwd=str(notebooks.NOTEBOOK_DIR), progress_bar=False, kernel_name="python3")


# ------------------------------------------------------------------------- PostgreSQL
@pytest.mark.postgres
def test_postgres_store_gives_the_same_tables(workbooks, built):
    from freshdb import fresh_postgres

    from workbook.samples import plans

    with fresh_postgres() as url, workbooks.env():
        plans.load_into(Store(url), workbooks.outcomes())
        on_pg = tables.network_tables(model.load(params.RegionParams(
            region="sample", year=2024, database_url=url)))
    assert set(on_pg) == set(built)
    for name, frame in built.items():
        pd.testing.assert_frame_equal(on_pg[name], frame, obj=name)


# ------------------------------------------------------------------------- no plans yet
def test_region_without_plans_builds_every_table_and_says_so(net):
    empty = model.Network(title="t", state=net.state, year=2024, as_of=net.as_of,
                          docs={d: PlanDocument(d) for d in net.district_ids},
                          names=net.names, counties=net.counties, outcomes=net.outcomes,
                          providers=net.providers)
    built = tables.network_tables(empty)
    assert built["actions"].empty and built["themes"].empty and built["effect"].empty
    assert (built["by_district"]["reason"] == "no plan actions recorded yet.").all()
    assert built["matches"]["why"].str.startswith("No match: no coded strategy").all()
    assert (built["load"]["proposed"] == 0).all()
    assert len(built["indicators"]) == len(tables.state_indicators(net))


# ------------------------------------------------------------------------- the browser
@pytest.mark.slow
def test_report_charts_draw_offline_in_chromium(executed):
    from pgserver import offline_chromium

    errors: list[str] = []
    for browser in offline_chromium():
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", lambda r: errors.append(f"failed {r.url}"))
        page.goto((executed / "network.html").as_uri())
        figures = page.locator("figure.wb-chart")
        assert figures.count() == 6
        for i in range(figures.count()):
            box = figures.nth(i).locator("svg").first.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50
        assert page.locator("svg text", has_text="Alisal Union").count() >= 1
        page.close()
    assert not errors, errors


# ------------------------------------------------------------------------- Oregon
def _oregon_net(monkeypatch, rows=None) -> model.Network:
    """The Oregon sample region without plans; `rows` stands in for the Oregon stage's
    `network_rows` (None: whatever the stage offers)."""
    from workbook.identification import oregon

    if rows is not None:
        monkeypatch.setattr(oregon, "network_rows", rows, raising=False)
    return model.region_network("oregon-lbl", year=2022, document=PlanDocument)


def test_oregon_identification_shows_growth_targets_triggers_tier_and_step(monkeypatch):
    calls = []

    def network_rows(region, outcomes, district_ids, documents=None):
        calls.append((region.name, list(district_ids), sorted(documents)))
        return pd.DataFrame({
            "district_id": district_ids[:3],
            "growth_targets_met": [2, 0, 4], "growth_targets_total": [5, 3, 4],
            "triggers": ["growth targets", "", "none"],
            "tier": ["primary", "none", "opportunity and innovation"],
            "continuum_step": [2, None, ""]})

    net = _oregon_net(monkeypatch, network_rows)
    assert calls == [("oregon-lbl", net.district_ids, net.district_ids)]
    assert len(net.district_ids) == 12
    built = tables.network_tables(net)
    ident = built["identification"]
    assert list(ident.columns) == tables.OREGON_IDENT_COLUMNS
    first, second, third = (ident.iloc[i] for i in range(3))
    assert first["growth_targets"] == "2 of 5 met" and first["tier"] == "primary"
    assert first["triggers"] == "growth targets" and first["continuum_step"] == "2"
    assert "corrective-action triggers raised: growth targets" in first["summary"]
    assert second["growth_targets"] == "0 of 3 met" and "no corrective" in second["summary"]
    assert "designation file" not in first["summary"]  # a tier was given
    assert third["growth_targets"] == "4 of 4 met"
    assert ident.iloc[3:]["summary"].str.startswith("Not computed").all()
    assert "level" not in ident.columns  # no California level in Oregon
    by = built["by_district"].set_index("district_id")
    assert "Oregon corrective-action trigger raised (growth targets)" in \
        by.loc[first["district_id"], "reason"]
    assert "trigger" not in by.loc[third["district_id"], "reason"]  # "none" is not raised
    counties = built["counties"]
    assert counties["leas"].sum() == 12
    assert counties["tier primary"].sum() == 1
    assert counties["tier opportunity and innovation"].sum() == 1
    assert counties["triggers raised"].sum() == 1
    assert built["ident_change"].empty and built["indicator_years"].empty  # one year


def test_oregon_rows_missing_a_column_is_a_clear_error(monkeypatch):
    net = _oregon_net(monkeypatch, lambda r, o, ids, documents=None: pd.DataFrame(
        {"district_id": ids}))
    with pytest.raises(WorkbookError, match="lack the columns"):
        tables.identification_table(net)


def _oregon_plans() -> dict[str, PlanDocument]:
    from workbook.run import batch, context, regions
    from workbook.samples import oregon as oregon_samples

    outcomes = context.region_outcomes("oregon-lbl")
    ids = [d for d, _ in batch.district_ids(regions.load("oregon-lbl"), outcomes)]
    return {p.org_id: p for p in oregon_samples.sample_plans(outcomes, ids)}


def test_oregon_sample_region_with_the_oregon_stage():
    from workbook.identification import oregon

    if not callable(getattr(oregon, "network_rows", None)):
        pytest.skip("workbook.identification.oregon.network_rows is not written yet")
    plans = _oregon_plans()
    net = model.region_network("oregon-lbl", year=2022,
                               document=lambda d: plans.get(d, PlanDocument(d)))
    ident = tables.identification_table(net)
    from workbook.run import regions

    expected = oregon.network_rows(regions.load("oregon-lbl"), net.outcomes,
                                   net.district_ids, documents=plans).set_index("district_id")
    assert len(ident) == 12
    for r in ident.itertuples(index=False):
        o = expected.loc[r.district_id]
        assert r.growth_targets_met == o["growth_targets_met"]
        assert r.growth_targets_total == o["growth_targets_total"]
        assert r.triggers == o["triggers"] and r.continuum_step == o["continuum_step"]
        assert r.summary.startswith("Growth targets: ")
        assert r.growth_by_year == o["growth_by_year"]
        # the bundled files hold 2021-22 only, before plan year 1: nothing judged yet
        assert (r.growth_targets == "no growth targets judged yet") == \
            (o["growth_targets_total"] == 0)


# ------------------------------------------------------------------------- state view
def test_county_offices_count_levels_and_years_identified(net, built):
    from workbook.identification import tables as ident_tables

    counties = built["counties"]
    assert list(counties["county"]) == ["Monterey"] and counties["leas"].sum() == 25
    ident = built["identification"]
    for lvl in (1, 2, 3):
        assert counties[f"level {lvl} (2024)"].iloc[0] == int((ident["level"] == lvl).sum())
    hist = ident_tables.history(net.lists, net.identification)
    hist = hist[hist["org_id"].isin(net.district_ids) & hist["identified"]]
    for year, n in hist.groupby("year").size().items():
        assert counties[f"identified {year}"].iloc[0] == n
    assert sorted(counties["district_ids"].iloc[0].split(", ")) == net.district_ids


def test_county_offices_fall_back_to_the_cds_county_code(net):
    ids = ["01611190000000", "01611270000000", "19647330000000"]
    bare = model.Network(title="t", state="CA", year=2024, as_of=net.as_of,
                         docs={d: PlanDocument(d) for d in ids}, names={d: d for d in ids},
                         counties=dict.fromkeys(ids, ""), outcomes=net.outcomes)
    ident = tables.identification_table(bare)
    out = tables.county_offices(bare, ident).set_index("county")
    assert out.loc["county code 01", "leas"] == 2 and out.loc["county code 19", "leas"] == 1


def test_year_over_year_compares_the_two_latest_years(net, built):
    assert net.prior_year == 2018 and net.prior_identification is not None
    change = built["ident_change"]
    assert len(change) == 25 and set(change["year_then"]) == {2018}
    for r in change.itertuples(index=False):
        lea = net.prior_identification.lea(r.district_id)
        assert (pd.isna(r.level_then) if lea is None else r.level_then == lea["level"])
        if not pd.isna(r.level_then) and not pd.isna(r.level_now):
            word = ("more" if r.level_now > r.level_then else "less"
                    if r.level_now < r.level_then else "same")
            assert r.change.startswith(word)
    years = built["indicator_years"]
    for year in (2018, 2024):
        mine = years[years["year"] == year].reset_index(drop=True)
        expected = tables.snapshots(net.outcomes, net.district_ids, year)[
            tables.INDICATOR_COLUMNS]
        assert len(mine) == len(expected) > 0
    assert "6 years apart" in tables.year_over_year_note(net)


# ------------------------------------------------------------------------- the app
LIAISON_OF = ["27661590000000", "27660920000000"]  # Salinas Union High, Monterey Peninsula


@pytest.fixture()
def app_env(workbooks, monkeypatch):
    monkeypatch.setenv("WORKBOOK_CACHE_DIR", str(workbooks.cache_dir))
    monkeypatch.setenv("WORKBOOK_APPS_AUDIENCE", "stakeholder")
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    return workbooks


def _app(url: str, access, query=None):
    from workbook.apps.network import NetworkApp

    return NetworkApp(Store(url), query or {}, access=access)


def test_app_refuses_viewers_and_team_members(app_env):
    from workbook.apps.roles import AccessRefused
    from workbook.users.model import Access

    for role in ("viewer", "team"):
        with pytest.raises(AccessRefused, match="for liaisons and administrators"):
            _app(app_env.database_url, Access("Pat", dict.fromkeys(LIAISON_OF, role)))


def test_app_shows_only_the_liaisons_districts(app_env, net):
    from workbook.users.model import Access

    liaison = Access("Lee Liaison", {LIAISON_OF[0]: "liaison", LIAISON_OF[1]: "liaison",
                                     "27751500000000": "team"})
    app = _app(app_env.database_url, liaison)
    assert app.net.district_ids == sorted(LIAISON_OF)  # the team district is not theirs
    for name in ("matrix", "by_district", "identification", "themes", "supports",
                 "matches", "indicators", "counties"):
        frame = app.shown[name]
        ids = set(frame["district_id"] if "district_id" in frame else
                  frame.get("org_id", pd.Series(LIAISON_OF)))
        assert ids <= set(LIAISON_OF), name
    assert not app.withheld
    text = app.view.children[0].value
    assert "the 2 districts you support" in text
    assert "Salinas Union High" in app.sections["matrix"].value
    assert "Big Sur" not in "".join(w.value for w in app.sections.values())
    # the district's own records: read through the guarded store, the same as the report
    full = tables.network_tables(net)["by_district"].set_index("district_id")
    mine = app.tables["by_district"].set_index("district_id")
    for d in LIAISON_OF:
        assert mine.loc[d, "reason"] == full.loc[d, "reason"]
    # stakeholders: small groups hidden in the app's indicators table as in the report
    shown, raw = app.shown["indicators"], app.tables["indicators"]
    small = raw[(raw["n"] > 0) & (raw["n"] < privacy.threshold_for("CA"))]
    assert len(small) > 0 and shown.loc[small.index, "status"].isna().all()
    assert [o[1] for o in app.f_district.control.options][1:] == sorted(LIAISON_OF)


def test_admin_sees_every_district(app_env, net):
    from workbook.users.model import Access

    app = _app(app_env.database_url, Access("Ana Admin", {"*": "admin"}))
    assert app.net.district_ids == net.district_ids
    assert len(app.shown["by_district"]) == 25


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                             marks=pytest.mark.postgres)])
def test_liaison_records_a_support_from_the_proposal(app_env, tmp_path, backend):
    from freshdb import fresh_database

    with fresh_database(backend, tmp_path) as url:
        from workbook.samples import plans

        plans.load_into(Store(url), app_env.outcomes())
        _record_a_support(url)


def _record_a_support(url: str) -> None:
    from workbook.users.model import Access

    liaison = Access("Lee Liaison", dict.fromkeys(LIAISON_OF, "liaison"))
    app = _app(url, liaison)
    d = LIAISON_OF[0]
    app.f_district.value = d
    proposals = [v for _label, v in app.f_proposal.control.options if v]
    assert proposals, "the matching proposes a provider for the district"
    app.f_proposal.value = proposals[0]
    row = app.tables["matches"].query("district_id == @d and provider_id == @proposals[0]")
    assert app.f_provider.value == row["provider"].iloc[0]
    assert app.f_type.value == row["support_type"].iloc[0]
    assert app.f_need.value.startswith(row["provider"].iloc[0])
    app.f_requested.value = "2024-12-02"
    app.f_provided_on.value = "2025-01-10"
    app.f_effect.value = 3
    app.save()  # no evidence: refused, nothing saved
    assert "evidence" in app.f_evidence.message.lower() or app.f_evidence.message
    before = [r for r in Store(url).list(d, kind="support")]
    app.f_evidence.value = "The team's measures now name a date and a source."
    app.save()
    after = Store(url).list(d, kind="support")
    assert len(after) == len(before) + 1
    new = next(r for r in after if r.id not in {b.id for b in before})
    assert new.updated_by == "Lee Liaison"
    assert new.provider == row["provider"].iloc[0] and new.provided
    assert new.provided_on == dt.date(2025, 1, 10) and new.effectiveness == 3
    assert new.requested == dt.date(2024, 12, 2)
    # the app read the region again: the support is in its log
    log = app.tables["supports"]
    assert ((log["district_id"] == d) & (log["provided_on"] == dt.date(2025, 1, 10))).any()


def test_liaison_cannot_record_a_support_elsewhere(app_env, tmp_path):
    from workbook.apps.roles import AccessRefused, GuardedStore
    from workbook.users.model import Access

    url = app_env.new_store(tmp_path / "plans.db")
    liaison = Access("Lee Liaison", {LIAISON_OF[0]: "liaison", "27751500000000": "viewer"})
    guarded = GuardedStore(Store(url), liaison)
    with pytest.raises(AccessRefused):
        guarded.save(Support(org_id="27751500000000", need="x"), user="typed")
    saved = guarded.save(Support(org_id=LIAISON_OF[0], need="x"), user="typed")
    assert saved.updated_by == "Lee Liaison"
    with pytest.raises(AccessRefused):  # a liaison still changes no plan record
        guarded.save(Strategy(org_id=LIAISON_OF[0], goal="g", title="t"), user="typed")


# ------------------------------------------------------------------ the matrix's numbers
def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio, computed here independently of the chart module."""
    def lum(c: tuple[int, ...]) -> float:
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
               for v in (x / 255 for x in c)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _color(text: str) -> tuple[int, ...]:
    import re

    named = {"white": (255, 255, 255), "black": (0, 0, 0)}
    if text in named:
        return named[text]
    if text.startswith("#"):
        return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(round(float(v)) for v in re.findall(r"[\d.]+", text)[:3])


@pytest.mark.parametrize("most", [1, 2, 3, 4, 5, 8, 13])
def test_every_number_in_the_matrix_reads_on_its_own_shade(most):
    """Whatever the most strategies in one cell (a liaison's own districts may have one),
    each cause count is drawn in an ink of at least 4.5:1 against its drawn cell, and the
    legend counts strategies in whole numbers."""
    import re

    from workbook.network import charts
    from workbook.report import blocks

    counts = list(range(most + 1))
    codes = pd.DataFrame({"district": [f"District {n:02d}" for n in counts],
                          "practice": "2a", "practice_name": "Talent",
                          "strategies": counts, "causes": [n + 1 for n in counts]})
    drawing = blocks.svg(charts.matrix_chart(codes))
    cells = re.findall(r'aria-roledescription="rect mark"[^>]*fill="([^"]+)"', drawing)
    numbers = re.findall(r'aria-roledescription="text mark"[^>]*fill="([^"]+)">([^<]*)<',
                         drawing)
    assert len(cells) == len(numbers) == len(counts)
    assert [label for _, label in numbers] == [str(n + 1) for n in counts]
    ratios = [_contrast(_color(cell), _color(ink))
              for cell, (ink, _) in zip(cells, numbers, strict=True)]
    assert min(ratios) >= 4.5, list(zip(counts, ratios, strict=True))
    assert len({_color(c) for c in cells}) == len(counts)  # every count its own shade
    legend = re.findall(r'class="mark-text role-legend-label"[^>]*>.*?</g>', drawing, re.S)
    labels = re.findall(r">(-?[\d.]+)</text>", "".join(legend))
    whole = [int(v) for v in labels if re.fullmatch(r"\d+", v)]
    assert len(whole) == len(labels) == len(set(whole)) <= 6, labels  # no 0.5, no repeats
    assert min(whole) == 0 and max(whole) == most, labels
