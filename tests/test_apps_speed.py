"""What makes an app's first page quick, checked on what it does (timings are in
benchmarks/apps.py, never here): shared default widget models, charts kept between
kernels on disk, the widget comm targets a forked kernel registers, and the catalogues a
fork server reads before it forks. (That a forked kernel answers the widget control comm is
tests/test_forkserver.py's.)"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import ipywidgets as widgets
import pytest
from conftest import private_cache
from ipywidgets.widgets import widget as widget_module

from workbook.apps import chartcache, common, forkserver

DISTRICT = "27661590000000"  # Salinas Union High
APPS = ("needs", "rating", "rootcause", "plan", "coaching", "status", "monitor", "network")


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory):
    with private_cache(tmp_path_factory, "apps-speed-cache"):
        yield


@pytest.fixture(scope="module")
def store(tmp_path_factory, cache_dir):
    from workbook.run import context
    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    s = Store(f"sqlite:///{tmp_path_factory.mktemp('speed') / 'apps.db'}")
    s.save_all(sample_plans.sample_plan(DISTRICT, context.region_outcomes("sample")).all(),
               user="loader")
    yield s
    s.engine.dispose()


def _app_class(name: str) -> type:
    module = importlib.import_module(f"workbook.apps.{name}")
    [cls] = [v for v in vars(module).values() if isinstance(v, type)
             and issubclass(v, common.App) and v is not common.App
             and v.__module__ == module.__name__]
    return cls


def _new_widgets(before: set) -> list[widgets.Widget]:
    return [w for k, w in widget_module._instances.items() if k not in before]


@pytest.mark.parametrize("name", APPS)
def test_leaf_widgets_share_one_untouched_layout_and_style(store, name):
    from workbook.users.model import Access

    before = set(widget_module._instances)
    app = _app_class(name)(store, {"district": DISTRICT}, access=Access.single_user())
    made = _new_widgets(before)
    html = [w for w in made if type(w) is widgets.HTML]
    assert len(html) >= 3, name
    layout = common.shared_model(widgets.Layout)
    style = common.shared_model(widgets.widget_string.HTMLStyle)
    # every HTML made without its own layout or style uses the shared ones
    assert sum(w.layout is layout for w in html) >= 2
    assert sum(w.style is style for w in html) >= 2
    # and nothing the app did to itself changed them (a change would show on every leaf)
    defaults = widgets.Layout().get_state()
    assert {k: v for k, v in layout.get_state().items() if v != defaults.get(k)} == {}
    assert style.get_state() == widgets.widget_string.HTMLStyle().get_state()
    # boxes keep their own layouts: the apps show and hide them through it
    boxes = [w for w in made if isinstance(w, widgets.Box)]
    assert boxes and all(b.layout is not layout for b in boxes)
    assert app.widget is not None


def test_a_widget_given_its_own_layout_keeps_it():
    own = widgets.Layout(width="50%")
    w = widgets.HTML("x", layout=own)
    assert w.layout is own and w.layout is not common.shared_model(widgets.Layout)
    assert widgets.VBox([]).layout is not widgets.VBox([]).layout


def test_a_chart_is_drawn_once_and_read_back_by_another_process(tmp_path, monkeypatch):
    calls = []

    @chartcache.shared
    def chart(region: str, org: str) -> str:
        calls.append((region, org))
        return f"<svg>{region}/{org}</svg>"

    monkeypatch.delenv(chartcache.ENV, raising=False)
    assert chart("a", "1") == chart("a", "1") == "<svg>a/1</svg>"
    assert len(calls) == 2  # no folder: nothing kept

    monkeypatch.setenv(chartcache.ENV, str(tmp_path))
    assert chart("a", "1") == "<svg>a/1</svg>" and len(calls) == 3
    assert chart("a", "1") == "<svg>a/1</svg>" and len(calls) == 3  # read back
    assert chart("a", "2") == "<svg>a/2</svg>" and len(calls) == 4
    [kept] = [p for p in tmp_path.rglob("*.svg") if "a/2" in p.read_text()]
    # another process (another kernel) finds the same file under the same arguments
    probe = ("import sys; from workbook.apps import chartcache;"
             "print(chartcache._path(chartcache.folder(), sys.argv[1], ('a', '2'), {}))")
    name = f"{chart.__module__}.{chart.__qualname__}"
    out = subprocess.run([sys.executable, "-c", probe, name], capture_output=True,
                         text=True, env={**os.environ, chartcache.ENV: str(tmp_path)},
                         check=True).stdout.strip()
    assert Path(out) == kept


def test_an_unwritable_chart_folder_only_costs_the_drawing(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(chartcache.ENV, str(blocked))

    @chartcache.shared
    def chart(x: int) -> str:
        return f"<svg>{x}</svg>"

    assert chart(1) == "<svg>1</svg>"


def test_a_new_server_folder_leaves_running_servers_and_clears_old_ones(tmp_path):
    first = chartcache.new_folder(tmp_path)
    old = tmp_path / "charts" / "20200101-000000-old"
    old.mkdir()
    os.utime(old, (0, 0))
    second = chartcache.new_folder(tmp_path)
    assert first.is_dir() and second.is_dir() and first != second
    assert not old.exists()


def test_the_warmer_draws_each_district_then_stops(tmp_path, monkeypatch, store):
    monkeypatch.setenv(chartcache.ENV, str(tmp_path))
    monkeypatch.setenv("WORKBOOK_DATABASE_URL", str(store.engine.url))
    done = chartcache.warm(os.getppid(), only=("oregon-lbl",), views=False)
    assert done == len(common.district_choices("oregon-lbl")) > 1
    drawn = list(tmp_path.rglob("*.svg"))
    assert len(drawn) >= 3 * done  # grid, gap and trend of each district
    assert chartcache.warm(-1, only=("oregon-lbl",)) == 0  # its server gone: it stops at once


def test_the_warmer_draws_the_views_one_choice_away(tmp_path, monkeypatch, store):
    from workbook.apps import needs
    from workbook.apps.needs import NeedsApp
    from workbook.users.model import Access

    for drawn_in_this_process in (needs.grid_svg, needs.gap_svg, needs.trend_svg):
        drawn_in_this_process.cache_clear()  # earlier tests drew some: draw them again
    monkeypatch.setenv(chartcache.ENV, str(tmp_path))
    app = NeedsApp(store, {"district": DISTRICT}, access=Access.single_user())
    opening = len(list(tmp_path.rglob("*.svg")))
    first_indicator, first_group = app.indicator.value, app.group.value
    chartcache._one_choice_away(app)
    indicators, groups = len(app.indicator.options), len(app.group.options)
    assert indicators > 2 and groups > 2
    # each other indicator: its gap chart and its trend; each other group: its trend
    assert len(list(tmp_path.rglob("*.svg"))) >= opening + 2 * (indicators - 1) + groups - 1
    # and what a person then chooses is read back, not drawn again
    calls = []
    monkeypatch.setattr("workbook.report.blocks.svg", lambda *a, **k: calls.append(a) or "")
    needs.grid_svg.cache_clear()
    needs.gap_svg.cache_clear()
    needs.trend_svg.cache_clear()
    app.group.value = first_group  # the page as a person opens it
    assert app.indicator.value == first_indicator
    app.indicator.value = app.indicator.options[1][1]
    app.indicator.value = first_indicator
    app.group.value = app.group.options[-1][1]
    assert calls == []


def test_the_fork_server_reads_the_catalogues_before_forking(monkeypatch):
    from workbook import catalogue

    catalogue._coaching.cache_clear()
    forkserver._preload_data()
    assert catalogue._coaching.cache_info().currsize == 1


def _visible_state(app) -> list:
    """What a page would show: every widget's value, options, disabled flag and classes,
    in the order of the widget tree."""
    out: list = []

    def walk(w) -> None:
        state = {k: getattr(w, k) for k in ("value", "options", "disabled", "description")
                 if hasattr(w, k)}
        out.append((type(w).__name__, repr(sorted(state.items(), key=lambda kv: kv[0])),
                    tuple(getattr(w, "_dom_classes", ()))))
        for child in getattr(w, "children", ()):
            walk(child)

    walk(app.widget)
    return out


@pytest.mark.parametrize("name", ["plan", "rootcause", "status", "monitor", "needs"])
@pytest.mark.parametrize("role", ["team", "viewer"])
def test_an_app_built_before_its_request_opens_as_one_built_after(store, name, role):
    from workbook.users.model import Access

    cls = _app_class(name)
    access = Access("Tess", {DISTRICT: role})
    early = cls.early()
    assert early is not None
    opened = early.attach(store, {"district": DISTRICT}, access=access)
    direct = cls(store, {"district": DISTRICT}, access=access)
    assert opened.district_id == direct.district_id == DISTRICT
    assert _visible_state(opened) == _visible_state(direct)


@pytest.mark.parametrize("name", ["rating", "network"])
def test_apps_whose_build_needs_the_person_are_built_after_the_request(name):
    assert _app_class(name).early() is None
