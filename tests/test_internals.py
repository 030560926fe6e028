"""The private parts of Voila, ipywidgets and jupyter_server the apps rely on, checked here.

`workbook serve` and the apps' page script use names those packages do not promise to
keep. pyproject.toml pins each package below its next release line (voila <0.6,
ipywidgets <8.2, jupyter_server <3); these tests check the installed packages, so that
an upgrade inside those ranges, or a raised pin, that moves one of them fails here,
naming it and what breaks, instead of quietly breaking the apps.

In the browser (workbook/apps/template/workbook_page.js), against the installed bundles:

* `window.jupyterapp` (Voila's page application, set by Voila's main bundle) and its
  `widgetManager` getter: how the script reaches the widget manager;
* `ManagerBase._models` (@jupyter-widgets/base, as bundled by ipywidgets' JupyterLab
  manager and by Voila's widgets-manager8): every widget model of the page;
* `WidgetModel._msg_buffer` (same bundles): a state change held back until the kernel
  answers; a button click waits until no model holds one, so "type, then Save" saves
  the last keystrokes;
* `<script id="jupyter-config-data">` with `kernelId` and `baseUrl` (Voila's lab
  template): where the script finds the kernel to shut down on `pagehide`;
* Voila's own `beforeunload` listener that beacons `voila/api/shutdown/<kernel id>`
  (widgets-manager8): the script stops it while edits are unsaved, and serve.py answers
  that route with its own handler.

In the server (workbook/apps/serve.py, workbook/apps/workbooks.py):

* `voila.app.Voila.init_handlers()` returning (route, class, ...) tuples, and the four
  classes serve.py drops by class, each at the route Voila gives it:
  `voila.tornado.treehandler.TornadoVoilaTreeHandler` (file list),
  `voila.tornado.contentshandler.VoilaContentsHandler` (contents API),
  `voila.static_file_handler.AllowListFileHandler` (files),
  `voila.shutdown_kernel_handler.VoilaShutdownKernelHandler` (shutdown beacon);
* `Voila.setup_template_dirs()` and `Voila.template_paths` (our template goes first);
* `voila.tornado.handler.TornadoVoilaHandler`, subclassed for the workbook pages: its
  `initialize(**kwargs)` and its reading the notebook through `self.contents_manager`;
  and Voila calling the prelaunch hook as `hook(handler, notebook=..., cwd=...)`;
* Voila's lab template (`voila/templates/lab/index.html.j2`): the blocks our template
  overrides, the macros it imports, `static/voila-style.js`, the nbconvert lab template
  it extends (our `notebook_css` calls `super.super()` to skip Voila's CDN stylesheets),
  and its `body_header`, which our template copies for the workbook pages;
* jupyter_server: `jupyter_server.base.handlers.JupyterHandler` and `APIHandler`,
  `jupyter_server.services.contents.largefilemanager.LargeFileManager`,
  `jupyter_server.utils.url_path_join`, and the kernel manager's
  `kernel_model(id)["connections"]`, `kernel_id in manager` and `shutdown_kernel`;
* every traitlets option `voila_config()` and the workbook pages set: traitlets ignores
  an option a class no longer has, so a renamed `show_tracebacks` or `file_allowlist`
  would silently show tracebacks or serve files.
"""

from __future__ import annotations

import importlib
import inspect
import re
import signal
from importlib.metadata import version
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path

REPO = Path(__file__).resolve().parent.parent
PAGE_JS = "workbook/apps/template/workbook_page.js"
SERVE = "workbook/apps/serve.py"
TEMPLATE = REPO / "workbook/apps/template/index.html.j2"


def _gone(name: str, package: str, where: str, why: str) -> str:
    return (f"{name} is gone from the installed {package} {version(package)}: {where} relies "
            f"on it to {why}. Keep {package} at a version that has it (pyproject.toml), or "
            f"change {where} and this test.")


# --------------------------------------------------------------------------- the browser


def _voila_static_js() -> str:
    """Voila's own page bundles (the lab template's static files)."""
    files = [f for root in jupyter_path("voila", "templates")
             for f in sorted(Path(root).glob("*/static/*.js"))]
    assert files, f"no Voila template static files under {jupyter_path('voila', 'templates')}"
    return "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in files)


