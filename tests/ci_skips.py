"""A pytest plugin: in CI (CI=true) every skip is a failure, whatever asked for it (require() in
tests/conftest.py, a skipif mark, a plugin). A run that did not test something must not pass.

Loaded by tests/conftest.py; free of Django so that it can be checked alone (tests/spro/test_ci_skips.py).
"""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"Skipped in CI, which counts as a failure: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A whole module skipped while collecting (`pytest.skip(..., allow_module_level=True)`,
    `pytest.importorskip`) is a collection failure in CI: none of its tests ran."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which counts as a failure: {reason}"
