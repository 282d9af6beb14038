"""Infection multipliers by count bands: the table lookup equals the np.where chain it replaces, edges included."""
import numpy as np

from sim.physiology.hazards import BelowBands


def _chain(x, below, multiplier):
    out = np.ones(x.shape)
    for b, m in zip(below, multiplier):
        out = np.where(x < b, m, out)
    return out


def test_rules_below_bands_equal_the_where_chain_for_any_band_order():
    rng = np.random.default_rng(3)
    for _ in range(200):
        k = int(rng.integers(0, 5))
        below = rng.choice([0.5, 1.0, 1.5, 2.0], size=k).tolist()            # ties and any order
        mult = rng.uniform(0.5, 20, size=k).tolist()
        x = np.concatenate([rng.uniform(0, 2.5, 50), below, [np.nan, 0.0, np.inf]])   # band edges exactly
        assert np.array_equal(BelowBands(below, mult)(x), _chain(x, below, mult), equal_nan=True)


def test_rules_below_bands_at_the_edges():
    bands = BelowBands([1.5, 1.0, 0.5], [2.0, 5.0, 20.0])          # the bundled ANC bands
    got = bands(np.array([1.5, 1.4999, 1.0, 0.9999, 0.5, 0.4999, np.nan]))
    assert got.tolist() == [1.0, 2.0, 2.0, 5.0, 5.0, 20.0, 1.0]        # "below" is strict; NaN is in no band