def _labextension(name: str) -> Path:
    """Where a Voila page loads a JupyterLab extension from (as voila.utils does)."""
    roots = [*jupyter_path("labextensions"),
             *(str(Path(p) / "labextensions") for p in jupyter_path("voila"))]
    for root in roots:
        if (Path(root) / name / "package.json").is_file():
            return Path(root) / name
    pytest.fail(f"the JupyterLab extension {name} is not installed (searched {roots}); "
                f"{PAGE_JS} needs it in the page", pytrace=False)


def _bundle(name: str) -> str:
    files = sorted((_labextension(name) / "static").glob("*.js"))
    return "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in files)


#: The bundles that bring @jupyter-widgets/base into a Voila page (ipywidgets 8): whichever
#: has the newer version provides it, so both must have what the page script reads.
WIDGET_BUNDLES = [("@jupyter-widgets/jupyterlab-manager", "ipywidgets"),
                  ("@voila-dashboards/widgets-manager8", "voila")]


def test_window_jupyterapp_is_voilas_page_application():
    assert re.search(r"window\.jupyterapp\s*=", _voila_static_js()), _gone(
        "window.jupyterapp (Voila's page application)", "voila", PAGE_JS,
        "find the widget manager, so a click waits for the last keystrokes")


def test_voila_application_has_a_widget_manager_getter():
    assert re.search(r"get widgetManager\s*\(\)", _voila_static_js()), _gone(
        "the widgetManager getter of Voila's page application", "voila", PAGE_JS,
        "find the widget models, so a click waits for the last keystrokes")


@pytest.mark.parametrize(("extension", "package"), WIDGET_BUNDLES)
def test_widget_manager_keeps_its_models_in_models(extension, package):
    text = _bundle(extension)
    assert re.search(r"\._models\s*=\s*(?:Object\.create\(null\)|new Map)", text), _gone(
        f"ManagerBase._models (@jupyter-widgets/base, in {extension})", package, PAGE_JS,
        "list the page's widget models, so a click waits for the last keystrokes")


@pytest.mark.parametrize(("extension", "package"), WIDGET_BUNDLES)
def test_widget_model_buffers_held_back_changes_in_msg_buffer(extension, package):
    text = _bundle(extension)
    assert re.search(r"\._msg_buffer\s*=\s*null", text) and "_pending_msgs" in text, _gone(
        f"WidgetModel._msg_buffer (@jupyter-widgets/base, in {extension})", package,
        PAGE_JS, "tell whether a text box still holds an unsent change before a button "
        "click goes to the kernel (a Save would save the text as it was a moment before)")


def test_voila_page_config_carries_kernel_id_and_base_url():
    lab = _voila_template("lab/index.html.j2")
    assert 'id="jupyter-config-data"' in lab and re.search(
        r"update\(\s*baseUrl=resources\.base_url,\s*kernelId=kernel_id\s*\)", lab), _gone(
        "<script id='jupyter-config-data'> with baseUrl and kernelId (Voila's lab "
        "template)", "voila", PAGE_JS, "shut the page's kernel down when the page goes "
        "after the user chose to leave with unsaved edits")


def test_voila_page_beacons_the_shutdown_route_on_beforeunload():
    text = _bundle("@voila-dashboards/widgets-manager8")
    assert 'addEventListener("beforeunload"' in text and "voila/api/shutdown/" in text, _gone(
        "Voila's beforeunload listener beaconing voila/api/shutdown/<kernel id> "
        "(widgets-manager8)", "voila", f"{PAGE_JS} and {SERVE} (_shutdown_handler)",
        "keep the kernel of a page whose user stays to save (the script stops the "
        "listener; the server answers that route after a grace period)")


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """(Voila's own routes, ours) of an app configured as `workbook serve` configures it.

    Nothing listens and no kernel starts: init_settings only builds the managers.
    """
    from voila.app import Voila

    from workbook.apps import serve

    app = serve._voila_class()(config=serve.voila_config(
        host="127.0.0.1", port=8866, token="t", preheat=False, pool_size=0))
    sigterm = signal.getsignal(signal.SIGTERM)  # Voila.initialize installs its own
    try:
        app.initialize([str(serve.APPS_DIR)])
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    app.connection_dir = str(tmp_path_factory.mktemp("voila-connections"))
    app.init_settings()
    assert "init_handlers" in vars(Voila), _gone(
        "voila.app.Voila.init_handlers", "voila", SERVE, "leave out the file list, the "
        "contents API and file serving")
    return Voila.init_handlers(app), app.init_handlers()


