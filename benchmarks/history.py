"""What keeping history costs: a save with and without its history row, and the store's growth.

Run: .venv/bin/python benchmarks/history.py [--saves N] [--database URL]
Times N saves of an edited record (an update) and N saves of a new record, each once with
history written and once with it switched off (the store's internal `_keep_history` flag,
the same code path otherwise), interleaved so both see the same machine; prints median and
worst per save, measured in this one run. Then saves one record 1,000 times and prints how
much the store grew (SQLite: the file after a checkpoint; PostgreSQL: the tables' size).
Default database: a fresh SQLite file in a temporary folder (the embedded default).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from workbook.plan.model import Action, Milestone, Strategy
from workbook.store import Store

ORG = "27661590000000"
OUTPUTS = ("Tier 2 reading groups meet four times a week; the coach observes each group once "
           "a month and the team reviews the progress-monitoring data at its monthly "
           "meeting. ") * 2


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _size(store: Store) -> int:
    """Bytes the store takes: the SQLite file (WAL folded in), or PostgreSQL's tables."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return Path(str(store.engine.url.database)).stat().st_size
        return int(conn.execute(sa.text(
            "SELECT pg_total_relation_size('records') + pg_total_relation_size("
            "'record_history')")).scalar() or 0)


def _line(what: str, runs: list[float]) -> str:
    return (f"{what:<34} median {statistics.median(runs) * 1000:7.2f} ms   "
            f"worst {max(runs) * 1000:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300, help="saves timed per case")
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.database or f"sqlite:///{Path(tmp) / 'bench.db'}")
        strategy = store.save(Strategy(org_id=ORG, title="Tiered reading supports"),
                              user="bench")
        milestone = store.save(Milestone(org_id=ORG, strategy=strategy.id,
                                         title="Groups running"), user="bench")
        action = store.save(Action(org_id=ORG, milestone=milestone.id, title="Run groups",
                                   outputs=OUTPUTS, owner="Reading coach", budget=1200),
                            user="bench")
        for i in range(20):  # warm up both paths
            store._keep_history = i % 2 == 0
            action = store.save(action.model_copy(update={"budget": 1200 + i}), user="bench")

        timings: dict[tuple[str, bool], list[float]] = {}
        for i in range(args.saves):
            for keep in (i % 2 == 0, i % 2 != 0):  # alternate which goes first
                store._keep_history = keep
                edited = action.model_copy(update={"budget": 2000 + i})

                def update(edited=edited) -> None:
                    nonlocal action
                    action = store.save(edited, user="bench")

                new = Action(org_id=ORG, milestone=milestone.id, title=f"Action {i} {keep}",
                             outputs=OUTPUTS, owner="Reading coach")
                timings.setdefault(("update", keep), []).append(_timed(update))
                timings.setdefault(("create", keep), []).append(
                    _timed(lambda new=new: store.save(new, user="bench")))

        growth = {}
        for keep in (False, True):
            store._keep_history = keep
            before = _size(store)
            for i in range(1000):
                action = store.save(action.model_copy(update={"budget": 5000 + i}),
                                    user="bench")
            growth[keep] = _size(store) - before
        store.engine.dispose()

    print(f"database: {store.engine.dialect.name}; {args.saves} saves per case; one record of "
          f"{len(OUTPUTS) + 60} characters")
    for what in ("update", "create"):
        before, after = timings[(what, False)], timings[(what, True)]
        print(_line(f"save ({what}), no history", before))
        print(_line(f"save ({what}), with history", after))
        print(f"{'':34} median +{(statistics.median(after) / statistics.median(before) - 1):.0%}")
    print(f"store growth per 1,000 saves of one record: {growth[True] / 1024:8.0f} KB with "
          f"history, {growth[False] / 1024:6.0f} KB without")


if __name__ == "__main__":
    main()
