"""In CI nothing may be silently skipped: tests/ci_skips.py turns every skip into a failure."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SKIPPING = """
import pytest

def test_asks_to_skip():
    pytest.skip("service missing")

@pytest.mark.skipif(True, reason="marked")
def test_marked_to_skip():
    pass

def test_runs():
    assert True
"""


MODULE_SKIPPED = """
import pytest

pytest.importorskip("a_module_that_is_not_installed")


def test_never_collected():
    pass
"""


def run(tmp_path, ci: str, source: str = SKIPPING):
    test_file = tmp_path / "test_skipping.py"
    test_file.write_text(source)
    env = {**os.environ, "CI": ci}
    # The plugin alone, without the project's settings and Django (the file lies outside tests/).
    command = [sys.executable, "-m", "pytest", str(test_file), "-c", os.devnull, "--rootdir", str(tmp_path)]
    command += ["-p", "tests.ci_skips", "-p", "no:django", "-p", "no:cacheprovider", "-q"]
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_in_ci_every_skip_fails_the_run(tmp_path):
    result = run(tmp_path, "true")
    assert result.returncode != 0, result.stdout
    assert "Skipped in CI, which counts as a failure: Skipped: service missing" in result.stdout
    assert "Skipped in CI, which counts as a failure: Skipped: marked" in result.stdout
    assert "1 passed" in result.stdout


def test_outside_ci_a_skip_stays_a_skip(tmp_path):
    result = run(tmp_path, "")
    assert result.returncode == 0, result.stdout
    assert "1 passed, 2 skipped" in result.stdout


def test_in_ci_a_module_skipped_at_collection_fails_the_run(tmp_path):
    result = run(tmp_path, "true", MODULE_SKIPPED)
    assert result.returncode != 0, result.stdout
    assert "Skipped in CI, which counts as a failure" in result.stdout


def test_outside_ci_a_module_skipped_at_collection_stays_skipped(tmp_path):
    result = run(tmp_path, "", MODULE_SKIPPED)
    # 5: pytest's "no tests ran", not a failure.
    assert result.returncode == 5, result.stdout
    assert "1 skipped" in result.stdout
