"""The four workbooks as read-only pages of `workbook serve`, chosen by the page address.

`/voila/render/01_needs_assessment.ipynb?region=sample&district_id=27661590000000` runs
the same notebook papermill runs in batch, with the same parameters: Voila's
`prelaunch_hook` reads the address, checks it with `workbook.run.params.check` and injects
the values with papermill's `parameterize_notebook`. What a page may choose is the place
and the period (`ADDRESS_PARAMS`); who sees what (`audience`) and where data live
(`database_url`, `data_dir`) belong to the server, so an address naming them is refused.

A wrong address (an unknown parameter, a district the region does not have, a bad value)
never runs the notebook: the page shows one line saying what was wrong and the picker to
choose again, with status 400. The picker itself is plain HTML the template draws from
`nb.metadata["workbook_page"]` (see template/index.html.j2): a GET form of region,
district (and quarter for 04), so it shows before the kernel has started and works
without JavaScript.

Voila cannot pre-heat a kernel for a notebook whose cells depend on the request (it
refuses `preheat_kernel` with a `prelaunch_hook`), so the hook is set only on the
workbook pages' own copy of the configuration (`workbook.apps.serve`); the apps keep
their pre-heated kernels, and a workbook page starts a kernel when it is opened.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from workbook.apps import APPS, WORKBOOK_OF_APP
from workbook.run.params import NOTEBOOK_PARAMS, ParameterError, check
from workbook.users.model import Access

#: The workbooks a server shows, in the order of the cycle.
WORKBOOKS: tuple[str, ...] = tuple(NOTEBOOK_PARAMS)
#: What a page address may set (the rest of a workbook's parameters are the server's).
ADDRESS_PARAMS: tuple[str, ...] = ("region", "district_id", "year", "quarter", "plan_year",
                                   "plan_start")
#: Parameters the server sets and an address never does.
SERVER_PARAMS: tuple[str, ...] = ("audience", "database_url", "data_dir")
#: The app a workbook page links to: the first app (in navigation order) that edits it.
APP_OF_WORKBOOK: dict[str, str] = {wb: app for app, wb in reversed(WORKBOOK_OF_APP.items())}
#: The address of a workbook page under Voila's render path (exact names: nothing else).
ROUTE = r"/voila/render/((?:" + "|".join(WORKBOOKS) + r")\.ipynb)"


def notebook_path(name: str) -> Path:
    """The workbook's notebook file (`workbook.run.notebooks` knows where they live)."""
    from workbook.run import notebooks

    return notebooks.path_of(name)


@functools.cache
def title_of(name: str) -> str:
    """The workbook's title: the first heading of its notebook."""
    from workbook.apps.serve import notebook_summary

    return notebook_summary(notebook_path(name))[0]


def address_params(name: str) -> tuple[str, ...]:
    """The parameters a page address may set for this workbook."""
    known = NOTEBOOK_PARAMS[name].model_fields
    return tuple(p for p in ADDRESS_PARAMS if p in known)


def region_titles() -> dict[str, str]:
    """Every region a page may choose: {name: title} (the apps' list, read once)."""
    from workbook.apps import common

    return common._region_titles()


