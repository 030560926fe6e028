"""Voila's page templates are compiled once per server, not once per page."""

from __future__ import annotations

import jinja2
from nbconvert.exporters import HTMLExporter

from workbook.apps import templates


def test_a_second_exporter_loads_compiled_templates_instead_of_compiling(monkeypatch):
    templates.share_compiled_templates()
    templates.share_compiled_templates()  # idempotent
    templates.CACHE.clear()
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(str(name))
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    first = HTMLExporter(template_name="lab").environment
    assert first.bytecode_cache is templates.CACHE
    page = first.get_template("index.html.j2")
    assert compiled and len(templates.CACHE) >= len(set(compiled))
    before = len(compiled)
    second = HTMLExporter(template_name="lab").environment
    assert second is not first
    again = second.get_template("index.html.j2")
    assert len(compiled) == before, compiled[before:]  # loaded, not compiled again
    assert again.render.__code__.co_code == page.render.__code__.co_code


def test_an_edited_template_is_compiled_again(tmp_path):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path),
                             bytecode_cache=templates.SharedBytecodeCache())
    (tmp_path / "t.j2").write_text("one {{ x }}", encoding="utf-8")
    assert env.get_template("t.j2").render(x=1) == "one 1"
    (tmp_path / "t.j2").write_text("two {{ x }}", encoding="utf-8")
    fresh = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path),
                               bytecode_cache=env.bytecode_cache)
    assert fresh.get_template("t.j2").render(x=2) == "two 2"
