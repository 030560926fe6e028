"""The catalogs, managed with Babel: extract the template, update and check each language.

`workbook i18n extract` reads every `_()`/`ngettext()` in `workbook/**.py`, and the markdown
cells (block by block) and `_()` calls in the code cells of `notebooks/*.ipynb`, into
`locale/workbook.pot`; `update` merges it into every language's `.po`; `check` lists any
message without a translation, still fuzzy, or whose placeholders differ from the English;
`init fr` starts a new language. The mapping is `babel.cfg` beside this file, so `pybabel
extract -F workbook/i18n/babel.cfg` gives the same template (the `notebook` extractor is
registered as a `babel.extractors` entry point).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from workbook.errors import WorkbookError
from workbook.i18n import DOMAIN, LOCALE_DIR, markdown_blocks, po_path, reload

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}  # N_: marked, translated when shown
#: What is scanned, relative to the repository: (glob, extractor name).
MAPPING = [("workbook/**/*.py", "python"), ("notebooks/*.ipynb", "notebook"),
           ("notebooks/apps/*.ipynb", "notebook")]


HEADER = """\
# {what} for workbook: the fixed text of its reports and apps.
# Edit msgstr only; `workbook i18n update` brings in new messages, `workbook i18n check`
# lists what is left to translate. Text people write is never in here."""


class CatalogError(WorkbookError):
    """A catalog cannot be read, or a language is unknown."""


def extract_notebook(fileobj: IO[bytes], keywords: Any, comment_tags: Collection[str],
                     options: Any) -> Iterator[tuple]:
    """Babel extractor for Jupyter notebooks: each markdown block, and `_()` in code cells.

    Line numbers are cell numbers (1-based), so a translator's "#: notebooks/x.ipynb:3"
    points at the third cell. Cells tagged `remove-cell` (not shown in reports) are skipped.
    """
    from babel.messages.extract import extract_python

    try:
        nb = json.loads(fileobj.read().decode("utf-8"))
    except ValueError as err:
        raise CatalogError(f"{getattr(fileobj, 'name', 'notebook')}: not a notebook: {err}") \
            from err
    for number, cell in enumerate(nb.get("cells", []), start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.get("cell_type") == "markdown":
            for block in markdown_blocks(source):
                yield number, None, block, []
        elif cell.get("cell_type") == "code":
            code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                             for line in source.splitlines())
            import io

            for _lineno, funcname, message, comments in extract_python(
                    io.BytesIO(code.encode("utf-8")), keywords, comment_tags, options):
                yield number, funcname, message, comments


def extract_python_all(fileobj: IO[bytes], keywords: Any, comment_tags: Collection[str],
                       options: Any) -> Iterator[tuple]:
    """Babel's Python extractor, plus the `_()` calls it cannot see: those inside f-string
    expressions (`f"<h2>{_('Glossary')}</h2>"`), found by walking the syntax tree.

    Why both: Babel's tokenizer keeps translator comments (`# i18n:`), but on Python 3.11 an
    f-string is one token, so a message inside it would silently stay English.
    """
    import ast
    import io

    from babel.messages.extract import extract_python

    data = fileobj.read()
    seen: set[tuple[int, Any]] = set()
    for found in extract_python(io.BytesIO(data), keywords, comment_tags, options):
        seen.add((found[0], found[2]))
        yield found
    try:
        tree = ast.parse(data.decode("utf-8"))
    except (SyntaxError, UnicodeDecodeError) as err:
        raise CatalogError(f"{getattr(fileobj, 'name', 'source')}: cannot be read: {err}") \
            from err
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in keywords):
            continue
        spec = KEYWORDS.get(node.func.id)
        count = len(spec) if isinstance(spec, tuple) else 1
        args = node.args[:count]
        if len(args) < count or not all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                         for a in args):
            continue
        values = [a.value for a in args if isinstance(a, ast.Constant)]
        message = values[0] if count == 1 else tuple(values)
        if not any(m == message for (_line, m) in seen):
            seen.add((node.lineno, message))
            yield node.lineno, node.func.id, message, []


def _method(name: str) -> Any:
    if name == "python":
        return extract_python_all
    return extract_notebook if name == "notebook" else name


