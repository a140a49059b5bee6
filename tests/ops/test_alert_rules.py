"""The alert rules are valid, each has unit tests both ways, and each links to the runbook."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.ops.test_metrics import promtool

REPO = Path(__file__).resolve().parents[2]
RULES = sorted((REPO / "infra" / "prometheus" / "rules").glob("*.yml"))
RULE_TESTS = sorted((REPO / "infra" / "prometheus" / "tests").glob("*_test.yml"))
RUNBOOK = REPO / "docs" / "runbook.md"


def _alerts() -> dict[str, dict[str, Any]]:
    found = {}
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    found[rule["alert"]] = rule
    return found


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors of the headings of a Markdown file."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_promtool_accepts_every_rule_file() -> None:
    assert RULES
    check = subprocess.run(
        [promtool(), "check", "rules", *map(str, RULES)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_promtool_unit_tests_pass() -> None:
    assert RULE_TESTS
    run = subprocess.run(
        [promtool(), "test", "rules", *(p.name for p in RULE_TESTS)],
        cwd=RULE_TESTS[0].parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_alert_is_tested_firing_and_quiet() -> None:
    fires: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    alerts = set(_alerts())
    assert alerts - fires == set(), "alerts never shown to fire"
    assert alerts - quiet == set(), "alerts never shown to stay quiet on healthy series"


def test_every_alert_links_to_a_runbook_section() -> None:
    anchors = _anchors(RUNBOOK.read_text())
    for name, rule in _alerts().items():
        url = rule["annotations"]["runbook_url"]
        path, _, anchor = url.partition("#")
        assert path == "docs/runbook.md", name
        assert anchor in anchors, (name, anchor)
        assert rule["labels"]["severity"] in {"page", "ticket", "warning"}, name


def test_reader_slos_burn_in_multiple_windows() -> None:
    slo = [r for r in _alerts().values() if "slo" in r["labels"]]
    assert {r["labels"]["slo"] for r in slo} == {"article-availability", "article-latency"}
    for rule in slo:
        windows = set(re.findall(r"ratio_rate(\d+[mhd])", rule["expr"]))
        assert len(windows) == 4, rule["alert"]  # two long windows, each with a short one
