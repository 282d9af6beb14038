"""Sweep specifications: --vary syntax, grid/LHS/Sobol designs, override round-trips, point validation, [sweep] tables."""
import warnings

import numpy as np
import pytest

from sim.scenario import ScenarioError, load_scenario, parse_override
from sim.sweep_spec import (SweepError, Vary, design_points, integer_paths, parse_vary, parse_varies, point_overrides,
                            spec_from_file, validate_points)
from tests.conftest import MITONMO

DOSE = "arms.0.regimen.amt_mg_per_m2"


def one_line_error(call, *needles):
    """Run `call`, expect a SweepError with a one-line message containing every needle; return the message."""
    with pytest.raises(SweepError) as info:
        call()
    msg = str(info.value)
    assert "\n" not in msg, msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"
    return msg


# ---------------------------------------------------------------- --vary syntax
def test_list_items_are_toml_values():
    v = parse_vary(f"{DOSE}=6,9.5,12")
    assert (v.path, v.kind, v.values) == (DOSE, "list", (6, 9.5, 12))
    assert parse_vary('run.name="a,b", c').values == ("a,b", "c")
    assert parse_vary("x.flag=true,false").values == (True, False)
    assert parse_vary('x.s="say \\"a,b\\"",[1, 2],{ k = "v,w" }').values == ('say "a,b"', [1, 2], {"k": "v,w"})


def test_array_values_reach_the_scenario():
    v = parse_vary("arms.0.regimen.toxicity.grade_probabilities=[0.1, 0, 0, 0],[0.2, 0.1, 0, 0]")
    scenarios = validate_points(MITONMO, [], design_points([v], "grid", None, seed=1))
    assert [s.arms[0].regimen.toxicity.grade_probabilities for s in scenarios] == [[0.1, 0, 0, 0], [0.2, 0.1, 0, 0]]


def test_single_value_is_a_one_item_list():
    v = parse_vary("run.patients=7")
    assert v.kind == "list" and v.values == (7,)


def test_range_includes_both_endpoints_exactly():
    v = parse_vary("disease.untreated_arr=0.2:0.9:8")
    assert v.kind == "range" and len(v.values) == 8
    assert v.values[0] == 0.2 and v.values[-1] == 0.9
    assert np.allclose(np.diff(v.values), 0.1)
    assert parse_vary("run.patients=10:50:5").values == (10, 20, 30, 40, 50)
    assert all(type(x) is int for x in parse_vary("run.patients=10:50:5").values)
    assert parse_vary("x.y=0.5:0.9:1").values == (0.5,)


def test_bounds_and_path_normalisation():
    v = parse_vary("arms.00.regimen.amt_mg_per_m2=-1.5..2")
    assert (v.path, v.kind, v.low, v.high, v.values) == (DOSE, "bounds", -1.5, 2.0, None)


@pytest.mark.parametrize("text, needles", [
    ("run.patients", ["--vary run.patients", "PATH=VALUES"]),
    ("=1,2", ["--vary =1,2", "empty path"]),
    ("run..patients=1", ["--vary run..patients=1", "empty segment"]),
    ("run.patients=", ["--vary run.patients=", "no values"]),
    ("run.patients=5:5:3", ["--vary run.patients=5:5:3", "empty range"]),
    ("x.y=0:1:0", ["--vary x.y=0:1:0", "count '0'", "from 1 to 100,000"]),
    ("x.y=0:1:2.5", ["count '2.5'"]),
    ("x.y=0:1:many", ["count 'many'"]),
    ("x.y=0:abc:3", ["range stop 'abc' is not a number"]),
    ("x.y=0:1", ["start:stop:count"]),
    ("disease.untreated_arr=0.9..0.2", ["--vary disease.untreated_arr=0.9..0.2", "low < high"]),
    ("disease.untreated_arr=0.5..0.5", ["low < high"]),
    ("disease.untreated_arr=abc..0.9", ["--vary disease.untreated_arr=abc..0.9", "lower bound 'abc' is not a number"]),
    ("disease.untreated_arr=0..inf", ["upper bound 'inf'"]),
    ("run.patients=1,,2", ["empty item"]),
    ("run.patients=10,20,10", ["value 10 is given twice"]),
])
def test_bad_vary_text_is_a_one_line_error(text, needles):
    one_line_error(lambda: parse_vary(text), *needles)


def test_sweep_error_is_a_scenario_error():
    assert issubclass(SweepError, ScenarioError)


