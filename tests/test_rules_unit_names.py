"""Blood-count keys end in `_per_nl` (per nanolitre, 10^9/L); the old `_10e9_per_l` names (which read as the float
10e9) still load, each named once in a warning, and give the same scenario."""
from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import sim
from sim.bundled import bundled
from sim.scenario import ScenarioError
from sim.sweep_spec import parse_vary

OLD, NEW = "_10e9_per_l", "_per_nl"


def _old_copy(name: str, tmp_path):
    text = bundled()[name].read_text(encoding="utf-8")
    assert NEW in text
    path = tmp_path / f"{name}-old.toml"
    path.write_text(text.replace(NEW, OLD), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["mitonmo", "compare-regimens", "baricitinib-nct05792462"])
def test_rules_old_unit_names_load_to_the_same_scenario_with_a_warning(name, tmp_path):
    with pytest.warns(FutureWarning) as caught:
        old = sim.load_scenario(_old_copy(name, tmp_path))
    assert old.model_dump_json() == sim.load_scenario(name).model_dump_json()
    names = {str(w.message).split("'")[1] for w in caught}
    assert names and all(n.endswith(OLD) for n in names)


def test_rules_both_names_in_one_table_is_an_error(tmp_path):
    path = _old_copy("mitonmo", tmp_path)
    text = path.read_text().replace("low_10e9_per_l = 4.0,", "low_10e9_per_l = 4.0, low_per_nl = 4.0,", 1)
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ScenarioError, match="both 'low_10e9_per_l' and 'low_per_nl'"):
            sim.load_scenario(path)


def test_rules_old_names_in_set_replace_and_vary_paths():
    path_new = "infection.anc_bands.0.below_anc_per_nl"
    with pytest.warns(FutureWarning):
        a = sim.load_scenario("mitonmo", [path_new.replace(NEW, OLD) + "=1.6"])
    assert a == sim.load_scenario("mitonmo", [path_new + "=1.6"])
    with pytest.warns(FutureWarning):
        assert sim.replace(sim.load_scenario("mitonmo"), {path_new.replace(NEW, OLD): 1.6}) == a
    with pytest.warns(FutureWarning):
        assert parse_vary(path_new.replace(NEW, OLD) + "=1.4,1.6").path == path_new


def test_cli_old_names_validate_with_one_warning_line_each(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sim", "validate", str(_old_copy("mitonmo", tmp_path))],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "valid" in r.stdout
    lines = r.stderr.strip().splitlines()
    assert lines and all(line.startswith("warning: ") and OLD in line for line in lines)
    assert len(lines) == len(set(lines))
