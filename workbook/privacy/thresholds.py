"""The one table of small-n thresholds, and the words every table and banner uses for them."""

from __future__ import annotations

import math
import re

from workbook.errors import WorkbookError

THRESHOLDS: dict[str, int] = {"CA": 11, "OR": 10}
"""Smallest group size each state lets us show. A count below its state's value is hidden.

California (CDE) does not report student groups of fewer than 11; Oregon (ODE) suppresses
counts under 10."""

STATE_NAMES: dict[str, str] = {"CA": "California", "OR": "Oregon"}

NOT_REPORTED = "not reported"
COMPLEMENTARY = "hidden so a smaller group cannot be worked out"


def state_file_threshold(state: str) -> int | None:
    """A state's threshold as its folder declares it: `small_n:` in
    parameters/states/<st>/terms.yaml (how a new state brings its rule without a code
    edit); None when the file or the key is missing. A value that is not a whole number
    of at least 1 is an error naming the file."""
    import yaml

    from workbook import paths

    path = paths.root() / "parameters" / "states" / state.strip().lower() / "terms.yaml"
    if not path.is_file():
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise WorkbookError(f"{path}: not valid YAML: {exc}") from None
    value = raw.get("small_n") if isinstance(raw, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise WorkbookError(f"{path}: small_n must be a whole number of at least 1, "
                            f"not {value!r}")
    return value


def threshold_for(state: str, override: int | None = None) -> int:
    """The small-n threshold for `state` (e.g. "CA", "or"): `THRESHOLDS`, else the
    `small_n:` its folder's terms.yaml declares (`state_file_threshold`).

    `override` exists for a stricter local policy (say a district that hides groups under 20);
    it may raise the state's threshold but never lower it, since the state figure is the
    legal minimum. Unknown states raise rather than fall back to a guess.
    """
    key = state.strip().upper()
    legal_or_none = THRESHOLDS.get(key)
    if legal_or_none is None:
        legal_or_none = state_file_threshold(key)
    if legal_or_none is None:
        known = ", ".join(sorted(THRESHOLDS))
        raise WorkbookError(f"no small-n threshold known for state {state!r} (known: {known}; "
                            f"or set small_n: in parameters/states/{key.lower()}/terms.yaml)")
    legal = legal_or_none
    if override is None:
        return legal
    if override < legal:
        raise WorkbookError(f"threshold {override} is below {key}'s legal minimum of {legal}")
    return override


def small_group_text(threshold: int) -> str:
    """Why a small group is not shown, in the words every table uses: "fewer than 11
    students" (pass `threshold_for(state)`)."""
    return f"fewer than {threshold} students"


def thresholds_text() -> str:
    """Every state's threshold in words for banners: "California 11, Oregon 10"."""
    return ", ".join(f"{STATE_NAMES.get(k, k)} {v}" for k, v in THRESHOLDS.items())


_SMALL = re.compile(r"fewer than (\d+) students")


def marker_bounds(marker: object) -> tuple[float, float]:
    """What a reader knows of a hidden count from its marker alone: "fewer than 11 students"
    means 1 to 10 (zeros are shown), anything else only that it is not negative."""
    match = _SMALL.fullmatch(marker) if isinstance(marker, str) else None
    if match:
        return 1.0, float(int(match.group(1)) - 1)
    return 0.0, math.inf
