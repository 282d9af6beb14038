"""Linear PK stepping against closed-form solutions (bi-exponential bolus) and the matrix exponential."""
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.linalg import expm

from sim.physiology.pk import LinearCompartments, chain_matrix, mammillary_matrix


def biexponential(t, dose, cl, v1, q, v2):
    """Closed-form plasma concentration after an IV bolus in a 2-compartment model (Gibaldi & Perrier)."""
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s = k10 + k12 + k21
    alpha = (s + np.sqrt(s * s - 4 * k10 * k21)) / 2
    beta = (s - np.sqrt(s * s - 4 * k10 * k21)) / 2
    a = dose / v1 * (alpha - k21) / (alpha - beta)
    b = dose / v1 * (k21 - beta) / (alpha - beta)
    return a * np.exp(-alpha * t) + b * np.exp(-beta * t)


def test_reference_two_compartment_bolus_matches_closed_form():
    cl, v1, q, v2, dose, dt = 5.0, 3.0, 0.4, 2.3, 100.0, 0.25
    lin = LinearCompartments(mammillary_matrix(np.array([cl]), np.array([v1]), [np.array([q])], [np.array([v2])]),
                             np.array([[1 / v1, 0.0]]), dt)
    lin.dose(0, 0, dose)
    for step in range(1, 200):
        lin.step()
        assert lin.output()[0] == pytest.approx(biexponential(step * dt, dose, cl, v1, q, v2), rel=1e-10)


def test_reference_step_mean_is_the_exact_integral_over_the_step():
    cl, v1, q, v2, dose, dt = 5.0, 3.0, 0.4, 2.3, 100.0, 0.5
    lin = LinearCompartments(mammillary_matrix(np.array([cl]), np.array([v1]), [np.array([q])], [np.array([v2])]),
                             np.array([[1 / v1, 0.0]]), dt)
    lin.dose(0, 0, dose)
    for step in range(6):
        mean = lin.step()[0]
        exact = quad(lambda t: biexponential(t, dose, cl, v1, q, v2), step * dt, (step + 1) * dt, epsabs=1e-13)[0] / dt
        assert mean == pytest.approx(exact, rel=1e-9)


def test_reference_three_compartment_amounts_match_matrix_exponential_per_patient():
    rng = np.random.default_rng(3)
    n, dt = 5, 0.25
    cl, v1 = rng.uniform(200, 900, n), rng.uniform(15, 25, n)
    q, v = [rng.uniform(50, 150, n), rng.uniform(1000, 3000, n)], [rng.uniform(5, 12, n), rng.uniform(2000, 4000, n)]
    A = mammillary_matrix(cl, v1, q, v)
    lin = LinearCompartments(A, np.zeros((n, 3)), dt)
    amt = rng.uniform(10, 30, n)
    lin.dose(np.arange(n), 0, amt)
    for _ in range(40):
        lin.step()
    x0 = np.zeros((n, 3))
    x0[:, 0] = amt
    expected = np.stack([expm(A[i] * 40 * dt) @ x0[i] for i in range(n)])
    np.testing.assert_allclose(lin.amounts(), expected, rtol=1e-8, atol=1e-12)


def test_reference_chain_matches_bateman_function():
    """A dose into a transit compartment feeding an eliminating one: the Bateman function."""
    ka, ke, dose, dt = 0.3, 0.05, 10.0, 0.25
    lin = LinearCompartments(chain_matrix([ka, ke], 1), np.array([0.0, 1.0]), dt)
    lin.dose(0, 0, dose)
    for step in range(1, 100):
        lin.step()
        t = step * dt
        assert lin.output()[0] == pytest.approx(dose * ka / (ka - ke) * (np.exp(-ke * t) - np.exp(-ka * t)), rel=1e-10)


def test_reference_dose_to_distinct_and_repeated_patients_equals_one_dose_at_a_time():
    """Doses given together (increasing, unordered or repeated patients) add exactly what one-by-one doses add."""
    n = 40
    A = mammillary_matrix(np.linspace(1, 3, n), np.full(n, 2.0), [np.full(n, 0.5)], [np.full(n, 4.0)])
    w = np.tile([0.5, 0.0], (n, 1))
    many = np.arange(0, n, 2)
    for idx, amt in [(many, np.linspace(1.0, 9.0, many.size)),                # increasing, many: the dense path
                     (np.array([0, 2, 5]), np.array([1.0, 2.5, 7.0])),        # increasing, few: indexed in place
                     (np.array([5, 0, 2]), np.array([7.0, 1.0, 2.5])),        # unordered
                     (np.array([1, 1, 3]), np.array([2.0, 3.0, 1.0]))]:       # a patient twice: both doses count
        together, alone = LinearCompartments(A, w, 0.5), LinearCompartments(A, w, 0.5)
        together.dose(idx, 0, amt)
        for i, a in zip(idx.tolist(), amt.tolist()):
            alone.dose(i, 0, a)
        assert np.allclose(together.z, alone.z, rtol=1e-15, atol=0)
    twice = LinearCompartments(A, w, 0.5)
    twice.dose(np.array([1, 1]), 0, np.array([2.0, 3.0]))
    once = LinearCompartments(A, w, 0.5)
    once.dose(np.array([1]), 0, np.array([5.0]))
    assert np.allclose(twice.z, once.z, rtol=1e-14)
