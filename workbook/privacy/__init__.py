"""Small-n suppression for student counts shown to families, boards and the public, and the
audit that proves nothing hidden can be worked out.

States forbid publishing figures for small groups of students, each below its own size
(`THRESHOLDS`, the one table of them: data readers, suppression and report text all read it).
Hiding the small cell is not enough, because a reader who sees a total and the other groups
can subtract, and a status is an n-weighted mean that can be back-solved the same way.
`suppress` hides complementary cells until, over every additive relation among the groups
(`FAMILIES`), no hidden cell can be worked out; `audit` proves it for published tables, one
by one and across the tables of a report, by the feasibility intervals of statistical
disclosure control (`workbook.privacy.solve`).

Modules: `thresholds` (the threshold table and its words), `families` (the relations, and
`find_families`, which reads them off the data), `suppress`, `audit`, `solve`.
"""

from workbook.privacy.audit import (
    LINK_COLUMNS,
    Finding,
    Interval,
    Table,
    audit,
    hidden_in,
    intervals,
)
from workbook.privacy.families import (
    FAMILIES,
    LEARNER_STATUS,
    RACE_ETHNICITY,
    TEST_TAKERS,
    Family,
    find_families,
)
from workbook.privacy.suppress import suppress
from workbook.privacy.thresholds import (
    COMPLEMENTARY,
    NOT_REPORTED,
    STATE_NAMES,
    THRESHOLDS,
    marker_bounds,
    small_group_text,
    threshold_for,
    thresholds_text,
)

__all__ = [
    "COMPLEMENTARY", "FAMILIES", "LEARNER_STATUS", "LINK_COLUMNS", "NOT_REPORTED",
    "RACE_ETHNICITY", "STATE_NAMES", "TEST_TAKERS", "THRESHOLDS", "Family", "Finding",
    "Interval", "Table", "audit", "find_families", "hidden_in", "intervals", "marker_bounds",
    "small_group_text", "suppress", "threshold_for", "thresholds_text",
]