#: (class serve.py drops, a path Voila serves with it, what it would expose)
DROPPED = [
    ("voila.tornado.treehandler.TornadoVoilaTreeHandler", "/", "the folder's file list"),
    ("voila.tornado.treehandler.TornadoVoilaTreeHandler", "/voila/tree/x.ipynb",
     "the folder's file list"),
    ("voila.tornado.contentshandler.VoilaContentsHandler", "/voila/api/contents/x",
     "the contents API (every file's text)"),
    ("voila.static_file_handler.AllowListFileHandler", "/voila/files/x.ipynb",
     "the folder's files"),
    ("voila.shutdown_kernel_handler.VoilaShutdownKernelHandler", "/voila/api/shutdown/k",
     "a shutdown of the kernel while the user decides to stay"),
]


def _served_by(handlers, path: str):
    """The class of the first route matching `path` (tornado takes the first match)."""
    for h in handlers:
        if re.fullmatch(h[0], path):
            return h[1]
    return None


@pytest.mark.parametrize(("dotted", "path", "exposes"), DROPPED,
                         ids=[f"{d.rsplit('.', 1)[1]}:{p}" for d, p, _ in DROPPED])
def test_voila_serves_each_dropped_route_with_the_class_serve_drops(routes, dotted, path,
                                                                    exposes):
    module, name = dotted.rsplit(".", 1)
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.fail(_gone(dotted, "voila", SERVE, f"drop {exposes} by class"), pytrace=False)
    voila, ours = routes
    found = _served_by(voila, path)
    assert found is cls, (
        f"Voila {version('voila')} serves {path} with {found!r}, not {dotted}: {SERVE} drops "
        f"Voila's handlers by class and would now serve {exposes}. Drop the new class too.")
    assert _served_by(ours, path) is not cls, f"{SERVE} no longer drops {dotted} ({exposes})"


def test_voila_template_dirs_can_be_extended():
    from voila.app import Voila

    assert "setup_template_dirs" in vars(Voila) and "template_paths" in Voila.class_traits(), (
        _gone("voila.app.Voila.setup_template_dirs / template_paths", "voila", SERVE,
              "put the workbook template first on Voila's template path"))


def test_voila_page_handler_takes_its_notebook_from_contents_manager():
    from voila import handler as voila_handler
    from voila.tornado import handler as tornado_handler

    where = "workbook/apps/workbooks.py (page_handler)"
    assert hasattr(tornado_handler, "TornadoVoilaHandler"), _gone(
        "voila.tornado.handler.TornadoVoilaHandler", "voila", where,
        "serve the four workbooks from notebooks/")
    init = inspect.getsource(voila_handler.VoilaHandler.initialize)
    for key in ("template_paths", "config", "voila_configuration"):
        assert f'"{key}"' in init, _gone(
            f"VoilaHandler.initialize(**kwargs) taking {key!r}", "voila", where,
            "configure the workbook pages like Voila's own")
    assert "contents_manager=self.contents_manager" in inspect.getsource(
        voila_handler.VoilaHandler.get_generator), _gone(
        "VoilaHandler reading the notebook through self.contents_manager", "voila", where,
        "read the workbooks from notebooks/ instead of the apps folder")


def test_voila_calls_the_prelaunch_hook_with_handler_notebook_and_cwd():
    from voila import notebook_renderer

    source = inspect.getsource(notebook_renderer.NotebookRenderer.initialize)
    assert re.search(r"self\.prelaunch_hook\(\s*self\.request_handler,\s*"
                     r"notebook=self\.notebook,\s*cwd=self\.cwd\s*\)", source), _gone(
        "the call prelaunch_hook(handler, notebook=..., cwd=...)", "voila",
        "workbook/apps/workbooks.py (prelaunch_hook)",
        "read the page address and parameterize the workbook before its kernel starts")


def _voila_template(name: str) -> str:
    for root in jupyter_path("voila", "templates"):
        if (Path(root) / name).is_file():
            return (Path(root) / name).read_text(encoding="utf-8")
    pytest.fail(_gone(f"Voila's template file {name}", "voila", str(TEMPLATE.relative_to(REPO)),
                      "draw the app pages"), pytrace=False)


