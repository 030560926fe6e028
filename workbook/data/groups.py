"""Student group codes shared by every state's loader.

California's download files already use short codes (ALL, AA, EL, SED ...); Oregon
spells groups out. Both are normalised to one code list so that a regional roll-up can
line up "English learners" across states.
"""

from __future__ import annotations

#: code -> long name (California's wording where California has the group).
GROUP_NAMES: dict[str, str] = {
    "ALL": "All Students",
    "AA": "Black/African American",
    "AI": "American Indian or Alaska Native",
    "AS": "Asian",
    "FI": "Filipino",
    "HI": "Hispanic",
    "PI": "Pacific Islander",
    "WH": "White",
    "MR": "Two or More Races",
    "EL": "English Learners",
    "LTEL": "Long-Term English Learners",
    "ELO": "English Learners Only",
    "EO": "English Only",
    "RFP": "Reclassified Fluent English Proficient",
    "EEL": "Ever English Learners",
    "FMREL": "Former English Learners",
    "NEVEREL": "Never English Learners",
    "SED": "Socioeconomically Disadvantaged",
    "SWD": "Students with Disabilities",
    "FOS": "Foster Youth",
    "HOM": "Homeless Youth",
    "URE": "Underserved Races/Ethnicities",
    "TAG": "Talented and Gifted",
    "CDIS": "Combined Disadvantaged",
    "MIL": "Military Connected",
    "MIG": "Migrant",
    "CTEP": "Career and technical education participants",
    "CTEC": "Career and technical education concentrators",
    "FEM": "Female",
    "MAL": "Male",
    "NB": "Non-Binary",
    "SBA": "Smarter Balanced test takers",
    "CAA": "California Alternate Assessment test takers",
    "CAST": "California Science Test takers",
}

#: Race/ethnicity groups: together they make up ALL, which matters for suppression.
RACE_ETHNICITY: tuple[str, ...] = ("AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR")

#: Oregon's spellings (both of its files) -> code.
OREGON_GROUPS: dict[str, str] = {
    "All Students": "ALL",
    "Total Population (All Students)": "ALL",
    "Asian": "AS",
    "Black/African American": "AA",
    "Hispanic/Latino": "HI",
    "American Indian/Alaska Native": "AI",
    "American Indian/Alaskan Native": "AI",
    "Multi-Racial": "MR",
    "Native Hawaiian/Pacific Islander": "PI",
    "Pacific Islander": "PI",
    "White": "WH",
    "Underserved Races/Ethnicities": "URE",
    "Economically Disadvantaged": "SED",
    "Students with Disabilities": "SWD",
    "English Learner": "EL",
    "Ever English Learners": "EEL",
    "Talented and Gifted": "TAG",
    "Combined Disadvantaged": "CDIS",
    "Military Connected": "MIL",
    "Homeless": "HOM",
    "Migrant": "MIG",
    "Foster Care": "FOS",
    "Female": "FEM",
    "Male": "MAL",
    "Non-Binary": "NB",
}


def group_name(code: str) -> str:
    """Long name for a group code; the code itself when we have no better name."""
    return GROUP_NAMES.get(code, code)
