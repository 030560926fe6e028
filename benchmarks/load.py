"""How long the sample region takes to load: cold (parse the state files) vs from the cache.

Run: .venv/bin/python benchmarks/load.py
Prints seconds for each way, measured in this one run, and the ratios.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from workbook import data
from workbook.data import cache


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    sources = data.sample_sources()
    with tempfile.TemporaryDirectory() as tmp:
        cold = timed(lambda: data.load_outcomes(sources), 3)
        first = time.perf_counter()
        folder = cache.cached(sources, Path(tmp))
        build = time.perf_counter() - first
        warm_all = timed(lambda: cache.read_all(folder), 5)
        district = "27661590000000"  # Salinas Union High
        warm_one = timed(lambda: cache.read_district(folder, district), 20)
    print(f"parse sample region (cold)      {cold:8.3f} s")
    print(f"build cache (parse + write)     {build:8.3f} s")
    print(f"read whole region from cache    {warm_all:8.3f} s")
    print(f"read one district from cache    {warm_one:8.3f} s")
    print(f"region from cache vs cold:   {cold / warm_all:6.1f}x faster")
    print(f"one district vs cold parse:  {cold / warm_one:6.1f}x faster")


if __name__ == "__main__":
    main()
