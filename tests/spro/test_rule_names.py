"""Every access rule named in the code or the templates exists: a misspelt name would silently
answer "no" (django-rules treats an unknown rule as refused) and hide a button or a whole page."""

import re
from pathlib import Path

import pytest
import rules

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["network", "sites", "stats", "events", "spro", "templates"]
# rule_required("x"), require("x", …), rules.test_rule("x", …), {% test_rule "x" … %}, RulePermission("x")
NAMED = re.compile(
    r"""(?:rule_required|require|test_rule|RulePermission)\(?\s*\(?\s*["']([a-z_]+\.[a-z_]+)["']"""
)


def _named_rules():
    found = set()
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                for name in NAMED.findall(path.read_text(encoding="utf-8")):
                    found.add((name, str(path.relative_to(ROOT))))
    return sorted(found)


def test_the_code_names_rules():
    assert len({name for name, _ in _named_rules()}) >= 10


@pytest.mark.parametrize(("name", "where"), _named_rules())
def test_named_rule_exists(name, where):
    assert rules.rule_exists(name), f"{where} names the rule {name!r}, which no rules.py registers"
