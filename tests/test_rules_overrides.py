"""`--set` paths and scenario names as the Python API takes them."""
from __future__ import annotations

import pytest

import sim
from sim.bundled import bundled
from sim.scenario import ScenarioError


def test_rules_load_scenario_takes_a_bundled_name_like_the_cli():
    assert sim.load_scenario("mitonmo") == sim.load_scenario(bundled()["mitonmo"])
    with pytest.raises(ScenarioError, match="no-such-scenario"):
        sim.load_scenario("no-such-scenario")


def test_rules_set_addresses_an_arm_by_name_or_index_alike():
    by_name = sim.load_scenario("compare-regimens", ["arms.belimumab.regimen.amt_mg_per_kg=5"])
    index = [a.name for a in by_name.arms].index("belimumab")
    by_index = sim.load_scenario("compare-regimens", [f"arms.{index}.regimen.amt_mg_per_kg=5"])
    assert by_name == by_index and by_name.arms[index].regimen.amt_mg_per_kg == 5


def test_rules_set_with_an_unknown_arm_name_lists_the_names():
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario("compare-regimens", ["arms.placebo.regimen.amt_mg_per_kg=5"])
    msg = str(err.value)
    assert "no item named 'placebo'" in msg and "belimumab" in msg and "\n" not in msg
