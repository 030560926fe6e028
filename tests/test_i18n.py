"""Languages: the catalogs, the extractor, numbers and dates per locale, `workbook i18n`."""

from __future__ import annotations

import datetime as dt
import json

import nbformat
import pytest
from typer.testing import CliRunner

from workbook import i18n
from workbook.cli import app
from workbook.i18n import catalogs
from workbook.report import page as report

runner = CliRunner()


def test_catalogs_are_complete():
    """Every message in the code and notebooks has a Spanish translation with the same
    placeholders: a new `_()` string without one fails here (and in `workbook i18n check`)."""
    result = runner.invoke(app, ["i18n", "check"])
    assert result.exit_code == 0, result.output
    assert "es" in result.output


def test_check_lists_missing_and_mismatched(tmp_path, monkeypatch):
    root = tmp_path / "locale"
    po = root / "xx" / "LC_MESSAGES" / "workbook.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "Our year in review: {district}"\nmsgstr "Notre année : {distrit}"\n\n'
                  'msgid "What we did"\nmsgstr ""\n\n'
                  'msgid "Where we stand"\nmsgstr "Où nous en sommes"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", root)
    monkeypatch.setattr(catalogs, "LOCALE_DIR", root)
    monkeypatch.setattr(catalogs, "ROOT", tmp_path)
    problems = catalogs.check(template=False)
    found = {(p.message, p.what.split(" ")[0]) for p in problems}
    assert found == {("Our year in review: {district}", "placeholders"),
                     ("What we did", "no")}
    result = runner.invoke(app, ["i18n", "check"])
    assert result.exit_code == 1
    assert "What we did" in result.output and "placeholders differ" in result.output
    assert "Traceback" not in result.output


def test_spanish_text_numbers_and_dates():
    assert i18n._("What we did") == "What we did"
    with i18n.using("es"):
        assert i18n._("What we did") == "Lo que hicimos"
        assert i18n.ngettext("We planned {n} action.", "We planned {n} actions.", 1) \
            == "Planeamos {n} acción."
        assert i18n.ngettext("We planned {n} action.", "We planned {n} actions.", 3) \
            == "Planeamos {n} acciones."
        assert i18n.format_percent(12.5) == "12,5\xa0%"
        assert i18n.format_number(12345.25, 2) == "12.345,25"
        assert i18n.format_date(dt.date(2025, 7, 31)) == "31 de julio de 2025"
        assert i18n._("a sentence nobody translated") == "a sentence nobody translated"
    assert i18n.language() == "en"
    assert i18n.format_percent(12.5) == "12.5%"
    assert i18n.format_number(12345.25, 2) == "12,345.25"
    assert i18n.format_date(dt.date(2025, 7, 31)) == "July 31, 2025"
    with i18n.using("fr"):  # a language with no catalog yet: English text, French numbers
        assert i18n._("What we did") == "What we did"
        assert i18n.format_number(1.5) == "1,5"


def _notebook(tmp_path, language: str = "es"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Our year in review\n\nStage 6 of the "
                                              "improvement cycle: the story of the year for "
                                              "families, staff and the board. What we set "
                                              "out to do, what we did, what changed for "
                                              "students, and what we will change next."),
                nbformat.v4.new_markdown_cell("A paragraph the catalog does not know."),
                nbformat.v4.new_code_cell("print(_('Where we stand'))\n%time x = 1")]
    nb.cells[2].outputs = []
    nb.metadata["papermill"] = {"parameters": {"language": language}}
    return nb


def test_report_page_is_rendered_in_the_notebook_language(tmp_path):
    html = report.render(_notebook(tmp_path), title="Nuestro año")
    assert '<html lang="es">' in html
    assert "Etapa 6 del ciclo de mejora" in html
    assert "A paragraph the catalog does not know." in html  # kept, not lost
    english = report.render(_notebook(tmp_path, "en"), title="Our year")
    assert '<html lang="en">' in english and "Stage 6 of the improvement cycle" in english
    assert i18n.language() == "en"  # rendering did not leak its language


