"""Stage packages expose their modules' public names lazily (PEP 562).

`from workbook import rootcause; rootcause.fishbone_chart(...)` reads well in a notebook, but
eager re-exports in every package's `__init__` would import stages in a circle (the progress
tables read the plan tables, the plan tables read the progress records). A stage's
`__init__` therefore names its modules and looks a name up in them on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def exports(package: str, *modules: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`, searching `modules` in order."""

    def __getattr__(name: str) -> Any:
        if name in modules:  # a module, never a same-named function of another module
            return importlib.import_module(f"{package}.{name}")
        if not name.startswith("_"):
            for module in modules:
                found = importlib.import_module(f"{package}.{module}")
                if name in vars(found):
                    return vars(found)[name]
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        names = set(modules)
        for module in modules:
            names |= {n for n in vars(importlib.import_module(f"{package}.{module}"))
                      if not n.startswith("_")}
        return sorted(names)

    return __getattr__, __dir__
