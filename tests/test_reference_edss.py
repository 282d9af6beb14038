"""EDSS from attack records: the chunk-wide `edss_on_days` (EDSS visits of a whole chunk) against the scalar `edss_at`."""
import math

import numpy as np

from sim.disease import edss_at, edss_on_days, report_edss, report_edss_array


def test_reference_edss_on_days_equals_edss_at_for_every_patient_and_day():
    rng = np.random.default_rng(7)
    n, k = 300, 6
    days_att = np.where(rng.random((n, k)) < 0.6, rng.uniform(-400, 700, (n, k)), np.nan)   # NaN: no attack
    acute = rng.uniform(0.5, 3.0, (n, k))
    residual = acute * rng.uniform(0, 1, (n, k))
    chronic = rng.uniform(0, 8, n)
    days = [90.0, 180.0, 365.25, 500.0, 730.0]
    got = edss_on_days(days, chronic, days_att, acute, residual, 60.0, 0.001)
    for i in range(n):
        ok = ~np.isnan(days_att[i])
        for j, t in enumerate(days):
            want = edss_at(t, chronic[i], days_att[i][ok], acute[i][ok], residual[i][ok], 60.0, 0.001)
            assert math.isclose(got[i, j], want, rel_tol=1e-12, abs_tol=1e-12)
            assert report_edss_array(got[i:i + 1, j])[0] == report_edss(want) or abs(want * 2 % 1 - 0.5) < 1e-9
    # a patient's values do not depend on the padding width or the other patients
    alone = edss_on_days(days, chronic[:1], days_att[:1, :3], acute[:1, :3], residual[:1, :3], 60.0, 0.001)
    both = edss_on_days(days, chronic[:2], days_att[:2, :3], acute[:2, :3], residual[:2, :3], 60.0, 0.001)
    padded = np.hstack([days_att[:1, :3], np.full((1, 4), np.nan)])
    wide = edss_on_days(days, chronic[:1], padded, np.hstack([acute[:1, :3], np.ones((1, 4))]),
                        np.hstack([residual[:1, :3], np.ones((1, 4))]), 60.0, 0.001)
    assert np.array_equal(alone[0], both[0]) and np.array_equal(alone, wide)
