"""docs/scenario-reference.md is the scenario models' own reference, and `nmosim schema` their JSON Schema."""
from __future__ import annotations

import json
from pathlib import Path

from sim.scenario import Scenario
from sim.scenario_reference import field_notes, reference_markdown, sections

from .test_cli_errors import cli

ROOT = Path(__file__).resolve().parents[1]


def test_rules_scenario_reference_in_docs_is_the_generated_one():
    """Regenerate with: python -m sim.scenario_reference > docs/scenario-reference.md"""
    assert (ROOT / "docs" / "scenario-reference.md").read_text(encoding="utf-8") == reference_markdown(Scenario) + "\n"


def test_rules_scenario_reference_lists_every_key_of_every_table():
    text = reference_markdown(Scenario)
    models = {m for _, m in sections(Scenario)}
    assert len(models) > 30
    for m in models:
        for name in m.model_fields:
            assert f"| `{name}` |" in text, (m.__name__, name)
    assert "| `amt_mg_per_m2` | float | `12` | > 0 |" in text
    from sim.heart import EchoRule
    assert "Novantrone USPI" in field_notes(EchoRule)["stop_below_percent"]       # the source beside the field


def test_cli_schema_prints_the_json_schema_of_a_scenario():
    r = cli("schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    assert schema == Scenario.model_json_schema() and {"run", "arms", "cohort"} <= set(schema["properties"])