def _blocks(text: str) -> set[str]:
    return set(re.findall(r"{%-?\s*block\s+(\w+)", text))


def test_voila_lab_template_has_what_our_template_uses():
    ours = TEMPLATE.read_text(encoding="utf-8")
    where = str(TEMPLATE.relative_to(REPO))
    assert "{%- extends 'voila/templates/lab/index.html.j2' -%}" in ours
    lab = _voila_template("lab/index.html.j2")
    missing = sorted(_blocks(ours) - _blocks(lab))
    assert not missing, _gone(f"the blocks {missing} of Voila's lab template", "voila", where,
                              "put the page script first and drop the CDN stylesheets")
    for module, names in re.findall(r"{%-?\s*from\s+'([^']+)'\s+import\s+([\w, ]+?)\s+with",
                                    ours) + [
            (m, ", ".join(sorted(set(re.findall(rf"\b{alias}\.(\w+)\(", ours)))))
            for m, alias in re.findall(r'{%-?\s*import\s+"([^"]+)"\s+as\s+(\w+)', ours)]:
        macros = set(re.findall(r"{%-?\s*macro\s+(\w+)\(", _voila_template(f"base/{module}")))
        wanted = {n.strip() for n in names.split(",") if n.strip()}
        assert wanted <= macros, _gone(f"the macros {sorted(wanted - macros)} of {module}",
                                       "voila", where, "draw the spinner and page set-up")
    assert any((Path(root) / "base/static/voila-style.js").is_file()
               for root in jupyter_path("voila", "templates")), _gone(
        "static/voila-style.js", "voila", where, "style the page like Voila's own")
    parent = re.search(r"{%-?\s*extends\s+'([^']+)'", lab)
    assert parent and parent.group(1) == "nbconvert/templates/lab/index.html.j2", _gone(
        "Voila's lab template extending nbconvert's lab template", "voila", where,
        "skip Voila's notebook_css (CDN stylesheets) with super.super()")
    nbconvert_lab = next((Path(r) / "lab/index.html.j2" for r in jupyter_path(
        "nbconvert", "templates") if (Path(r) / "lab/index.html.j2").is_file()), None)
    assert nbconvert_lab and "notebook_css" in _blocks(nbconvert_lab.read_text("utf-8")), (
        "nbconvert's lab template has no notebook_css block: " + where + " calls it with "
        "super.super() to skip Voila's CDN stylesheets")


#: Voila 0.5's lab body_header, which our template copies (light theme) for workbook pages.
VOILA_BODY_HEADER = """
<link rel="icon" href="data:;base64,=">
{% if resources.theme == 'dark' or resources.theme == 'JupyterLab Dark' %}
<body class="jp-Notebook theme-dark" data-base-url="{{resources.base_url}}voila/" \
data-jp-theme-light="false" data-jp-theme-name="JupyterLab Dark" data-voila="voila">
{% elif resources.theme == 'light' or resources.theme == 'JupyterLab Light' %}
<body class="jp-Notebook theme-light" data-base-url="{{resources.base_url}}voila/" \
data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light" data-voila="voila">
{% else %}
<body class="jp-Notebook" data-base-url="{{resources.base_url}}voila/" \
data-jp-theme-name="{{resources.theme}}" data-voila="voila">
{% endif %}
{{ spinner.html() }}
{{ voila_setup_helper_functions() }}
<div id="rendered_cells" style="display: none">
  <div>
"""


def test_voila_body_header_is_the_one_our_template_copies():
    lab = _voila_template("lab/index.html.j2")
    block = re.search(r"{%-?\s*block body_header\s*-?%}(.*?){%-?\s*endblock body_header",
                      lab, re.S)
    assert block, _gone("the body_header block of Voila's lab template", "voila",
                        str(TEMPLATE.relative_to(REPO)), "draw the workbook pages' header")

    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip()

    assert norm(block.group(1)) == norm(VOILA_BODY_HEADER), (
        f"Voila {version('voila')} changed its lab template's body_header; "
        f"{TEMPLATE.relative_to(REPO)} copies it for the workbook pages: bring the copy up "
        "to date, then VOILA_BODY_HEADER here")


