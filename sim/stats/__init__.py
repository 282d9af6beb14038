"""Pure statistical estimators for trial readouts (numpy + scipy only; no imports from the rest of `sim`)."""
from .logrank import logrank
from .negbin import nb_dispersion, nb_rate_ratios
from .poisson import pooled_rate
from .survival import KMResult, kaplan_meier, km_at, km_median, km_quantile

__all__ = ["pooled_rate", "nb_rate_ratios", "nb_dispersion", "KMResult", "kaplan_meier", "km_at", "km_median", "km_quantile",
           "logrank"]
