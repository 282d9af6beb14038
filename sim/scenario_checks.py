"""Warnings about a valid scenario that is probably not what was meant (printed, not errors): courses that overlap,
dose intensities far beyond the labelled regimens, follow-up of implausible length."""
from __future__ import annotations

from .regimen_config import Belimumab, Mitoxantrone
from .scenario import Scenario, leaf_regimens

WARN_FOLLOW_UP_DAYS = 50 * 365.25          # longer than any trial or cohort the bundled sources describe (100 years is an error)
MITOXANTRONE_MG_PER_M2_PER_28_DAYS = 12   # 12 mg/m2 monthly, the most intensive schedule in use (MS induction)
BELIMUMAB_MG_PER_KG_PER_28_DAYS = 2 * 10   # twice the labelled 10 mg/kg every 4 weeks


def scenario_warnings(scn: Scenario) -> list[str]:
    """One line per suspicious setting, naming the field."""
    out = []
    if scn.run.follow_up_days > WARN_FOLLOW_UP_DAYS:
        out.append(f"run.follow_up_days: {scn.run.follow_up_days:g} days is more than 50 years of follow-up")
    for arm in scn.arms:
        for reg in leaf_regimens(arm.regimen):
            where = f"arms.{arm.name}.regimen"
            if isinstance(reg, Mitoxantrone):
                if reg.split_days > reg.ii_days:
                    out.append(f"{where}: courses overlap: each lasts split_days = {reg.split_days} days but they "
                               f"start every ii_days = {reg.ii_days:g} days")
                per_28 = reg.amt_mg_per_m2 * 28 / reg.ii_days
                if per_28 > MITOXANTRONE_MG_PER_M2_PER_28_DAYS + 1e-9:
                    out.append(f"{where}: {per_28:.0f} mg/m2 every 28 days (amt_mg_per_m2 {reg.amt_mg_per_m2:g} every "
                               f"{reg.ii_days:g} days) is above 12 mg/m2 monthly, the most intensive schedule in use")
            if isinstance(reg, Belimumab):
                per_28 = reg.amt_mg_per_kg * 28 / reg.ii_days
                if per_28 > BELIMUMAB_MG_PER_KG_PER_28_DAYS:
                    out.append(f"{where}: {per_28:.0f} mg/kg every 28 days is more than twice the labelled 10 mg/kg")
    return out