def test_jupyter_server_handlers_and_helpers_are_where_serve_imports_them():
    for dotted, why in [
        ("jupyter_server.base.handlers.JupyterHandler", "serve the landing page"),
        ("jupyter_server.base.handlers.APIHandler", "answer Voila's shutdown beacon"),
        ("jupyter_server.services.contents.largefilemanager.LargeFileManager",
         "read the workbooks from notebooks/"),
        ("jupyter_server.utils.url_path_join", "build the routes"),
    ]:
        module, name = dotted.rsplit(".", 1)
        try:
            getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            pytest.fail(_gone(dotted, "jupyter_server", SERVE, why), pytrace=False)
    from jupyter_server.base.handlers import JupyterHandler

    assert isinstance(inspect.getattr_static(JupyterHandler, "kernel_manager"), property), (
        _gone("JupyterHandler.kernel_manager", "jupyter_server", SERVE,
              "find the kernel a closing page used"))


def test_kernel_model_counts_a_kernels_connections():
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

    where = f"{SERVE} (_shutdown_handler)"
    assert '"connections"' in inspect.getsource(MappingKernelManager.kernel_model), _gone(
        'MappingKernelManager.kernel_model(id)["connections"]', "jupyter_server", where,
        "shut a closed page's kernel down only when no page is connected to it any more")
    for name in ("__contains__", "shutdown_kernel"):
        assert callable(getattr(MappingKernelManager, name, None)), _gone(
            f"MappingKernelManager.{name}", "jupyter_server", where,
            "shut a closed page's kernel down")


def _config_classes() -> dict[str, type]:
    from jupyter_client import KernelManager
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    from voila.app import Voila
    from voila.configuration import VoilaConfiguration
    from voila.execute import VoilaExecutor
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    return {"Voila": Voila, "VoilaConfiguration": VoilaConfiguration,
            "VoilaExecutor": VoilaExecutor, "MappingKernelManager": MappingKernelManager,
            "KernelManager": KernelManager,  # each page's kernel (its transport)
            "VoilaKernelManager": voila_kernel_manager_factory(MappingKernelManager, True, 1)}


def test_every_option_serve_sets_is_one_the_class_still_reads():
    from workbook.apps.serve import voila_config

    classes = _config_classes()
    config = voila_config(host="127.0.0.1", port=1, token="t", preheat=True, pool_size=1)
    options = [(section, name) for section, values in config.items()
               for name in values] + [("VoilaConfiguration", "prelaunch_hook")]
    gone = []
    for section, name in options:
        cls = classes.get(section)
        assert cls is not None, f"add the class configured as {section} to _config_classes"
        if name not in cls.class_traits(config=True):
            gone.append(f"{section}.{name}")
    assert not gone, (
        f"{gone} are no longer options of the installed Voila {version('voila')} / "
        f"jupyter_server {version('jupyter_server')}; traitlets ignores them, so "
        f"{SERVE} (voila_config, workbook_configuration) would silently lose them. "
        "Find their new names.")


def test_the_request_socket_serve_mends_is_the_one_voila_hands_requests_to(routes):
    # `routes` has run serve's init_handlers, which mends the socket class
    from voila import handler as voila_handler
    from voila.app import Voila
    from voila.request_info_handler import RequestInfoSocketHandler as Socket

    where = "workbook/apps/request.py (harden_voila_request_socket)"
    # the route exists only with pre-heated kernels, which `routes` leaves off
    assert "RequestInfoSocketHandler," in inspect.getsource(Voila.init_handlers), _gone(
        "the /voila/query/<kernel> route served by RequestInfoSocketHandler", "voila", where,
        "hand a pre-heated kernel its page's request without losing it")
    assert "RequestInfoSocketHandler.send_updates(" in inspect.getsource(
        voila_handler.VoilaHandler.get_generator), _gone(
        "VoilaHandler calling RequestInfoSocketHandler.send_updates", "voila", where,
        "keep a request that could not be written for the kernel's next connection")
    assert {"_waiters", "_cache"} <= set(vars(Socket)), _gone(
        "RequestInfoSocketHandler._waiters/_cache", "voila", where, "find a kernel's socket")
    assert getattr(Socket, "_workbook_hardened", False), f"{SERVE} no longer calls {where}"
