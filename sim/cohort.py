"""Virtual cohort: candidates drawn from covariate distributions, their pre-study relapse history, and eligibility screening."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaincinv, ndtri

from .disease import attack_steps, dist_from_uniform, report_edss_array
from .relapse_process import attack_days, spell_path, spell_rates
from .scenario import YEAR_DAYS, Criterion, Scenario
from .streams import patient_rngs

# Layout of each candidate's block of uniforms from its "covariates" stream. Never reorder:
# the layout is fixed so that a covariate keeps its draw whatever else the scenario changes.
SLOT = {name: i for i, name in enumerate((
    "sex", "age", "height", "weight", "anc", "alc", "other", "platelets", "lvef", "edss",
    "aqp4", "frailty", "relapse_threshold", "infection_threshold",
    "screen_wbc", "screen_anc", "screen_alc", "screen_platelets",
))}
ETA_BASE = 18      # 12 standard-normal IIV slots
N_ETA = 12
ETA = {"mitoxantrone_cl": 0, "mitoxantrone_anc_slope": 1, "marrow_mtt": 2, "lvef_decline": 3,
       "baricitinib_cl": 4, "belimumab_cl": 5, "baricitinib_anc_slope": 6, "mitoxantrone_ec50": 7}
COND_BASE = 30     # 16 condition slots (conditions taken in sorted name order)
N_COND = 16
SLOT.update({"hb": 46, "egfr": 47, "adherence": 48, "screen_hb": 49})   # slots 46-63: covariates added later
SLOT.update({"mitoxantrone_responder": 50})   # appended: a uniform for the mitoxantrone responder mixture
SLOT.update({"death_threshold": 51, "spell_initial": 52})   # appended: background death; the first activity spell
HIST_BASE = 64     # per pre-study attack: gap, severe, size, residual
HIST_MAX = 64
PHENO_BASE = HIST_BASE + 4 * HIST_MAX    # per pre-study attack: its phenotype
SPELL_BASE = PHENO_BASE + HIST_MAX       # the lengths of the activity spells from the start of the history
SPELL_MAX = 64
BLOCK = SPELL_BASE + SPELL_MAX


@dataclass
class Candidates:
    """Arrays over a batch of candidates (true values, observed screening values, history)."""

    key: np.ndarray
    cov: dict[str, np.ndarray]   # 1-D columns, and 2-D: hist_phenotype, spell_switches (n, SPELL_MAX)
    hist_days: np.ndarray        # (n, HIST_MAX), NaN where no attack; negative days before baseline
    hist_acute: np.ndarray
    hist_residual: np.ndarray


@dataclass
class Cohort:
    """The enrolled patients: covariate columns, pre-study attacks, and the screening log."""

    key: np.ndarray
    cov: dict[str, np.ndarray]
    hist_days: np.ndarray
    hist_acute: np.ndarray
    hist_residual: np.ndarray
    screened: int
    failed: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.key)

    def take(self, idx: np.ndarray | slice) -> "Cohort":
        """A sub-cohort (for chunks): same screening log, rows idx."""
        return Cohort(self.key[idx], {k: v[idx] for k, v in self.cov.items()}, self.hist_days[idx],
                      self.hist_acute[idx], self.hist_residual[idx], self.screened, self.failed)


def bsa_mosteller(height_cm: np.ndarray, weight_kg: np.ndarray) -> np.ndarray:
    """Body surface area (m2), Mosteller 1987: sqrt(height_cm * weight_kg / 3600)."""
    return np.sqrt(np.asarray(height_cm) * np.asarray(weight_kg) / 3600.0)


def draw_uniforms(seed: int, replicate: int, keys: np.ndarray) -> np.ndarray:
    """Each candidate's fixed block of uniforms, from its own covariates stream."""
    out = np.empty((len(keys), BLOCK))
    for row, rng in enumerate(patient_rngs(seed, replicate, keys, "covariates")):
        out[row] = rng.random(BLOCK)
    return out