def test_notebook_extractor_reads_markdown_blocks_and_code(tmp_path):
    nb = _notebook(tmp_path)
    hidden = nbformat.v4.new_markdown_cell("Only for the team")
    hidden.metadata["tags"] = ["remove-cell"]
    nb.cells.append(hidden)
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    with path.open("rb") as fh:
        found = [(line, message) for line, _f, message, _c in catalogs.extract_notebook(
            fh, catalogs.KEYWORDS, (), {})]
    assert found[0] == (1, "# Our year in review")
    assert found[1][0] == 1 and found[1][1].startswith("Stage 6 of the improvement cycle")
    assert (2, "A paragraph the catalog does not know.") in found
    assert (3, "Where we stand") in found
    assert all(message != "Only for the team" for _line, message in found)


def test_extractor_refuses_a_damaged_notebook(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(b'{"cells": [')
    with path.open("rb") as fh, pytest.raises(catalogs.CatalogError, match="broken.ipynb"):
        list(catalogs.extract_notebook(fh, catalogs.KEYWORDS, (), {}))


def test_template_holds_code_notebooks_and_names():
    catalog = catalogs.extract()
    ids = {m.id for m in catalog if m.id}
    assert "What we set out to do" in ids  # workbook/story
    assert "# Our year in review" in ids  # notebooks/06 markdown
    assert "English Learners" in ids  # a student group's name, kept as data
    assert ("We planned {n} action.", "We planned {n} actions.") in ids


def test_new_language_is_a_catalog(tmp_path, monkeypatch):
    root = tmp_path / "locale"
    root.mkdir()
    template = root / "workbook.pot"
    template.write_bytes(catalogs.TEMPLATE.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", root)
    monkeypatch.setattr(catalogs, "LOCALE_DIR", root)
    monkeypatch.setattr(catalogs, "TEMPLATE", template)
    monkeypatch.setattr(catalogs, "ROOT", tmp_path)
    result = runner.invoke(app, ["i18n", "init", "fr"])
    assert result.exit_code == 0, result.output
    po = root / "fr" / "LC_MESSAGES" / "workbook.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgid "What we did"' in text and "Language: fr" in text
    assert i18n.languages() == ["en", "fr"]
    po.write_text(text.replace('msgid "What we did"\nmsgstr ""',
                               'msgid "What we did"\nmsgstr "Ce que nous avons fait"'),
                  encoding="utf-8")
    i18n.reload()
    try:
        with i18n.using("fr"):
            assert i18n._("What we did") == "Ce que nous avons fait"
    finally:
        i18n.reload()
    again = runner.invoke(app, ["i18n", "init", "fr"])
    assert again.exit_code != 0 and "already exists" in again.output
    unknown = runner.invoke(app, ["i18n", "init", "qqq"])
    assert unknown.exit_code != 0 and "not a language" in unknown.output
    assert "Traceback" not in again.output + unknown.output


def test_translate_notebook_keeps_untranslated_blocks(tmp_path):
    nb = json.loads(nbformat.writes(_notebook(tmp_path)))
    assert i18n.translate_notebook(nb) == "es"
    assert nb["cells"][0]["source"].startswith("# Nuestro año en resumen\n\nEtapa 6")
    assert nb["cells"][1]["source"] == "A paragraph the catalog does not know."


def test_python_extractor_reads_messages_inside_f_strings():
    """Babel's tokenizer sees an f-string as one token; a `_()` inside it must still reach
    the catalog, or the Spanish edition would silently keep that text in English."""
    import io

    source = ('from workbook.i18n import _\n'
              'x = f"<h2>{_(\'Glossary inside\')}</h2>"\n'
              'y = _("Plain one")  # i18n: a comment\n'
              'z = f"{ngettext(\'{n} cat\', \'{n} cats\', 2)}"\n')
    found = list(catalogs.extract_python_all(io.BytesIO(source.encode()), catalogs.KEYWORDS,
                                             ("i18n:",), {}))
    messages = [m for _line, _f, m, _c in found]
    assert "Glossary inside" in messages
    assert ("{n} cat", "{n} cats") in messages
    assert messages.count("Plain one") == 1
    ids = {m.id for m in catalogs.extract() if m.id}
    assert "Glossary" in ids  # report/page.py writes it inside an f-string
