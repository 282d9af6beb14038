"""sim.stats on degenerate inputs: every result is defined (None plus a note where undefined), never NaN, no crash;
invalid inputs raise ValueError."""
import math

import numpy as np
import pytest

from sim.stats import kaplan_meier, km_at, km_median, logrank, nb_rate_ratios, pooled_rate


def _no_nan(x):
    """True when no float anywhere inside x (dicts, lists, arrays, dataclass fields) is NaN."""
    if isinstance(x, dict):
        return all(_no_nan(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return all(_no_nan(v) for v in x)
    if isinstance(x, np.ndarray):
        return not np.any(np.isnan(x.astype(float)))
    if hasattr(x, "__dataclass_fields__"):
        return all(_no_nan(getattr(x, f)) for f in x.__dataclass_fields__)
    return not (isinstance(x, float) and math.isnan(x))


# ---------- pooled Poisson rate ----------

def test_rules_pooled_rate_zero_exposure_is_undefined_with_note():
    r = pooled_rate([0, 0], [0.0, 0.0])
    assert r["estimate"] is None and r["ci95_low"] is None and "no exposure" in r["note"]


def test_rules_pooled_rate_zero_events_has_zero_lower_limit():
    r = pooled_rate(0, 2.0)
    assert r["estimate"] == 0 and r["ci95_low"] == 0 and r["ci95_high"] == pytest.approx(3.6889 / 2, abs=1e-4)


def test_rules_pooled_rate_rejects_negative_input():
    with pytest.raises(ValueError):
        pooled_rate([-1], [1.0])


# ---------- NB rate ratios ----------

Y = [2, 0, 5, 1, 3, 0, 4, 1, 0, 2, 6, 0]
T = [1.0, 0.5, 2.0, 1.0, 1.5, 0.8, 2.0, 1.2, 0.9, 1.0, 1.8, 0.7]
A = ["pbo"] * 6 + ["drug"] * 6


def test_rules_nb_all_counts_zero():
    r = nb_rate_ratios([0] * 6, [1.0] * 6, ["a"] * 3 + ["b"] * 3, "a")
    assert r["arms"]["b"]["rate_ratio"] is None and "no events" in r["note"] and _no_nan(r)


def test_rules_nb_arm_with_zero_events_gets_ratio_zero_without_ci():
    r = nb_rate_ratios(Y[:6] + [0] * 6, T, A, "pbo")
    d = r["arms"]["drug"]
    assert d["rate_ratio"] == 0.0 and d["ci95_low"] is None and d["ci95_high"] is None and "no events" in d["note"]
    assert r["method"] is not None and _no_nan(r)


def test_rules_nb_reference_arm_without_events():
    r = nb_rate_ratios([0] * 6 + Y[6:], T, A, "pbo")
    assert r["arms"]["drug"]["rate_ratio"] is None and "reference" in r["note"] and _no_nan(r)


def test_rules_nb_single_patient_arms():
    r = nb_rate_ratios([3, 1], [1.0, 2.0], ["a", "b"], "a")
    b = r["arms"]["b"]
    assert r["method"] == "Poisson (dispersion at zero)"      # each mean equals its count: no overdispersion
    assert b["rate_ratio"] == pytest.approx((1 / 2) / 3)
    assert b["log_rate_ratio_se"] == pytest.approx(math.sqrt(1 + 1 / 3))
    assert _no_nan(r)


def test_rules_nb_zero_exposure_rows_are_dropped_with_a_note():
    r = nb_rate_ratios(Y + [1, 0], T + [0.0, 0.0], A + ["pbo", "drug"], "pbo")
    ref = nb_rate_ratios(Y, T, A, "pbo")
    assert "dropped 2 row(s) with zero exposure (1 event(s))" in r["note"]
    assert r["arms"]["drug"]["rate_ratio"] == ref["arms"]["drug"]["rate_ratio"] and r["n_used"] == 12


def test_rules_nb_only_one_arm():
    r = nb_rate_ratios(Y, T, ["pbo"] * 12, "pbo")
    assert r["arms"] == {} and "only one arm" in r["note"]


def test_rules_nb_reference_missing():
    r = nb_rate_ratios(Y, T, ["x"] * 6 + ["y"] * 6, "pbo")
    assert r["arms"]["x"]["rate_ratio"] is None and "no patients" in r["note"] and _no_nan(r)


@pytest.mark.parametrize("counts, years, arms", [
    ([1, -1], [1.0, 1.0], ["a", "b"]), ([1.5, 1], [1.0, 1.0], ["a", "b"]),
    ([1, 1], [1.0, -1.0], ["a", "b"]), ([1, 1], [1.0], ["a", "b"]), ([1, np.nan], [1.0, 1.0], ["a", "b"]),
])
def test_rules_nb_invalid_input_raises(counts, years, arms):
    with pytest.raises(ValueError):
        nb_rate_ratios(counts, years, arms, "a")


# ---------- Kaplan-Meier and log-rank ----------

def test_rules_km_all_censored_is_one_throughout_and_median_not_reached():
    km = kaplan_meier([3, 5, 9], [0, 0, 0])
    assert km.time.size == 0 and "no events" in km.note
    assert km_at(km, 4)["survival"] == 1.0 and km_at(km, 4)["ci95_low"] == 1.0
    m = km_median(km)
    assert m["median"] is None and "not reached" in m["note"] and _no_nan(m)


def test_rules_km_single_patient_with_event():
    km = kaplan_meier([10], [True])
    assert km.survival.tolist() == [0.0] and km.std_err.tolist() == [0.0] and "reaches 0" in km.note
    assert km_at(km, 9.9)["survival"] == 1.0 and km_at(km, 10)["survival"] == 0.0
    assert km_median(km)["median"] == 10 and _no_nan(km) and _no_nan(km_median(km))


def test_rules_km_zero_length_follow_up():
    """Censored at day 0 counts at risk at 0 and then leaves; an event at day 0 drops S at 0."""
    km = kaplan_meier([0, 0, 0, 4, 6], [1, 0, 0, 1, 0])
    assert km.time.tolist() == [0, 4] and km.n_risk.tolist() == [5, 2]
    assert km.survival == pytest.approx([0.8, 0.4]) and _no_nan(km)


def test_rules_km_censored_at_an_event_time_is_at_risk_then():
    km = kaplan_meier([2, 2, 2, 5], [1, 0, 0, 1])
    assert km.n_risk.tolist() == [4, 1] and km.survival[0] == pytest.approx(0.75)


def test_rules_km_empty_input():
    km = kaplan_meier([], [])
    assert km.n == 0 and km_median(km)["median"] is None and km_at(km, 1)["survival"] == 1.0


def test_rules_km_after_follow_up_carries_the_last_value_with_note():
    km = kaplan_meier([1, 2, 3], [1, 0, 0])
    r = km_at(km, 10)
    assert r["survival"] == pytest.approx(2 / 3) and "beyond the last follow-up" in r["note"]


@pytest.mark.parametrize("t, e, g, word", [
    ([1, 2, 3], [1, 1, 0], ["a"] * 3, "fewer than two groups"),
    ([1, 2, 3, 4], [0, 0, 0, 0], ["a", "b", "a", "b"], "no events"),
    ([1, 0, 3], [1, 0, 1], ["a", "b", "a"], "no event time with more than one group at risk"),
])
def test_rules_logrank_degenerate_inputs_have_no_test(t, e, g, word):
    r = logrank(t, e, g)
    assert r["chi2"] is None and r["p_value"] is None and word in r["note"] and _no_nan(r)


def test_rules_logrank_single_patient_groups_and_zero_times():
    r = logrank([0, 3, 4], [1, 1, 0], ["a", "b", "c"])
    assert r["chi2"] is not None and r["chi2"] >= 0 and 0 <= r["p_value"] <= 1 and _no_nan(r)


def test_rules_invalid_survival_input_raises():
    for args in [([1, -2], [1, 1]), ([1, 2], [1]), ([1, np.nan], [1, 0]), ([1, 2], [1, 2])]:
        with pytest.raises(ValueError):
            kaplan_meier(*args)