def extract(root: Path = ROOT) -> Any:
    """The template catalog of every fixed string in the code and notebooks."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract as babel_extract

    catalog = Catalog(project="workbook", version="0.1", domain=DOMAIN, charset="utf-8",
                      copyright_holder="workbook contributors", msgid_bugs_address="",
                      header_comment=HEADER.format(what="Translations template"))
    for pattern, method in MAPPING:
        for path in sorted(root.glob(pattern)):
            if ".ipynb_checkpoints" in path.parts:
                continue
            rel = path.relative_to(root).as_posix()
            with path.open("rb") as fh:
                for lineno, message, comments, context in babel_extract(
                        _method(method), fh, KEYWORDS, comment_tags=("i18n:",),
                        strip_comment_tags=True):
                    catalog.add(message, None, [(rel, lineno)], auto_comments=comments,
                                context=context)
    for message, where in content_messages():
        catalog.add(message, None, [(where, 0)])
    return catalog


def content_messages() -> list[tuple[str, str]]:
    """Text kept as data that reports show through `_()`: student group and indicator
    names, the privacy markers of hidden cells, and the glossary (the catalogue's and each
    state's).

    Why here: they are dictionaries, not `_("...")` calls, so the source extractor cannot
    see them; a reader of the Spanish edition must still read "Estudiantes de inglés".
    """
    from workbook import catalogue
    from workbook.data.groups import GROUP_NAMES
    from workbook.data.model import INDICATORS
    from workbook.privacy import thresholds as privacy

    found = [(name, "workbook/data/groups.py") for name in GROUP_NAMES.values()]
    found += [(name, "workbook/data/model.py") for name, _better in INDICATORS.values()]
    found += [(privacy.NOT_REPORTED, "workbook/privacy/thresholds.py"),
              (privacy.COMPLEMENTARY, "workbook/privacy/thresholds.py")]
    states = sorted(p.parent.name.upper() for p in ROOT.glob("parameters/states/*/glossary.yaml"))
    for state in (None, "CA", *states):
        for entry in catalogue.glossary_entries(state):
            found += [(entry.term, "workbook/catalogue/glossary.yaml"),
                      (entry.definition, "workbook/catalogue/glossary.yaml")]
    return list(dict.fromkeys(found))


def write_template(root: Path = ROOT) -> Path:
    from babel.messages.pofile import write_po

    catalog = extract(root)
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as fh:
        write_po(fh, catalog, width=96, omit_header=False, sort_output=False)
    return TEMPLATE


def _read(path: Path, code: str | None = None) -> Any:
    from babel.messages.pofile import read_po

    try:
        with path.open("rb") as fh:
            return read_po(fh, locale=code, domain=DOMAIN)
    except (OSError, ValueError) as err:
        raise CatalogError(f"{path}: cannot be read as a gettext catalog: {err}") from err


def _write(path: Path, catalog: Any) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=96, sort_output=False, ignore_obsolete=True)
    reload()


def codes() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def init(code: str) -> Path:
    """Start a catalog for a new language from the template (refused if it exists)."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError) as err:
        raise CatalogError(f"{code!r} is not a language Babel knows (try 'fr', 'vi', "
                           f"'zh_Hant')") from err
    path = po_path(code)
    if path.exists():
        raise CatalogError(f"{path} already exists; run `workbook i18n update` instead")
    if not TEMPLATE.exists():
        write_template()
    template = _read(TEMPLATE)
    template.locale = locale
    template.fuzzy = False
    template.header_comment = HEADER.format(what=f"{locale.english_name} translations")
    _write(path, template)
    return path


def update() -> list[Path]:
    """Merge the template into every language's catalog (new messages added untranslated,
    changed ones marked fuzzy, removed ones dropped)."""
    template = _read(TEMPLATE)
    written = []
    for code in codes():
        path = po_path(code)
        catalog = _read(path, code)
        catalog.update(template, no_fuzzy_matching=True)
        _write(path, catalog)
        written.append(path)
    return written


_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[!:][^{}]*)?\}|%\([a-z_]+\)[sdif]|%[sdif]")


def placeholders(text: str) -> list[str]:
    """The `{name}` and `%s` placeholders of a message, sorted (order may change in a
    translation; the set may not)."""
    return sorted(_PLACEHOLDER.findall(text))


@dataclass(frozen=True)
class Problem:
    code: str
    where: str
    message: str
    what: str

    def __str__(self) -> str:
        path = po_path(self.code)
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        return f"{shown}: {self.where}: {self.what}: " \
               f"{self.message[:70]!r}"


def check(template: bool = True) -> list[Problem]:
    """Every message of every language that is missing, fuzzy or has other placeholders;
    with `template`, also the messages in the code that a catalog does not have yet."""
    problems: list[Problem] = []
    wanted = extract() if template else None
    for code in codes():
        catalog = _read(po_path(code), code)
        ids = set()
        for msg in catalog:
            if not msg.id:
                continue
            ids.add(msg.id)
            where = ", ".join(f"{f}:{n}" for f, n in msg.locations[:2]) or "catalog"
            english = msg.id if isinstance(msg.id, str) else " ".join(msg.id)
            strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
            if not all(strings):
                problems.append(Problem(code, where, english, "no translation"))
                continue
            if msg.fuzzy:
                problems.append(Problem(code, where, english, "fuzzy (check the translation)"))
            ids_ = msg.id if isinstance(msg.id, tuple) else (msg.id,)
            if any(placeholders(s) != placeholders(ids_[min(i, len(ids_) - 1)])
                   for i, s in enumerate(strings)):
                problems.append(Problem(code, where, english, "placeholders differ from the "
                                        f"English {placeholders(ids_[0])}"))
        if wanted is not None:
            for msg in wanted:
                if msg.id and msg.id not in ids:
                    where = ", ".join(f"{f}:{n}" for f, n in msg.locations[:2])
                    english = msg.id if isinstance(msg.id, str) else msg.id[0]
                    problems.append(Problem(code, where, english,
                                            "not in the catalog (run `workbook i18n extract` "
                                            "and `workbook i18n update`)"))
    return problems
