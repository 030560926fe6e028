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


def district_notebooks() -> list[str]:
    """The district workbooks found under notebooks/: each file with a typed parameters entry
    (`params.NOTEBOOK_PARAMS`), in the order of the cycle. A workbook whose file is not
    there yet is not run; a file with no entry is not a district workbook (see `undeclared`)."""
    return [n for n in NOTEBOOK_PARAMS if (NOTEBOOK_DIR / f"{n}.ipynb").is_file()]


def region_notebooks() -> list[str]:
    """The region-level workbooks found under notebooks/ (`params.REGION_NOTEBOOKS`)."""
    return [n for n in REGION_NOTEBOOKS if (NOTEBOOK_DIR / f"{n}.ipynb").is_file()]


def undeclared() -> list[str]:
    """Numbered notebooks under notebooks/ (`NN_name.ipynb`) with no parameters entry: a
    workbook nobody can run with checked parameters."""
    return sorted(p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")
                  if p.stem not in MODELS)


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
