"""Tool A's at-a-glance people: the leadership team and the plan's signatures, as tables.

Pure functions from the plan's records to frames, shown on the at-a-glance and plan pages
(notebooks 01 and 03) and the plan builder.
"""

from __future__ import annotations

import pandas as pd

from workbook.direction.model import Signature, TeamMember
from workbook.records.document import PlanDocument

TEAM_COLUMNS = ["name", "position"]
SIGNATURE_COLUMNS = ["name", "position", "plan_role", "signed"]
#: Tool A's statement that every signatory signs.
SIGNATURE_STATEMENT = ("I have reviewed the plan and understand the work that we need to do "
                       "together to fully implement the plan.")


def team_table(doc: PlanDocument) -> pd.DataFrame:
    """The leadership team, name and position, in the team's order (then by name).

    A plan from before names were kept lists its positions only (the organisation's
    `leadership_team`), with the name left blank rather than invented."""
    members = sorted(doc.of(TeamMember), key=lambda m: (m.rank, m.name.lower()))
    rows = [{"name": m.name, "position": m.position} for m in members]
    org = doc.organisation
    if not rows and org is not None:
        rows = [{"name": "", "position": p} for p in org.leadership_team]
    return pd.DataFrame(rows, columns=TEAM_COLUMNS)


def signatures_table(doc: PlanDocument) -> pd.DataFrame:
    """Who signed the plan, their position, their improvement plan role and the date
    signed, earliest first."""
    sigs = sorted(doc.of(Signature), key=lambda s: (s.signed, s.name.lower()))
    rows = [{"name": s.name, "position": s.position, "plan_role": s.plan_role,
             "signed": s.signed.isoformat()} for s in sigs]
    return pd.DataFrame(rows, columns=SIGNATURE_COLUMNS)
