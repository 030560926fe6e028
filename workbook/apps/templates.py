"""One compiled copy of Voila's page templates for the whole server.

Voila builds a new nbconvert exporter, and with it a new Jinja environment, for every page
it renders (each pre-heated kernel's page and each first open), and a new environment
lexes, parses and compiles every template again: profiled with py-spy under a burst of
20 opens, the server's one event-loop thread spent most of 30 s in
`jinja2.Environment.compile`, and no page got its content before it was done. Jinja's
documented remedy is a bytecode cache: each template is compiled once and later
environments load its code (checked against the source's checksum, so an edited
template is compiled again). Kept in memory: the server's lifetime, nothing on disk.
"""

from __future__ import annotations

import threading
from typing import Any

import jinja2


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates by name and source checksum, shared by every environment of the
    process (Jinja's `BytecodeCache` protocol; `Bucket` checks the checksum)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            data = self._code.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = data

    def clear(self) -> None:
        with self._lock:
            self._code.clear()

    def __len__(self) -> int:
        return len(self._code)


CACHE = SharedBytecodeCache()


def share_compiled_templates() -> None:
    """Give every nbconvert/Voila template environment made from now on `CACHE`
    (idempotent)."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    original = TemplateExporter._create_environment
    if getattr(original, "_workbook_shared", False):
        return

    def _create_environment(self: Any) -> jinja2.Environment:
        environment = original(self)
        environment.bytecode_cache = CACHE
        return environment

    _create_environment._workbook_shared = True  # type: ignore[attr-defined]
    TemplateExporter._create_environment = _create_environment  # type: ignore[method-assign]
