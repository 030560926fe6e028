"""Work a warm batch kernel does once instead of once per chart (`kernels.PRELUDE` installs it).

A statewide run draws tens of thousands of charts; profiling it (`benchmarks/statewide.py`)
found two costs that repeat with nothing new to compute:

- altair, on every shorthand encoding (`x="status:Q"`), rebuilds a table of every schema
  class keyed by a hash of its JSON schema (`_FromDict.__init__`, ~8 ms a chart). The
  classes never change once altair is imported, so the table is built once per set of
  classes and reused.
- altair copies and converts a chart's inline data value by value, asking of every number
  and string whether it is a schema object, a protocol (`SchemaLike`, a slow runtime
  check), an array or a date (~40% of a needs assessment's time on a statewide table). Plain
  JSON values (str, int, float, bool, None) and the dicts and lists made of them are what
  altair would return unchanged, so they are copied and converted directly.
- altair, in its default debug mode, validates every chart object against the schema as it
  is made (`SchemaBase.__init__`), ~25% of building a chart. The charts are validated by
  their unit tests, which run in that mode, and the batch draws them with
  `to_dict(validate=False)` already; the warm kernel turns the mode off.
- altair, on every layered chart, deep-copies each layer twice (`_remove_duplicate_params`,
  `_combine_subchart_params`) to merge the layers' selection parameters (~8% of a statewide
  run's kernel time). When neither the chart nor any layer has parameters, as in every
  chart of ours, both only return copies equal to what they were given; the layers are
  then taken as they are (altair itself copies a layer before it changes one).
- vl-convert draws the same chart again for every district whose chart is the same (a
  district with no plan gets the same empty coverage chart as the last one). The drawing of
  a spec is kept for the next identical spec (a small LRU keyed by the spec's JSON), and
  `report.blocks.svg` renames the drawing's ids after the spec, so the page is the same
  byte for byte.

And one in the process that drives the kernels (`kernels.WarmKernel` installs it there):

- nbclient makes every output a kernel sends through nbformat's `new_output`, which checks it
  against its part of the notebook schema with jsonschema (~0.4 ms an output; fastjsonschema,
  which nbformat uses for whole notebooks, is not asked for a part). Each part is compiled
  once with fastjsonschema; an output it rejects is checked the old way, which raises the
  same error as before.

None changes what is drawn or written: `tests/test_batch.py` compares charts and a
region's outputs with and without them. Each is skipped if the library's internals are not
what it expects (another altair or vl-convert version), leaving that cost where it was.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import logging
import os
import time
from typing import Any

log = logging.getLogger(__name__)

_installed: set[str] = set()


def install() -> list[str]:
    """Install every speed-up that fits the libraries found; returns the names installed."""
    for name, patch in (("altair-fromdict", _altair_fromdict), ("altair-json", _altair_json),
                        ("altair-no-revalidation", _altair_no_revalidation),
                        ("altair-layer-params", _altair_layer_params),
                        ("vl-convert-memo", _svg_memo)):
        if name in _installed:
            continue
        try:
            if patch():
                _installed.add(name)
        except (ImportError, AttributeError, TypeError):  # another version: leave it be
            log.info("speed-up %s not installed", name, exc_info=True)
    return sorted(_installed - {DRIVER})


def _altair_fromdict() -> bool:
    from altair.utils import schemapi

    cls = schemapi._FromDict
    build = cls.__init__
    if getattr(build, "_workbook_cached", False):
        return True
    tables: dict[tuple[type, ...], Any] = {}

    @functools.wraps(build)
    def init(self: Any, wrapper_classes: Any, /) -> None:
        classes = tuple(wrapper_classes)
        table = tables.get(classes)
        if table is None:
            build(self, classes)
            tables[classes] = self.class_dict
        else:
            self.class_dict = table

    init._workbook_cached = True  # type: ignore[attr-defined]
    cls.__init__ = init  # type: ignore[method-assign]
    return True


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _altair_json() -> bool:
    from altair.utils import schemapi

    to_dict, deep_copy, undefined = schemapi._todict, schemapi._deep_copy, schemapi.Undefined
    if getattr(to_dict, "_workbook_fast", False):
        return True

    def _todict(obj: Any, context: Any, np_opt: Any, pd_opt: Any) -> Any:
        kind = type(obj)
        if kind in _SCALARS:
            return obj
        if kind is dict:
            return {k: _todict(v, context, np_opt, pd_opt) for k, v in obj.items()
                    if v is not undefined}
        if kind is list:
            return [_todict(v, context, np_opt, pd_opt) for v in obj]
        return to_dict(obj, context, np_opt, pd_opt)  # which calls back here for its parts

    def _deep_copy(obj: Any, by_ref: set[str]) -> Any:
        kind = type(obj)
        if kind in _SCALARS or obj is undefined:
            return obj
        if kind is dict:
            return {k: (_deep_copy(v, by_ref) if k not in by_ref else v)
                    for k, v in obj.items()}
        if kind is list:
            return [_deep_copy(v, by_ref) for v in obj]
        return deep_copy(obj, by_ref)

    _todict._workbook_fast = True  # type: ignore[attr-defined]
    schemapi._todict, schemapi._deep_copy = _todict, _deep_copy
    return True


def _altair_no_revalidation() -> bool:
    from altair.utils import schemapi

    schemapi.disable_debug_mode()
    return True


def _altair_layer_params() -> bool:
    from altair.utils.schemapi import Undefined
    from altair.vegalite.v6 import api

    remove, combine = api._remove_duplicate_params, api._combine_subchart_params
    if getattr(remove, "_workbook_fast", False):
        return True

    def plain(charts: Any) -> bool:
        """Unit charts, none with parameters: the two functions would only copy them."""
        return all(type(c) is api.Chart and c._kwds.get("params", Undefined) is Undefined
                   for c in charts)

    def _remove_duplicate_params(layer: Any) -> Any:
        return list(layer) if plain(layer) else remove(layer)

    def _combine_subchart_params(params: Any, subcharts: Any) -> Any:
        if (params is Undefined or not params) and plain(subcharts):
            return Undefined, list(subcharts)
        return combine(params, subcharts)

    _remove_duplicate_params._workbook_fast = True  # type: ignore[attr-defined]
    api._remove_duplicate_params = _remove_duplicate_params
    api._combine_subchart_params = _combine_subchart_params
    return True


def _svg_memo(size: int = 32) -> bool:
    import vl_convert

    draw = vl_convert.vegalite_to_svg
    if getattr(draw, "_workbook_memo", False):
        return True
    kept: collections.OrderedDict[str, str] = collections.OrderedDict()

    @functools.wraps(draw)
    def vegalite_to_svg(vl_spec: Any, *args: Any, **kwargs: Any) -> str:
        if args or kwargs or not isinstance(vl_spec, dict):
            return draw(vl_spec, *args, **kwargs)
        key = hashlib.sha256(json.dumps(vl_spec, sort_keys=True, default=str)
                             .encode()).hexdigest()
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
        start = time.perf_counter()
        drawing = draw(vl_spec)
        _log_drawing(time.perf_counter() - start)
        kept[key] = drawing
        if len(kept) > size:
            kept.popitem(last=False)
        return drawing

    vegalite_to_svg._workbook_memo = True  # type: ignore[attr-defined]
    vl_convert.vegalite_to_svg = vegalite_to_svg
    return True


#: The speed-up of the process that drives the kernels.
DRIVER = "nbformat-output-check"


def install_driver() -> list[str]:
    """The speed-ups of the process that drives the kernels (see the module's text)."""
    name = DRIVER
    if name not in _installed:
        try:
            if _nbformat_output_check():
                _installed.add(name)
        except Exception:  # another nbformat or fastjsonschema: the plain check stays
            log.info("speed-up %s not installed", name, exc_info=True)
    return sorted(_installed & {name})


def _nbformat_output_check() -> bool:
    import fastjsonschema
    from nbformat.v4 import nbbase

    check = nbbase.validate
    if getattr(check, "_workbook_fast", False):
        return True
    path = os.path.join(os.path.dirname(nbbase.__file__),
                        nbbase.nbformat_schema[(nbbase.nbformat, nbbase.nbformat_minor)])
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    # the four kinds of output a kernel sends, compiled now (a part that does not compile
    # leaves the plain check in place); never filling in defaults, so an output stays as
    # the kernel sent it
    compiled = {ref: fastjsonschema.compile(
        {"$schema": schema["$schema"], "$ref": f"#/definitions/{ref}",
         "definitions": schema["definitions"]}, use_default=False)
        for ref in ("display_data", "execute_result", "stream", "error")}

    def validate(node: Any, ref: Any = None) -> Any:
        fast = compiled.get(ref) if isinstance(ref, str) else None
        if fast is None:
            return check(node, ref)
        try:
            fast(node)
        except fastjsonschema.JsonSchemaException:
            return check(node, ref)  # raises nbformat's own error, as without the speed-up
        return None

    validate._workbook_fast = True  # type: ignore[attr-defined]
    validate._workbook_plain = check  # type: ignore[attr-defined]
    nbbase.validate = validate
    return True


#: A file each drawing's seconds in vl-convert are added to, one line each, when this
#: environment variable names one (benchmarks/statewide.py: how much of a run is drawing).
CHART_TIMES_ENV = "WORKBOOK_CHART_TIMES"


def _log_drawing(seconds: float) -> None:
    path = os.environ.get(CHART_TIMES_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{seconds:.6f}\n")
