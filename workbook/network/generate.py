"""A generated region of many districts with complete plans, for scale tests and the
benchmark (benchmarks/network.py): seeded, so the same arguments give the same region.

Each district has a plan start, three goals with a state-indicator measure, three coded
strategies with a strategy measure, coded causes, two milestones per strategy with three
actions each, monthly status updates (some behind), results for some measures, an open or
resolved coaching comment and a support or two (some dated, typed and rated). Its outcome
rows cover eight indicators by six student groups, a few too small to report. Nothing here
is real: every name says "Generated".
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd

from workbook import catalogue
from workbook.data.model import conform
from workbook.direction.model import Goal, Measure
from workbook.network.model import Network, Provider, ProviderKind, ProvidersFile
from workbook.plan.model import Action, Milestone, Strategy
from workbook.progress.model import SUPPORT_TYPES, Comment, Result, StatusUpdate, Support
from workbook.progress.tables import add_months
from workbook.records.document import PlanDocument
from workbook.records.organisation import Organisation
from workbook.rootcause.model import FISHBONE_CATEGORIES, Cause

INDICATORS = ["ELA", "MATH", "CHRO", "SUSP", "GRAD", "CCI", "ELPI", "SCIENCE"]
GROUPS = ["ALL", "EL", "SED", "SWD", "HI", "HOM"]
COUNTIES = [f"Generated {i}" for i in range(1, 11)]
START = dt.date(2024, 8, 1)
AS_OF = dt.date(2025, 1, 31)


def district_id(k: int) -> str:
    return f"99{70000 + k:05d}0000000"


def _plan(d: str, county: str, rng: random.Random) -> PlanDocument:
    doc = PlanDocument(d)
    n = [0]
    codes = [p.code for p in catalogue.practices()]

    def add(model, **fields):
        n[0] += 1
        return doc.add(model(id=f"{d}-{n[0]:04d}", org_id=d, **fields))

    add(Organisation, name=f"Generated District {d[2:7]}", county=county, plan_start=START,
        plan_end=add_months(START, 36) - dt.timedelta(days=1))
    for g in range(3):
        goal = add(Goal, title=f"Generated goal {g + 1}")
        base = rng.uniform(20, 80)
        measure = add(Measure, parent=goal.id, indicator=f"Generated indicator {g + 1}",
                      state_indicator=rng.choice(INDICATORS), student_group=rng.choice(GROUPS),
                      baseline=round(base, 1), baseline_year=2024,
                      targets={1: round(base + 2, 1), 2: round(base + 4, 1)})
        if rng.random() < 0.5:
            add(Result, measure=measure.id, plan_year=1, value=round(base + rng.uniform(-3, 4), 1))
        practice = rng.choice(codes)
        causes = [add(Cause, symptom=f"{d}-s{g}", text=f"Generated cause {g}.{c}",
                      category=rng.choice(FISHBONE_CATEGORIES), evidence="generated",
                      practice=rng.choice([practice, *rng.sample(codes, 2)]))
                  for c in range(2)]
        strategy = add(Strategy, goal=goal.id, title=f"Generated strategy {g + 1}",
                       practice=practice, causes=[c.id for c in causes])
        add(Measure, parent=strategy.id, indicator="Generated implementation measure",
            baseline=40.0, baseline_year=2024, targets={1: 60.0, 2: 80.0})
        for k in range(2):
            ms = add(Milestone, strategy=strategy.id, title=f"Generated milestone {k + 1}",
                     plan_year=k + 1, due=add_months(START, 12 * (k + 1)) - dt.timedelta(days=1))
            for a in range(3):
                begin = add_months(START, 12 * k + 2 * a)
                action = add(Action, milestone=ms.id, title=f"Generated action {a + 1}",
                             start=begin, due=add_months(begin, 3), budget=1000.0 * (a + 1),
                             owner="Generated owner")
                late = rng.random() < 0.3
                for month in range(1, 7):
                    day = add_months(START, month) - dt.timedelta(days=1)
                    if day < begin:
                        continue
                    done = action.due is not None and day > action.due and not late
                    status = "complete" if done else "behind" if late else "on track"
                    add(StatusUpdate, action=action.id, date=day, status=status,
                        budget_used=(1000.0 * (a + 1)) * (1 if done else 0.5))
    first = doc.of(Action)[0]
    add(Comment, target=first.id, author="Generated coach", text="Generated comment",
        created=dt.datetime(2024, 9, 1 + rng.randrange(28), tzinfo=dt.UTC),
        resolved=rng.random() < 0.5)
    for _ in range(rng.randrange(1, 3)):
        given = rng.random() < 0.6
        add(Support, need="Generated need", provided=given,
            provider=f"Generated provider {rng.randrange(40)}",
            support_type=rng.choice(SUPPORT_TYPES), practice=rng.choice(codes),
            requested=dt.date(2024, 9, 1),
            provided_on=dt.date(2024, 10, 1 + rng.randrange(30)) if given else None,
            effectiveness=rng.randrange(1, 5) if given and rng.random() < 0.5 else None)
    return doc


def outcomes(ids: list[str], counties: dict[str, str], seed: int = 2024, *,
             years: int = 1) -> pd.DataFrame:
    """District rows: eight indicators x six groups, published colors, a few small groups;
    `years` Dashboard years ending in 2024 (two: year over year is shown)."""
    if years > 1:
        return pd.concat([outcomes(ids, counties, seed + k, years=1).assign(year=2024 - k)
                          for k in range(years)], ignore_index=True)
    rng = np.random.default_rng(seed)
    per = len(INDICATORS) * len(GROUPS)
    n = len(ids) * per
    denominators = rng.integers(5, 900, n).astype(float)
    small = denominators < 11
    frame = pd.DataFrame({
        "state": "CA", "org_level": "district", "org_id": np.repeat(ids, per),
        "org_name": np.repeat([f"Generated District {d[2:7]}" for d in ids], per),
        "district_id": np.repeat(ids, per),
        "county": np.repeat([counties[d] for d in ids], per),
        "indicator": np.tile(np.repeat(INDICATORS, len(GROUPS)), len(ids)),
        "student_group": np.tile(GROUPS, len(ids) * len(INDICATORS)),
        "grade": "all", "year": 2024, "denominator": denominators,
        "status": np.where(small, np.nan, rng.uniform(-80, 80, n).round(1)),
        "color": np.where(small | (denominators < 30), 0, rng.integers(1, 6, n)),
        "not_reported": small,
    })
    return conform(frame)


def providers(count: int = 40, seed: int = 2024) -> ProvidersFile:
    rng = random.Random(seed)
    codes = [p.code for p in catalogue.practices()]
    kinds: tuple[ProviderKind, ...] = ("liaison", "coach", "program", "lead agency")
    return ProvidersFile(region="generated", source="generated", illustrative=True, providers=[
        Provider(id=f"gen-{i}", name=f"Generated provider {i}", kind=kinds[i % 4],
                 support_types=[SUPPORT_TYPES[i % len(SUPPORT_TYPES)]],
                 practices=rng.sample(codes, 3), student_groups=rng.sample(GROUPS, 2),
                 capacity=rng.randrange(5, 60),
                 counties=[] if i % 5 == 0 else rng.sample(COUNTIES, 2))
        for i in range(count)])


def region(n: int = 2000, seed: int = 2024, *, years: int = 1) -> Network:
    """A generated region of `n` districts with plans, outcomes (of `years` years) and
    providers."""
    rng = random.Random(seed)
    ids = [district_id(k) for k in range(n)]
    counties = {d: COUNTIES[k % len(COUNTIES)] for k, d in enumerate(ids)}
    docs = {d: _plan(d, counties[d], random.Random(f"{seed}-{d}")) for d in ids}
    rng.shuffle(ids)
    return Network(title=f"Generated region of {n} districts", state="CA", year=2024,
                   as_of=AS_OF, docs=docs,
                   names={d: f"Generated District {d[2:7]}" for d in ids}, counties=counties,
                   outcomes=outcomes(sorted(ids), counties, seed, years=years),
                   providers=providers(), identification=None,
                   prior_year=2024 - 1 if years > 1 else None)