def draw_candidates(scn: Scenario, keys: np.ndarray) -> Candidates:
    """Draw covariates, latent relapse rate and pre-study history for candidates `keys`."""
    c, dis = scn.cohort, scn.disease
    U = draw_uniforms(scn.run.seed, scn.run.replicate, keys)
    u = lambda name: U[:, SLOT[name]]  # noqa: E731
    n = len(keys)
    female = u("sex") < c.female_fraction
    cov: dict[str, np.ndarray] = {"sex_female": female.astype(float)}
    cov["age_years"] = dist_from_uniform(u("age"), c.age_years)
    by_sex = lambda slot, d_f, d_m: (np.full(n, np.nan) if d_f is None  # noqa: E731
                                     else np.where(female, dist_from_uniform(u(slot), d_f), dist_from_uniform(u(slot), d_m)))
    cov["height_cm"] = by_sex("height", c.height_cm_female, c.height_cm_male)
    cov["weight_kg"] = by_sex("weight", c.weight_kg_female, c.weight_kg_male)
    cov["bsa_m2"] = bsa_mosteller(cov["height_cm"], cov["weight_kg"])
    anc = dist_from_uniform(u("anc"), c.anc_per_nl)
    alc = dist_from_uniform(u("alc"), c.alc_per_nl)
    other = dist_from_uniform(u("other"), c.other_wbc_per_nl)
    if c.prior_immunosuppression is not None:
        anc = anc * c.prior_immunosuppression.anc_ratio
        alc = alc * c.prior_immunosuppression.alc_ratio
    cov["true_anc_per_nl"], cov["true_alc_per_nl"], cov["true_other_per_nl"] = anc, alc, other
    plt = dist_from_uniform(u("platelets"), c.platelets_per_nl)
    labs = scn.physiology.labs
    noise = lambda slot: np.exp(labs.cv * ndtri(u(slot)))  # noqa: E731
    rnd = lambda x: np.round(x, labs.decimals)  # noqa: E731
    cov["wbc_per_nl"] = rnd((anc + alc + other) * noise("screen_wbc"))
    cov["anc_per_nl"] = rnd(anc * noise("screen_anc"))
    cov["alc_per_nl"] = rnd(alc * noise("screen_alc"))
    cov["platelets_per_nl"] = np.round(plt * noise("screen_platelets"), 0)
    optional = lambda slot, d: np.full(n, np.nan) if d is None else dist_from_uniform(u(slot), d)  # noqa: E731
    cov["true_hb_g_per_dl"] = optional("hb", c.hb_g_per_dl)
    cov["hb_g_per_dl"] = np.round(cov["true_hb_g_per_dl"] * noise("screen_hb"), 1)
    cov["egfr_ml_per_min"] = np.round(optional("egfr", c.egfr_ml_per_min), 0)
    cov["u_adherence"] = u("adherence")
    cov["u_mitoxantrone_responder"] = u("mitoxantrone_responder")
    cov["lvef_percent"] = np.round(dist_from_uniform(u("lvef"), c.lvef_percent), 1)
    cov["aqp4_positive"] = (u("aqp4") < c.aqp4_positive_fraction).astype(float)
    for j, name in enumerate(sorted(c.conditions)[:N_COND]):
        cov[name] = (U[:, COND_BASE + j] < c.conditions[name]).astype(float)
    for name, j in ETA.items():
        cov[f"eta_{name}"] = ndtri(U[:, ETA_BASE + j])
    # latent untreated relapse rate: mu * Gamma(shape 1/k, scale k), modulated by activity spells (relapse_process.py)
    k = dis.frailty_k
    frail = k * gammaincinv(1.0 / k, u("frailty")) if k > 0 else np.ones(n)
    cov["untreated_arr"] = dis.untreated_arr * frail
    cov["relapse_threshold"] = -np.log1p(-u("relapse_threshold"))
    cov["infection_threshold"] = -np.log1p(-u("infection_threshold"))
    cov["death_threshold"] = -np.log1p(-u("death_threshold"))
    active0, switches = spell_path(dis, u("spell_initial"), U[:, SPELL_BASE:SPELL_BASE + SPELL_MAX], -c.history_days)
    cov["spell_active0"], cov["spell_switches"] = active0, switches
    # pre-study history: the same process (with the attack gap) from -history_days to 0; patients are alive at entry
    H = U[:, HIST_BASE:PHENO_BASE].reshape(n, HIST_MAX, 4)
    rates = spell_rates(dis, frail)
    t = attack_days(rates, active0, switches, -c.history_days, dis.attack_gap_days, -np.log1p(-H[:, :, 0]))
    none = np.isnan(t)
    has = ~none                                   # attack_steps is elementwise: drawn only where an attack happened
    kind, acute, residual = np.full(t.shape, -1), np.zeros(t.shape), np.zeros(t.shape)
    if has.any():
        kind[has], acute[has], residual[has], _ = attack_steps(U[:, PHENO_BASE:SPELL_BASE][has], H[:, :, 1][has],
                                                               H[:, :, 2][has], H[:, :, 3][has], dis.edss)
    cov["hist_phenotype"] = kind
    chronic = dist_from_uniform(u("edss"), c.edss_chronic)
    with np.errstate(invalid="ignore"):
        decay = np.where(none, 0.0, np.exp(np.nan_to_num(t) / dis.edss.recovery_days))
    ceiling = dis.edss.ceiling
    cov["edss_continuous"] = np.clip(chronic + (residual + (acute - residual) * decay).sum(axis=1), 0, ceiling)
    cov["edss_chronic"] = chronic
    cov["edss"] = report_edss_array(cov["edss_continuous"])
    last = np.max(np.where(none, -np.inf, t), axis=1)
    cov["days_since_last_attack"] = -last
    return Candidates(np.asarray(keys), cov, t, acute, residual)


