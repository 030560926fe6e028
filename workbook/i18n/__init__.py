"""Fixed text, numbers and dates in the reader's language.

Every fixed string a report or an app shows goes through `_()` (and `ngettext` for plurals);
a language is a gettext catalog under `workbook/i18n/locale/<code>/LC_MESSAGES/workbook.po`,
managed with Babel (`workbook i18n extract|update|check|init`), never code. Text people
wrote (goals, causes, notes) is shown as written.

The language is set once per notebook run or app kernel with `set_language` (a context
variable, so threads and tasks do not leak it into each other); `language()` reads it.

Catalogs are read from the `.po` files and compiled in memory on first use (Babel's
`read_po` and `write_mo`, a few milliseconds): no binary `.mo` is committed, so the
translation a report shows is always the one in the reviewed `.po`, with no build step to
forget.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import gettext
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DEFAULT = "en"
DOMAIN = "workbook"
LOCALE_DIR = Path(__file__).with_name("locale")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("workbook_language", default=DEFAULT)


def language() -> str:
    return _current.get()


def set_language(code: str) -> None:
    _current.set(code or DEFAULT)


@contextlib.contextmanager
def using(code: str) -> Iterator[None]:
    token = _current.set(code or DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def languages() -> list[str]:
    """English and every language with a catalog (a folder under `locale/`)."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return [DEFAULT, *[code for code in found if code != DEFAULT]]


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _translations(code: str) -> gettext.NullTranslations:
    """The language's catalog compiled in memory (English, or a language with no catalog:
    the messages themselves)."""
    path = po_path(code)
    if code == DEFAULT or not path.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=code, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def reload() -> None:
    """Forget the compiled catalogs (after `workbook i18n update` or an edited `.po`)."""
    _translations.cache_clear()


def _(message: str) -> str:
    """`message` in the current language (the catalog's text, or `message` itself)."""
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, by the language's own plural rule."""
    return _translations(language()).ngettext(singular, plural, n)


def _locale() -> str:
    code = language()
    return "en_US" if code == DEFAULT else code


def format_number(value: float, digits: int = 1) -> str:
    """`value` with `digits` decimals in the language's way: 1,234.5 in English, 1234,5 in
    Spanish (CLDR's rules, so the separators are what readers of that language expect)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=_locale())


def format_percent(points: float, digits: int = 1) -> str:
    """A rate given in percentage points (12.5 means 12.5 %): "12.5%" in English, "12,5 %"
    in Spanish (a no-break space before the sign, as CLDR writes it)."""
    from babel import Locale
    from babel.numbers import format_percent as babel_percent

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    spaced = "\xa0%" in str(Locale.parse(_locale()).percent_formats[None].pattern)
    pattern += "\xa0%" if spaced else "%"
    return babel_percent(points / 100, format=pattern, locale=_locale())


def format_date(value: dt.date) -> str:
    """A date as readers of the language write it: "March 5, 2026", "5 de marzo de 2026"."""
    from babel.dates import format_date as babel_date

    return babel_date(value, format="long", locale=_locale())


# --- notebook markdown ------------------------------------------------------------------

_BLANK = re.compile(r"\n[ \t]*\n")


def markdown_blocks(source: str) -> list[str]:
    """A markdown cell's paragraphs, headings and lists: the units a translator sees.

    Why blocks and not whole cells: a translator works a paragraph at a time, and a fixed
    typo in one paragraph should not make the rest of the cell untranslated again.
    """
    return [b.strip() for b in _BLANK.split(source) if b.strip()]


def translate_markdown(source: str) -> str:
    """A markdown cell in the current language, block by block (untranslated blocks stay)."""
    blocks = markdown_blocks(source)
    if language() == DEFAULT or not blocks:
        return source
    return "\n\n".join(_(b) for b in blocks)


def notebook_language(nb: dict) -> str:
    """The language an executed notebook ran in: its papermill `language` parameter."""
    meta = nb.get("metadata", {}) or {}
    params = (meta.get("papermill") or {}).get("parameters") or {}
    code = params.get("language") or meta.get("workbook_language") or DEFAULT
    return str(code)


def translate_notebook(nb: dict) -> str:
    """Replace every markdown cell of an executed notebook by its translation (in place)
    and return the notebook's language, for `report.page.render` to set `<html lang>` and
    translate its own fixed text. Code outputs were already made in that language by `_()`
    during the run."""
    code = notebook_language(nb)
    with using(code):
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                source = cell.get("source", "")
                if isinstance(source, list):
                    source = "".join(source)
                cell["source"] = translate_markdown(source)
    return code


def user_text_note() -> str:
    """The one line that tells a reader of a translated page that people's own words are
    shown as they wrote them ("" in English)."""
    if language() == DEFAULT:
        return ""
    return _("Goals, causes and notes written by the team are shown as they wrote them.")


def in_notebook_language(render: Callable[..., str]) -> Callable[..., str]:
    """Decorate a report renderer `render(nb, ...)`: the notebook's markdown is translated
    (`translate_notebook`) and the page is rendered in the notebook's language, so its own
    fixed text through `_()` and `language()` (for `<html lang>`) match the outputs."""

    @functools.wraps(render)
    def wrapper(nb: Any, *args: Any, **kwargs: Any) -> str:
        code = translate_notebook(nb)
        with using(code):
            return render(nb, *args, **kwargs)

    return wrapper