def _shown(value: str, limit: int = 40) -> str:
    """A value from the address as quoted in a message (long ones cut)."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


@dataclass
class Page:
    """What one page address asks for, once checked."""

    name: str  # the workbook, e.g. "01_needs_assessment"
    region: str  # a region the server has (the default one when the address had none)
    district_id: str = ""  # a district of that region, or "" (none chosen, or a bad one)
    district_name: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)  # injected; empty: no run
    problem: str = ""  # one line saying what was wrong with the address
    quarter: int | None = None  # the quarter shown (04 only)
    kept: dict[str, str] = field(default_factory=dict)  # other address values, kept as is
    access: Access | None = None  # the signed-in person's roles (None: no users)

    @property
    def runs(self) -> bool:
        return bool(self.parameters)

    @property
    def title(self) -> str:
        return title_of(self.name)

    @property
    def heading(self) -> str:
        """The browser tab's title: the workbook and the district."""
        if not self.district_name:
            return self.title
        quarter = f", quarter {self.quarter}" if self.runs and self.quarter else ""
        return f"{self.title}: {self.district_name}{quarter}"

    def summary(self, audience: str) -> str:
        """One line under the picker: what the page shows, and to whom."""
        from workbook.apps.common import state_terms

        p = self.parameters
        t = state_terms(self.region)  # the state's words: Dashboard year or ODE school year
        year = int(p["year"])
        parts = [f"{self.district_name} ({self.district_id})", region_titles()[self.region],
                 f"{t['source']} {year if t['colors'] else f'{year - 1}-{str(year)[2:]}'}"]
        if "quarter" in p:
            parts.append(f"plan year {p['plan_year']}, quarter {p['quarter']}")
        shown = (f"small groups of students hidden ({t['suppression']})"
                 if audience == "stakeholder" else "every student count shown")
        return " · ".join(parts) + f". Read-only; {shown}."

    def picker(self, audience: str) -> dict[str, Any]:
        """What the template draws above the notebook (plain, JSON-able values)."""
        from workbook.apps.common import district_choices

        place = {"region": self.region, **({"district": self.district_id}
                                           if self.district_id else {})}
        app = APP_OF_WORKBOOK.get(self.name, APPS[0][0])
        return {
            "workbook": self.name,
            "title": self.title,
            "heading": self.heading,
            "summary": self.summary(audience) if self.runs else "",
            "problem": self.problem,
            "prompt": "" if self.runs or self.problem else
            "Choose a district to open this workbook for it.",
            "regions": [[n, t] for n, t in region_titles().items()],
            "region": self.region,
            "districts": [[d, f"{n} ({d})"] for d, n in district_choices(self.region)
                          if self.access is None or self.access.may_see(d)],
            "district_id": self.district_id,
            "quarters": [1, 2, 3, 4] if "quarter" in address_params(self.name) else [],
            "quarter": self.quarter or "",
            "kept": sorted(self.kept.items()),
            "home": "../../?" + urlencode(place),
            "app": [f"{app}.ipynb?{urlencode(place)}", dict(APPS)[app] + " app"],
        }