def test_the_same_path_twice_is_an_error():
    one_line_error(lambda: parse_varies(["run.patients=10,20", "run.patients=30"]), "--vary run.patients", "twice")
    one_line_error(lambda: parse_varies([f"{DOSE}=6", "arms.00.regimen.amt_mg_per_m2=9"]), DOSE, "twice")


# ---------------------------------------------------------------- designs
def test_grid_is_the_product_with_the_first_vary_slowest():
    varies = parse_varies(["run.patients=10,20", f"{DOSE}=6,9,12"])
    points = design_points(varies, "grid", None, seed=1)
    assert len(points) == 6
    assert points == [{"run.patients": p, DOSE: d} for p in (10, 20) for d in (6, 9, 12)]


def test_lhs_has_one_sample_per_stratum_in_every_dimension():
    varies = parse_varies(["disease.untreated_arr=0.2..0.9", f"{DOSE}=6..12", "disease.frailty_k=0..3"])
    n = 17
    points = design_points(varies, "lhs", n, seed=5)
    assert len(points) == n
    for v in varies:
        xs = np.array([p[v.path] for p in points])
        assert np.all((xs >= v.low) & (xs <= v.high))
        strata = np.floor((xs - v.low) / (v.high - v.low) * n).astype(int)
        assert sorted(strata) == list(range(n)), f"{v.path}: not one sample per stratum"
    assert design_points(varies, "lhs", n, seed=5) == points
    assert design_points(varies, "lhs", n, seed=6) != points


def test_sobol_is_within_bounds_and_deterministic_per_seed():
    varies = parse_varies(["disease.untreated_arr=0.2..0.9", f"{DOSE}=6..12"])
    points = design_points(varies, "sobol", 16, seed=3)
    assert len(points) == 16
    for v in varies:
        assert all(v.low <= p[v.path] <= v.high for p in points)
    assert design_points(varies, "sobol", 16, seed=3) == points
    assert design_points(varies, "sobol", 16, seed=4) != points
    assert all(type(x) is float for p in points for x in p.values())


