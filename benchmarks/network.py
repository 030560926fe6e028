"""How long the network view's tables take for a region of 2,000 generated districts with
complete plans (workbook.network.generate: ~80 records a district; two years of 96,000
outcome rows each, so the year-over-year tables are built too).

Run: .venv/bin/python benchmarks/network.py [districts]
Prints the seconds measured in this one run for generating the region (not counted) and for
building every network table (`network.network_tables`; the target is under 30 s for 2,000
districts), the cost per district, and the slowest tables.
"""

from __future__ import annotations

import sys
import time

from workbook.network import generate, tables


def main(n: int = 2000) -> None:
    t0 = time.perf_counter()
    net = generate.region(n, years=2)  # two years: year over year is built too
    records = sum(len(d.all()) for d in net.docs.values())
    t1 = time.perf_counter()
    print(f"generated {n} districts, {records} records, {len(net.outcomes)} outcome rows "
          f"in {t1 - t0:.1f} s (not counted)")
    built = tables.network_tables(net)
    t2 = time.perf_counter()
    total = t2 - t1
    print(f"network tables: {total:.2f} s for {n} districts "
          f"({1000 * total / n:.2f} ms per district; target under 30 s)")
    print("rows: " + ", ".join(f"{k} {len(v)}" for k, v in built.items()))
    matched, load = built["matches"], built["load"]
    room = (load["capacity"] - load["already_supporting"]).clip(lower=0)
    print(f"matching: {int((matched['provider_id'] != '').sum())} of {n} districts matched; "
          f"providers given more than their room: {int((load['proposed'] > room).sum())}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
