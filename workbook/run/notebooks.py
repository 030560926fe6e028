"""Running the workbooks with papermill, after checking their parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbook.errors import WorkbookError
from workbook.files import atomic_path
from workbook.run.params import NOTEBOOK_PARAMS, REGION_NOTEBOOKS, check

#: Every workbook's parameter model: the district workbooks, then the region-level ones.
MODELS: dict[str, Any] = {**NOTEBOOK_PARAMS, **REGION_NOTEBOOKS}

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent.parent / "notebooks"


def path_of(name: str) -> Path:
    """The notebook file for a workbook name such as '01_needs_assessment'."""
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    if name not in MODELS or not path.is_file():
        raise WorkbookError(f"unknown workbook {name!r}; workbooks: {sorted(MODELS)}")
    return path


def defaults(name: str) -> dict[str, Any]:
    """The notebook's own parameter defaults (papermill's reading of its parameters cell)."""
    import ast

    import papermill

    found = papermill.inspect_notebook(str(path_of(name)))
    return {k: ast.literal_eval(v["default"]) for k, v in found.items()}


def execute(name: str, parameters: dict[str, Any], output: str | Path, *,
            kernel_name: str = "python3", timeout: int = 600) -> Path:
    """Run one workbook with validated parameters into `output`, atomically."""
    import papermill

    check(MODELS[name], {**defaults(name), **parameters}, where=name)
    with atomic_path(output) as tmp:
        papermill.execute_notebook(str(path_of(name)), str(tmp), parameters=parameters,
                                   kernel_name=kernel_name, progress_bar=False,
                                   execution_timeout=timeout, cwd=str(NOTEBOOK_DIR))
    return Path(output)
