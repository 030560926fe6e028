"""How workbook speaks of a state: one lookup, read from parameters/states/<st>/terms.yaml.

The reports (`workbook.report.sections`), the apps (`workbook.apps.common.state_terms`) and
the region's landing page all ask `terms(state)`, so an Oregon district is spoken of in
Oregon's words (ESD, partnership, growth targets, fewer than 10 students; no Dashboard
colors) and a California one in California's. A state without a terms file is spoken of
in California's words. A third state is a folder: parameters/states/<st>/terms.yaml (the
keys below), its glossary.yaml (workbook.catalogue) and its rules, plus readers of its
files under workbook/data/; no edits across the code.
"""

from __future__ import annotations

import functools

import yaml

from workbook.errors import WorkbookError

#: How the workbooks speak of a state that has no terms file (California's words); every
#: key a terms file may set, with what it means.
CA_TERMS: dict[str, object] = {
    "state": "CA",
    "state_name": "California",
    # the state's results: their name, and the label of a year
    "source": "California School Dashboard", "year_label": "Dashboard year",
    # whether results come as Dashboard colors (performance levels)
    "colors": True,
    # the body between the state and the districts, short and long
    "regional_unit": "county office", "regional_unit_long": "county office of education",
    # what the state's support to a district is called
    "support_name": "differentiated assistance",
    # the small-group rule, in a sentence, and its number (the smallest group shown; a new
    # state's is read from here by workbook.privacy.threshold_for)
    "suppression": "California does not report groups of fewer than 11 students",
    "small_n": 11,
    "results_intro": ("The colors are the state's: Red is the lowest performance, Blue the "
                      "highest. Grey cells were not reported (too few students or not "
                      "applicable)."),
    "behind_intro": "Groups in the two lowest Dashboard colors, Red and Orange, worst first.",
    # the district's own growth targets, when the state has them ("" when not)
    "growth_targets": "",
    # the apps: the title of the grid of every indicator by student group
    "grid_title": "Dashboard colors by student group",
}


@functools.cache
def terms(state: str) -> dict[str, object]:
    """The state's words (parameters/states/<state>/terms.yaml over California's); an
    unknown key in the file is an error naming the file and the keys it may set."""
    from workbook.identification.model import folder

    path = folder(state) / "terms.yaml"
    if not path.is_file():
        return dict(CA_TERMS)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise WorkbookError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise WorkbookError(f"{path}: expected keys and values, found {type(raw).__name__}")
    unknown = sorted(set(raw) - set(CA_TERMS))
    if unknown:
        raise WorkbookError(f"{path}: unknown keys {unknown}; known: {sorted(CA_TERMS)}")
    return {**CA_TERMS, **raw}
