"""Where workbook keeps its files, whatever the current directory (papermill runs
notebooks from notebooks/, the CLI from anywhere).

WORKBOOK_HOME overrides the project root; outputs, the cache and the embedded SQLite
database live under its outputs/ folder.
"""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    """The project folder: WORKBOOK_HOME, else the checkout this package sits in, else cwd."""
    env = os.environ.get("WORKBOOK_HOME")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent.parent
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


def outputs() -> Path:
    return root() / "outputs"


def default_database_url() -> str:
    return f"sqlite:///{outputs() / 'workbook.db'}"


def cache_root() -> Path:
    return Path(os.environ.get("WORKBOOK_CACHE_DIR") or outputs() / "cache")