def prior_relapses(hist_days: np.ndarray, window_days: float) -> np.ndarray:
    """Number of pre-study attacks within window_days before baseline."""
    return np.sum(hist_days >= -window_days, axis=1).astype(float)


def evaluate(crit: Criterion, cand: Candidates) -> np.ndarray:
    """Boolean array: does each candidate meet the criterion's condition."""
    if crit.any_of is not None:
        out = np.zeros(len(cand.key), bool)
        for sub in crit.any_of:
            out |= evaluate(sub, cand)
        return out
    if crit.covariate == "prior_relapses":
        x = prior_relapses(cand.hist_days, crit.window_days)
    else:
        x = cand.cov[crit.covariate]
    ok = np.ones(len(x), bool)
    if crit.gt is not None:
        ok &= x > crit.gt
    if crit.ge is not None:
        ok &= x >= crit.ge
    if crit.lt is not None:
        ok &= x < crit.lt
    if crit.le is not None:
        ok &= x <= crit.le
    if crit.eq is not None:
        ok &= x == crit.eq
    return ok


def screen(scn: Scenario, cand: Candidates) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Eligible mask and, per criterion, the mask of candidates who fail it (inclusion not met / exclusion met)."""
    fails: dict[str, np.ndarray] = {}
    for crit in scn.cohort.inclusion:
        fails[f"inclusion: {crit.name}"] = ~evaluate(crit, cand)
    for crit in scn.cohort.exclusion:
        fails[f"exclusion: {crit.name}"] = evaluate(crit, cand)
    eligible = np.ones(len(cand.key), bool)
    for f in fails.values():
        eligible &= ~f
    return eligible, fails


class CohortError(Exception):
    """Screening could not enrol the requested number of patients."""


def build_cohort(scn: Scenario) -> Cohort:
    """Screen candidates 0, 1, 2, ... in order until run.patients are eligible; the log counts up to the last one enrolled.

    Candidates are drawn in batches of at most BATCH_MAX; only the eligible rows are kept, so memory follows the cohort.
    """
    need = scn.run.patients
    limit = need * scn.cohort.max_screened_per_enrolled
    kept: list[Candidates] = []
    fails: dict[str, int] = {}
    start, got = 0, 0
    while got < need and start < limit:
        rate = max(got / start, 1.0 / scn.cohort.max_screened_per_enrolled) if start else 0.25
        batch = int(min(max(64, math.ceil(1.2 * (need - got) / rate)), BATCH_MAX, limit - start))
        cand = draw_candidates(scn, np.arange(start, start + batch))
        ok, fail = screen(scn, cand)
        rows = np.flatnonzero(ok)[: need - got]
        # the screening log stops at the last candidate enrolled
        end = int(rows[-1]) + 1 if got + len(rows) == need else batch
        for name, mask in fail.items():
            fails[name] = fails.get(name, 0) + int(mask[:end].sum())
        kept.append(Candidates(cand.key[rows], {k: v[rows] for k, v in cand.cov.items()}, cand.hist_days[rows],
                               cand.hist_acute[rows], cand.hist_residual[rows]))
        got += len(rows)
        start += end
    if got < need:
        raise CohortError(f"cohort: only {got} of {need} patients eligible after screening {start} candidates "
                          f"(cohort.max_screened_per_enrolled = {scn.cohort.max_screened_per_enrolled}); "
                          "loosen the criteria or the covariate distributions")
    cat = lambda name: np.concatenate([getattr(p, name) for p in kept])  # noqa: E731
    cov = {k: np.concatenate([p.cov[k] for p in kept]) for k in kept[0].cov}
    return Cohort(cat("key"), cov, cat("hist_days"), cat("hist_acute"), cat("hist_residual"), screened=start, failed=fails)


BATCH_MAX = 8192
