"""Under CI (CI=true) a test whose system part is missing fails; elsewhere it skips.

A CI machine that lost PostgreSQL or Chromium must not go green by skipping the tests that
needed them. Each case runs pytest in a subprocess on a tiny generated test file that calls
`pgserver.require`, once with a part that is missing and once with one that is there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pgserver import SKIP_REASON, require

TESTS = Path(__file__).parent
REASON = "no frobnicator for the tests: run `sudo apt-get install frobnicator`"

GENERATED = f'''
from pgserver import SKIP_REASON, postgres_url, require


def test_missing_part():
    require(None, {REASON!r})


def test_missing_postgres():
    require(postgres_url(), SKIP_REASON)


def test_present_part():
    assert require("/usr/bin/frobnicator", {REASON!r}) == "/usr/bin/frobnicator"
'''


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_generated.py").write_text(GENERATED, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in {"CI", "WORKBOOK_TEST_POSTGRES_URL", "PYTEST_ADDOPTS"}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    env["WORKBOOK_PG_PORT"] = "1"  # nothing listens there: the PostgreSQL probe finds no server
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-rA", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path / "test_generated.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


def _outcomes(out: str) -> dict[str, str]:
    """test name -> PASSED/FAILED/SKIPPED, from the verbose progress lines."""
    return dict(re.findall(r"^test_generated\.py::(\w+) (PASSED|FAILED|SKIPPED)", out, re.M))


def test_under_ci_a_missing_part_fails_with_its_reason(tmp_path):
    run = _run(tmp_path, "true")
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert _outcomes(out) == {"test_missing_part": "FAILED", "test_missing_postgres": "FAILED",
                              "test_present_part": "PASSED"}, out
    assert REASON in out and SKIP_REASON in out
    assert "1 passed" in out and "2 failed" in out and "skipped" not in out, out


@pytest.mark.parametrize("ci", [None, "false", ""])
def test_elsewhere_a_missing_part_skips_with_its_reason(tmp_path, ci):
    run = _run(tmp_path, ci)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert _outcomes(out) == {"test_missing_part": "SKIPPED", "test_missing_postgres": "SKIPPED",
                              "test_present_part": "PASSED"}, out
    assert REASON in out and SKIP_REASON in out
    assert "1 passed, 2 skipped" in out, out


def test_require_in_process(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert require("here", REASON) == "here"
    with pytest.raises(pytest.fail.Exception, match="no frobnicator"):
        require(None, REASON)
    monkeypatch.setenv("CI", "TRUE")  # some services shout
    with pytest.raises(pytest.fail.Exception, match="no frobnicator"):
        require("", REASON)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no frobnicator"):
        require(None, REASON)
