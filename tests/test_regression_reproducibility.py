"""Reproducibility: byte-identical tables for any chunk size; a different seed differs; arms share random numbers."""
import numpy as np
import pytest

import sim
from sim.scenario import load_scenario

from .conftest import MITONMO

SMALL = ["run.patients=12", "run.follow_up_days=400"]


@pytest.fixture(scope="module")
def by_chunk():
    return {c: sim.run(load_scenario(MITONMO, SMALL + [f"run.chunk_size={c}"])).tables() for c in (1, 7, 1000)}


@pytest.mark.parametrize("name", ["patients.csv", "events.csv", "labs.csv"])
def test_regression_tables_identical_for_chunk_sizes_1_7_1000(by_chunk, name):
    assert by_chunk[1][name] == by_chunk[7][name] == by_chunk[1000][name]
    assert by_chunk[1][name].count("\n") > 12


def test_regression_a_different_seed_gives_different_tables(by_chunk):
    other = sim.run(load_scenario(MITONMO, SMALL + ["run.seed=7"])).tables()
    assert other["patients.csv"] != by_chunk[7]["patients.csv"]
    assert other["events.csv"] != by_chunk[7]["events.csv"]


def test_regression_same_seed_twice_is_identical(by_chunk):
    again = sim.run(load_scenario(MITONMO, SMALL + ["run.chunk_size=7"])).tables()
    assert again == by_chunk[7]


def test_regression_arms_share_random_numbers():
    """Mitoxantrone with no efficacy and an untreated arm: same cohort, same relapse days (common random numbers)."""
    scn = load_scenario(MITONMO, SMALL + [
        "arms.0.regimen.efficacy.emax=0",
        'arms=[{name="mito", regimen={drug="mitoxantrone", efficacy={emax=0.0}, wbc_bands=['
        '{low_per_nl=0, high_per_nl=2, dose_mg_per_m2=0}, {low_per_nl=2, dose_mg_per_m2=12}]}},'
        ' {name="untreated", regimen={drug="none"}}]'])
    p = sim.run(scn).patients
    arm = np.asarray(p["arm"])
    first = np.asarray(p["first_relapse_day"], float)
    rel = np.asarray(p["relapses"])
    np.testing.assert_array_equal(np.asarray(p["candidate"])[arm == "mito"], np.asarray(p["candidate"])[arm == "untreated"])
    np.testing.assert_array_equal(first[arm == "mito"], first[arm == "untreated"])
    np.testing.assert_array_equal(rel[arm == "mito"], rel[arm == "untreated"])
    assert rel.sum() > 0


@pytest.mark.parametrize("scenario", ["compare-regimens.toml", "correale2005.toml", "baricitinib-nct05792462.toml"])
def test_regression_every_regimen_identical_for_chunk_sizes(scenario):
    """Mitoxantrone, baricitinib, belimumab, untreated and sequences: byte-identical tables for chunk sizes 1, 7 and 1000."""
    path = MITONMO.parent / scenario
    small = ["run.patients=10", "run.follow_up_days=500"]
    tabs = [sim.run(load_scenario(path, small + [f"run.chunk_size={c}"])).tables() for c in (1, 7, 1000)]
    for name in ("patients.csv", "events.csv", "labs.csv"):
        assert tabs[0][name] == tabs[1][name] == tabs[2][name]
