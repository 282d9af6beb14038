"""Readouts against published values: exact Poisson limits (Ulm 1990 table), WHO leukocyte grades (Miller 1981)."""
import numpy as np
import pytest

from sim.readouts import arr_reduction, median_iqr, who_leukopenia_grade


@pytest.mark.parametrize("wbc, grade", [(4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4)])
def test_reference_who_leukocyte_grades_at_edges(wbc, grade):
    assert who_leukopenia_grade([wbc])[0] == grade


def test_reference_median_reduction_as_the_seeds_report_it():
    """Medians 2.0 before and 0.5 during give a 75% reduction (Kim 2011 reports the reduction of the median ARR)."""
    r = arr_reduction([2, 2, 3, 2, 4], [0, 0.5, 0.5, 1, 0])
    assert r["median_pre_study"] == 2 and r["median_on_study"] == 0.5
    assert r["median_reduction_percent"] == pytest.approx(75.0)
    assert r["per_patient_reduction_median_percent"] == pytest.approx(100 * 5 / 6)   # of 100, 75, 83.3, 50, 100


def test_reference_median_iqr_matches_numpy_percentiles():
    x = np.array([0.0, 0.5, 0.5, 1.0, 2.0, 3.0])
    assert median_iqr(x) == {"median": 0.75, "q1": 0.5, "q3": 1.75}
