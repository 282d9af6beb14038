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


def test_rules_warnings_for_overlapping_courses_intense_doses_and_endless_follow_up():
    from sim.scenario_checks import scenario_warnings

    for name in ("mitonmo", "kim2011", "correale2005", "compare-regimens"):
        assert scenario_warnings(sim.load_scenario(name)) == [], name
    scn = sim.load_scenario("mitonmo", ["arms.mitoxantrone.regimen.ii_days=2", "run.follow_up_days=20000"])
    lines = scenario_warnings(scn)
    assert any("courses overlap" in x and "split_days = 5" in x for x in lines)
    assert any("every 28 days" in x and "amt_mg_per_m2 12 every 2 days" in x for x in lines)
    assert any(x.startswith("run.follow_up_days") for x in lines)
    at_limit = sim.load_scenario("mitonmo", ["arms.mitoxantrone.regimen.ii_days=28"])
    assert scenario_warnings(at_limit) == []                                 # 12 mg/m2 every 28 days: at the limit
    above = sim.load_scenario("mitonmo", ["arms.mitoxantrone.regimen.ii_days=27"])
    assert len(scenario_warnings(above)) == 1


def test_cli_validate_prints_warnings_and_still_succeeds():
    from .test_cli_errors import cli

    r = cli("validate", "mitonmo", "--set", "arms.mitoxantrone.regimen.ii_days=2")
    assert r.returncode == 0 and "valid" in r.stdout
    assert any(line.startswith("warning: mitonmo: arms.mitoxantrone.regimen: courses overlap")
               for line in r.stderr.splitlines()), r.stderr


@pytest.mark.parametrize("override, says", [
    ("arms.mitoxantrone.regimen.amt_mg_per_m2=inf", "finite number"),
    ("arms.mitoxantrone.regimen.amt_mg_per_m2=nan", "finite number"),
    ("run.follow_up_days=-inf", "finite number"),
    ("run.patients=true", "valid integer"),
    ('run.patients="5"', "valid integer"),
    ("arms.mitoxantrone.regimen.amt_mg_per_m2=true", "valid number"),
])
def test_rules_numbers_must_be_finite_numbers_not_booleans_or_text(override, says):
    """Issue 16: inf and nan passed validation and crashed the run later; true and "5" were read as numbers."""
    with pytest.raises(ScenarioError) as err:
        sim.load_scenario("mitonmo", [override])
    msg = str(err.value)
    assert says in msg and "\n" not in msg and override.split("=")[0].split(".")[-1] in msg
