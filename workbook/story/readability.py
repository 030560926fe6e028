"""How easy the story is to read, measured with textstat, printed in the report's fine print.

English: the Flesch-Kincaid grade (the school grade a reader needs; we aim for grade 8).
Spanish: Fernández Huerta's reading ease (0 to 100, higher is easier; 70 and above reads
like a grade-8 text, so that is the aim). textstat is pinned below 0.7.4: later versions
fetch an English pronunciation dictionary from the network on first use, and reports are
built offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbook.i18n import _, format_number, language


@dataclass(frozen=True)
class Readability:
    measure: str  # textstat's measure
    value: float
    aim: float
    higher_is_easier: bool

    @property
    def met(self) -> bool:
        return self.value >= self.aim if self.higher_is_easier else self.value <= self.aim


def plain(text: str) -> str:
    """Sentences only: markup, table-like fragments and numbers' separators out."""
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def score(text: str, lang: str | None = None) -> Readability:
    """The readability of `text` in `lang` (default: the current language)."""
    import textstat

    lang = lang or language()
    text = plain(text)
    if lang.startswith("es"):
        textstat.set_lang("es")
        return Readability("Fernández Huerta", float(textstat.fernandez_huerta(text)), 70,
                           True)
    textstat.set_lang("en_US")
    return Readability("Flesch-Kincaid", float(textstat.flesch_kincaid_grade(text)), 8, False)


def sentence(result: Readability) -> str:
    """The fine print's line about it."""
    if result.higher_is_easier:
        return _("Reading ease of this page: {value} on the {measure} scale (0 to 100, higher "
                 "is easier; we aim for {aim} or more).").format(
            value=format_number(result.value, 0), measure=result.measure,
            aim=format_number(result.aim, 0))
    return _("Reading level of this page: grade {value} ({measure}); we aim for grade {aim} "
             "or lower.").format(value=format_number(result.value, 1), measure=result.measure,
                                 aim=format_number(result.aim, 0))
