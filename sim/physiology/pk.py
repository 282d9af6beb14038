"""Linear compartment models over patients, advanced exactly through their eigen-decomposition (time in days)."""
from __future__ import annotations

import numpy as np


def mammillary_matrix(cl: np.ndarray, v1: np.ndarray, q: list[np.ndarray], v: list[np.ndarray]) -> np.ndarray:
    """Rate matrix A (n, m, m) of dx/dt = A x for amounts in a central compartment with peripheral ones (CL, Q per day; V in L)."""
    cl, v1 = np.broadcast_arrays(np.asarray(cl, float), np.asarray(v1, float))
    n, m = cl.shape[0], 1 + len(q)
    A = np.zeros((n, m, m))
    A[:, 0, 0] = -cl / v1
    for j, (qj, vj) in enumerate(zip(q, v), start=1):
        A[:, 0, 0] -= qj / v1
        A[:, 0, j] = qj / vj
        A[:, j, 0] = qj / v1
        A[:, j, j] = -qj / vj
    return A


def chain_matrix(rates: list[float], n: int) -> np.ndarray:
    """Rate matrix (n, m, m) of a linear chain x0 -> x1 -> ... with first-order rates (per day); the last rate is elimination."""
    m = len(rates)
    A = np.zeros((n, m, m))
    for j, k in enumerate(rates):
        A[:, j, j] = -k
        if j + 1 < m:
            A[:, j + 1, j] = k
    return A


class LinearCompartments:
    """Amounts in linear compartments for n patients, stepped exactly by dt; `mean_output` is the exact mean of w·x over the step."""

    def __init__(self, A: np.ndarray, output_weights: np.ndarray, dt: float):
        lam, V = np.linalg.eig(A)
        if np.max(np.abs(lam.imag)) > 1e-9 * max(1.0, np.max(np.abs(lam.real))):
            raise ValueError("compartment model has oscillating modes")
        self.lam, V = lam.real, V.real
        self.Vinv = np.linalg.inv(V)                       # amounts -> modal coordinates
        self.V = V
        w = np.broadcast_to(np.asarray(output_weights, float), A.shape[:2])
        self.c = np.einsum("nm,nmk->kn", w, V)             # output = sum_k c_k z_k, shape (m, n)
        self.dt = dt
        lam_t = self.lam.T.copy()                            # (m, n)
        self.decay = np.exp(lam_t * dt)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(np.abs(lam_t * dt) > 1e-12, np.expm1(lam_t * dt) / (lam_t * dt), 1.0)
        self.c_mean = self.c * mean                        # exact step mean of the output
        self.z = np.zeros(lam_t.shape)                     # modal coordinates, (m, n)
        self._columns: dict[int, np.ndarray] = {}          # compartment -> its column of Vinv, (m, n)

    def dose(self, idx: np.ndarray | int, cmt: int, amount: np.ndarray | float) -> None:
        """Add `amount` to compartment `cmt` of patients idx (a bolus at the current time; a patient may repeat)."""
        col = self._columns.get(cmt)
        if col is None:
            col = self._columns[cmt] = np.ascontiguousarray(self.Vinv[:, :, cmt].T)   # (m, n): amount -> modes
        amount = np.asarray(amount, float)
        if np.ndim(idx) == 1 and (len(idx) < 2 or bool((np.diff(idx) > 0).all())):   # increasing, so distinct
            n = col.shape[1]
            if len(idx) * 8 > n:            # many patients (daily doses): one dense pass, 0 for the others
                dense = np.zeros(n)
                dense[idx] = amount
                self.z += col * dense
            else:
                self.z[:, idx] += col[:, idx] * amount
        else:                               # np.add.at adds a repeated patient's doses one after the other
            np.add.at(self.z, (slice(None), idx), col[:, idx] * amount)

    def step(self) -> np.ndarray:
        """Advance all patients by dt; return the mean output over the step."""
        mean = _dot_rows(self.c_mean, self.z)
        self.z *= self.decay
        return mean

    def output(self) -> np.ndarray:
        """The output w·x at the current time."""
        return _dot_rows(self.c, self.z)

    def amounts(self) -> np.ndarray:
        """Amounts (n, m) at the current time."""
        return np.einsum("nmk,kn->nm", self.V, self.z)


def _dot_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum_k a[k] * b[k], element by element in a fixed order (the same for any number of patients)."""
    out = a[0] * b[0]
    for k in range(1, a.shape[0]):
        out += a[k] * b[k]
    return out
