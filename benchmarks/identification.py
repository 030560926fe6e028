"""How long identification takes for a whole state: 2,000 synthetic LEAs x 15 student
groups x 8 indicators (240,000 outcome rows), by the 2024 rules.

Run: .venv/bin/python benchmarks/identification.py
Prints the seconds measured in this one run (the target is under 2 s), and how many LEAs
and student groups met the criteria.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from workbook.data.model import conform
from workbook.identification import tables

LEAS = 2000
GROUPS = ["ALL", "AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR", "EL", "LTEL", "SED", "SWD",
          "FOS", "HOM"]
INDICATORS = ["ELA", "MATH", "ELPI", "GRAD", "CHRO", "SUSP", "CCI", "SCIENCE"]


def synthetic(seed: int = 2024) -> pd.DataFrame:
    """A tidy table of random published colors (1 Red .. 5 Blue, 0 none) and counts."""
    rng = np.random.default_rng(seed)
    n = LEAS * len(GROUPS) * len(INDICATORS)
    ids = np.array([f"{99:02d}{70000 + k:05d}0000000" for k in range(LEAS)])
    frame = pd.DataFrame({
        "state": "CA", "org_level": "district",
        "org_id": np.repeat(ids, len(GROUPS) * len(INDICATORS)),
        "org_name": np.repeat([f"Synthetic District {k}" for k in range(LEAS)],
                              len(GROUPS) * len(INDICATORS)),
        "county": "Synthetic",
        "student_group": np.tile(np.repeat(GROUPS, len(INDICATORS)), LEAS),
        "indicator": np.tile(INDICATORS, LEAS * len(GROUPS)),
        "grade": "all", "year": 2024,
        "denominator": rng.integers(11, 900, n).astype(float),
        "status_level": rng.integers(1, 6, n),
        "color": rng.choice([0, 1, 2, 3, 4, 5], n, p=[0.2, 0.1, 0.2, 0.2, 0.2, 0.1]),
        "charter": False, "coe": False,
    })
    frame["district_id"] = frame["org_id"]
    return conform(frame)


def main() -> None:
    frame = synthetic()
    start = time.perf_counter()
    ident = tables.identify(frame, 2024)
    seconds = time.perf_counter() - start
    met = ident.groups[ident.groups["priorities"] != ""]
    print(f"rows                          {len(frame):10,d}")
    print(f"LEAs x student groups         {len(ident.groups):10,d}")
    print(f"identification (2024 rules)   {seconds:10.3f} s   (target < 2 s)")
    print(f"groups meeting an area        {len(met):10,d}")
    print(f"LEAs eligible                 {int(ident.leas['eligible'].sum()):10,d}")


if __name__ == "__main__":
    main()