@pytest.mark.parametrize("n", [1, 5, 12])
def test_sobol_with_n_not_a_power_of_two_gives_n_points_without_warning(n):
    varies = parse_varies(["disease.untreated_arr=0.2..0.9", f"{DOSE}=6..12"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        points = design_points(varies, "sobol", n, seed=3)
        longer = design_points(varies, "sobol", 16, seed=3)
    assert len(points) == n
    assert points == longer[:n], "the first n points of the same scrambled sequence"


def test_integer_paths_round_lhs_values():
    base = load_scenario(MITONMO)
    varies = parse_varies(["run.patients=10..100", f"{DOSE}=6..12", "no.such.path=0..1",
                           "arms.0.regimen.echo.check_before_each_course=0..1"])
    ints = integer_paths(base, varies)
    assert ints == {"run.patients"}, "only int fields (not floats, bools or missing paths)"
    points = design_points(varies, "lhs", 9, seed=2, integers=ints)
    assert all(type(p["run.patients"]) is int and 10 <= p["run.patients"] <= 100 for p in points)
    assert all(type(p[DOSE]) is float for p in points)
    assert len({p[DOSE] for p in points}) == 9
    assert integer_paths(base.model_dump(), varies) == ints


@pytest.mark.parametrize("varies, design, samples, needles", [
    (["disease.untreated_arr=0.2..0.9"], "grid", None, ["disease.untreated_arr", "use a list or a range", "lhs/sobol"]),
    ([f"{DOSE}=6,9"], "lhs", 4, [DOSE, "needs bounds"]),
    (["x.y=0:1:3"], "sobol", 4, ["x.y", "needs bounds"]),
    (["x.y=0..1"], "random", 4, ["unknown design", "grid, lhs, sobol"]),
    (["x.y=0..1"], "lhs", None, ["--design lhs", "--samples"]),
    (["x.y=0..1"], "sobol", 0, ["--design sobol", "--samples"]),
    (["x.y=1,2"], "grid", 8, ["--samples 8", "lhs or sobol"]),
    ([], "grid", None, ["nothing to vary"]),
])
def test_bad_design_is_a_one_line_error(varies, design, samples, needles):
    one_line_error(lambda: design_points([parse_vary(t) for t in varies], design, samples, seed=1), *needles)


def test_duplicate_paths_are_an_error_in_design_points_too():
    varies = [Vary("run.patients", "list", values=(1,)), Vary("run.patients", "list", values=(2,))]
    one_line_error(lambda: design_points(varies, "grid", None, seed=1), "run.patients", "twice")


# ---------------------------------------------------------------- overrides
def test_point_overrides_round_trip_through_set_syntax():
    point = {"a.b": 0.1 + 0.2, "c": True, "d": False, "e": 'say "hi" \\ now\n', "f": 12, "g": [0.25, 0, 1e-05],
             "h": 1e300, "i": np.float64(1 / 3)}
    texts = point_overrides(point)
    assert texts[0] == "a.b=0.30000000000000004" and texts[1] == "c=true" and texts[4] == "f=12"
    for text, (path, value) in zip(texts, point.items()):
        parts, parsed = parse_override(text)
        assert ".".join(map(str, parts)) == path
        assert parsed == value and type(parsed) is type(value if not isinstance(value, np.generic) else value.item())


# ---------------------------------------------------------------- validation on the bundled scenario
def test_good_points_are_scenarios_with_the_values_applied():
    varies = parse_varies([f"{DOSE}=6,9", "run.patients=20:30:2"])
    points = design_points(varies, "grid", None, seed=1)
    scenarios = validate_points(MITONMO, ["run.follow_up_days=100"], points)
    assert [(s.arms[0].regimen.amt_mg_per_m2, s.run.patients) for s in scenarios] == [(6, 20), (6, 30), (9, 20), (9, 30)]
    assert all(s.run.follow_up_days == 100 for s in scenarios)


def test_sampled_floats_reach_the_scenario_exactly():
    varies = parse_varies(["disease.untreated_arr=0.2..0.9", "run.patients=10..60"])
    ints = integer_paths(load_scenario(MITONMO), varies)
    points = design_points(varies, "sobol", 5, seed=9, integers=ints)
    scenarios = validate_points(MITONMO, [], points)
    assert [s.disease.untreated_arr for s in scenarios] == [p["disease.untreated_arr"] for p in points]
    assert [s.run.patients for s in scenarios] == [p["run.patients"] for p in points]


@pytest.mark.parametrize("vary, needles", [
    ("arms.0.regimen.nonsense=1,2", ["sweep point 0", "arms.0.regimen.nonsense=1", "unknown field 'nonsense'"]),
    ("run.patients=abc", ["sweep point 0", 'run.patients="abc"', "run.patients: ", "is not a number"]),
    (f"{DOSE}=12,-3", ["sweep point 1", f"{DOSE}=-3", f"{DOSE}: ", "greater than 0"]),
])
def test_bad_points_fail_before_any_work_naming_point_and_field(vary, needles):
    points = design_points([parse_vary(vary)], "grid", None, seed=1)
    msg = one_line_error(lambda: validate_points(MITONMO, [], points), str(MITONMO), *needles)
    assert "(with --set" not in msg, "the point is named once, without the long override list"


def test_validate_points_rejects_an_empty_design_and_a_bad_base():
    one_line_error(lambda: validate_points(MITONMO, [], []), "no points")
    with pytest.raises(ScenarioError) as info:
        validate_points(MITONMO, ["run.patients=0"], [{DOSE: 6.0}])
    assert "run.patients" in str(info.value) and "sweep point" not in str(info.value)


# ---------------------------------------------------------------- [sweep] tables
SWEEP_TABLE = f'''
[sweep]
vary = {{ "{DOSE}" = "6,9,12", "disease.untreated_arr" = "0.5:1.5:3" }}
design = "grid"
replicates = 4
workers = 2
'''


def scenario_file(tmp_path, table: str):
    path = tmp_path / "swept.toml"
    path.write_text(MITONMO.read_text(encoding="utf-8") + table, encoding="utf-8")
    return path


def test_a_sweep_table_loads_and_gives_the_varies(tmp_path):
    scn = load_scenario(scenario_file(tmp_path, SWEEP_TABLE))
    assert scn.sweep.design == "grid" and scn.sweep.replicates == 4 and scn.sweep.workers == 2
    assert scn.sweep.samples is None
    varies = spec_from_file(scn)
    assert [(v.path, v.values) for v in varies] == [(DOSE, (6, 9, 12)), ("disease.untreated_arr", (0.5, 1.0, 1.5))]
    assert len(design_points(varies, scn.sweep.design, scn.sweep.samples, seed=1)) == 9
    assert load_scenario(MITONMO).sweep is None and spec_from_file(load_scenario(MITONMO)) == []


@pytest.mark.parametrize("table, needles", [
    (SWEEP_TABLE + "nonsense = 1\n", ["sweep", "unknown field 'nonsense'", "vary"]),
    (SWEEP_TABLE.replace('"grid"', '"random"'), ["sweep.design"]),
    (SWEEP_TABLE + "samples = 0\n", ["sweep.samples", "greater than or equal to 1"]),
    (SWEEP_TABLE.replace("replicates = 4", "replicates = 0"), ["sweep.replicates"]),
    ("\n[sweep]\ndesign = \"lhs\"\n", ["sweep.vary"]),
])
def test_a_bad_sweep_table_is_an_error_naming_the_field(tmp_path, table, needles):
    path = scenario_file(tmp_path, table)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "\n" not in msg and str(path) in msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"


def test_bad_vary_text_in_a_sweep_table_names_the_table_entry(tmp_path):
    scn = load_scenario(scenario_file(tmp_path, SWEEP_TABLE.replace("0.5:1.5:3", "1.5..0.5")))
    one_line_error(lambda: spec_from_file(scn, origin="swept.toml"),
                   "swept.toml: [sweep] vary.disease.untreated_arr", "low < high")
    scn = load_scenario(scenario_file(tmp_path, SWEEP_TABLE.replace(f'"{DOSE}"', '"arms..x"')))
    one_line_error(lambda: spec_from_file(scn), "[sweep] vary.arms..x", "empty segment")


# ---------------------------------------------------------------- [sweep] vary arrays, booleans for numbers
def test_a_sweep_table_takes_toml_arrays_of_values(tmp_path):
    table = ('\n[sweep]\nvary = { "run.patients" = [4, 6], "disease.untreated_arr" = [0.5, 1e-1, 0.30000000000000004],'
             ' "run.name" = ["a", "b,c"], "run.follow_up_days" = 120 }\n')
    scn = load_scenario(scenario_file(tmp_path, table))
    varies = {v.path: v.values for v in spec_from_file(scn)}
    assert varies == {"run.patients": (4, 6), "disease.untreated_arr": (0.5, 0.1, 0.30000000000000004),
                      "run.name": ("a", "b,c"), "run.follow_up_days": (120,)}
    assert all(type(x) is int for x in varies["run.patients"])


@pytest.mark.parametrize("vary, needles", [
    ('"run.patients" = []', ["[sweep] vary.run.patients", "empty"]),
    ('"run.patients" = true', ["[sweep] vary.run.patients", "expected VALUES text", "bool"]),
    ('"run.patients" = [4, 4]', ["[sweep] vary.run.patients", "given twice"]),
])
def test_a_bad_sweep_array_is_a_one_line_error_naming_the_entry(tmp_path, vary, needles):
    """Loading the scenario (run, validate or sweep) refuses a bad [sweep] vary array with one line naming the entry."""
    path = scenario_file(tmp_path, f"\n[sweep]\nvary = {{ {vary} }}\n")
    with pytest.raises(ScenarioError) as info:
        spec_from_file(load_scenario(path), str(path))
    msg = str(info.value)
    assert "\n" not in msg
    for needle in [str(path), *needles]:
        assert needle in msg, f"{needle!r} not in {msg!r}"


@pytest.mark.parametrize("vary, shown", [
    ("run.follow_up_days=true,false", "true"),
    ("disease.untreated_arr=1.5,false", "false"),
    ('run.patients="5"', '"5"'),
    ("arms.0.regimen.toxicity.grade_probabilities=[0.1, true, 0, 0]", "true"),
])
def test_booleans_and_text_are_not_numbers_for_a_numeric_field(vary, shown):
    points = design_points([parse_vary(vary)], "grid", None, seed=1)
    path = vary.split("=")[0]
    bad = next(i for i, p in enumerate(points) if shown in point_overrides(p)[0])
    one_line_error(lambda: validate_points(MITONMO, [], points), f"sweep point {bad}",
                   f"{path}: {shown} is not a number")


def test_booleans_still_reach_a_boolean_field():
    points = design_points([parse_vary("arms.0.regimen.echo.check_before_each_course=true,false")], "grid", None, 1)
    scenarios = validate_points(MITONMO, [], points)
    assert [s.arms[0].regimen.echo.check_before_each_course for s in scenarios] == [True, False]