def read_address(name: str, query: Mapping[str, str], *, audience: str,
                 access: Access | None = None) -> Page:
    """Check a page address against the workbook's parameters; never raises for bad input.

    The notebook's parameters are those the batch gives the district
    (`batch.notebook_parameters` of the region's manifest), then the address's choices,
    then the server's: `audience`, and no data folder. All are validated with
    `workbook.run.params.check`, as in the notebook's own validation cell. The plan
    store is the server's (WORKBOOK_DATABASE_URL, which every kernel inherits). With
    `access` (a signed-in person), only their districts are offered or opened.
    """
    from workbook.apps.common import district_choices
    from workbook.run import batch, context, regions

    query = {k: v for k, v in query.items() if k != "token"}  # the login, not a parameter
    allowed = address_params(name)
    known = region_titles()
    default_region = "sample" if "sample" in known else next(iter(known))
    region = query.get("region", default_region)
    page = Page(name, region if region in known else default_region, access=access)
    server = [k for k in query if k in SERVER_PARAMS]
    unknown = [k for k in query if k not in allowed and k not in SERVER_PARAMS]
    if server:
        verb, it = ("is", "it") if len(server) == 1 else ("are", "them")
        page.problem = (f"{', '.join(map(repr, server))} {verb} set by the server, never by "
                        f"the page address; remove {it} from the address.")
        return page
    if unknown:
        guess = difflib.get_close_matches(unknown[0], allowed, n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        page.problem = (f"This workbook does not take {_shown(unknown[0])}{hint}; a page "
                        f"address may set {', '.join(allowed)}.")
        return page
    page.kept = {k: query[k] for k in ("year", "plan_year", "plan_start") if k in query}
    if region not in known:
        page.problem = (f"There is no region {_shown(region)}; regions: "
                        f"{', '.join(known)}. Choose one above.")
        return page
    manifest = regions.load(region)
    if "quarter" in allowed:
        page.quarter = manifest.quarter
    wanted = query.get("district_id", "")
    if not wanted:
        return page
    names = dict(district_choices(region))
    if wanted not in names:
        page.problem = (f"District {_shown(wanted)} is not in {known[region]}; choose one "
                        "above.")
        return page
    if access is not None and not access.may_see(wanted):
        page.problem = (f"You have no role for district {_shown(wanted)}; choose one of "
                        "yours above.")
        return page
    page.district_id, page.district_name = wanted, names[wanted]
    values = batch.notebook_parameters(manifest, wanted, name, None)
    values |= {k: query[k] for k in allowed if k in query and k != "region"}
    values |= {"region": region, "audience": audience, "database_url": "", "data_dir": ""}
    try:
        params = check(NOTEBOOK_PARAMS[name], values)
    except ParameterError as err:
        page.problem = f"The page address has a bad value: {err}."
        return page
    years = set(context.region_outcomes(region)["year"].astype(int))
    if params.year not in years:
        page.problem = (f"{known[region]} has no data for {params.year}; years: "
                        f"{', '.join(map(str, sorted(years)))}.")
        return page
    page.parameters = params.model_dump()
    page.quarter = page.parameters.get("quarter")
    return page


def page_notebook(nb, page: Page, *, audience: str):
    """The notebook a page runs: parameterized, or (nothing to run) its introduction only."""
    if page.runs:
        from papermill.parameterize import parameterize_notebook

        # what papermill's own loader adds (load_notebook_node) before it parameterizes
        nb.metadata.setdefault("papermill", {"parameters": {}})
        for cell in nb.cells:
            cell.metadata.setdefault("tags", [])
        nb = parameterize_notebook(nb, page.parameters)
    else:
        intro = []
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                break
            intro.append(cell)
        nb.cells = intro
    nb.metadata["title"] = page.heading
    nb.metadata["workbook_page"] = page.picker(audience)
    return nb


def prelaunch_hook(handler, notebook, cwd: str):
    """Voila's prelaunch hook for the workbook pages (VoilaConfiguration.prelaunch_hook).

    Called with the request before the kernel starts; returns the notebook to run. A bad
    address sets status 400 and returns a notebook with nothing to run.
    """
    from workbook.apps.common import audience, log_exception, parse_query

    name = Path(handler.request.path).stem
    who = audience()
    try:
        page = read_address(name, parse_query(handler.request.query), audience=who,
                            access=signed_in_access(handler))
        status = 400
    except Exception:  # our data or manifests, not the address: say so, log the rest
        when = log_exception(f"opening workbook page {name}")
        page = Page(name, next(iter(region_titles()), "sample"))
        page.problem = ("This workbook could not be opened; tell your workbook "
                        f"administrator the time: {when}.")
        status = 500
    if page.problem:
        handler.set_status(status)
    return page_notebook(notebook, page, audience=who)


def signed_in_access(handler: Any) -> Access | None:
    """The roles of the person the server signed in for this request (None: no users,
    every district may be opened; an unknown or disabled person: none)."""
    import os

    from workbook.apps.roles import SIGNED_IN
    from workbook.store import make_engine
    from workbook.users import Users

    if os.environ.get("WORKBOOK_AUTH", "") not in SIGNED_IN:
        return None
    user = handler.current_user
    name = getattr(user, "username", "") if user is not None else ""
    engine = make_engine()
    try:
        return Users(engine).access(name) or Access(name, {})
    finally:
        engine.dispose()


def page_handler():
    """The handler of workbook pages: Voila's page, the notebook read from notebooks/.

    Voila reads notebooks through the contents manager of its root (notebooks/apps);
    this handler reads the four workbooks through one rooted at notebooks/, and its
    route names them exactly, so nothing else in that folder is reachable.
    """
    import tornado.web
    from jupyter_core.utils import ensure_async
    from voila.tornado.handler import TornadoVoilaHandler

    class Kernels:
        """The server's kernel manager, noting the kernel this page starts."""

        def __init__(self, manager) -> None:
            self._manager = manager
            self.started: list[str] = []

        async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
            kernel_id = await ensure_async(self._manager.start_kernel(*args, **kwargs))
            self.started.append(kernel_id)
            return kernel_id

        def __getattr__(self, name: str) -> Any:
            return getattr(self._manager, name)

    class WorkbookPageHandler(TornadoVoilaHandler):
        def initialize(self, **kwargs: Any) -> None:
            self._workbook_contents = kwargs.pop("contents_manager")
            self._kernels = None
            super().initialize(**kwargs)

        @property
        def contents_manager(self):
            return self._workbook_contents

        @property
        def kernel_manager(self):
            if self._kernels is None:
                self._kernels = Kernels(self.settings["kernel_manager"])
            return self._kernels

        @tornado.web.authenticated
        async def get(self, path: str | None = None) -> None:
            """Render the page, then stop its kernel.

            A workbook page is HTML and SVG, no widgets: once its cells have run, the
            kernel (some 400 MB) has nothing left to do. Voila's frontend renders the
            outputs without it (its widget plugins log that they found no kernel).
            """
            try:
                await super().get(path)
            finally:
                manager = self.settings["kernel_manager"]
                for kernel_id in self.kernel_manager.started:
                    if kernel_id in manager:
                        await ensure_async(manager.shutdown_kernel(kernel_id))

    return WorkbookPageHandler
