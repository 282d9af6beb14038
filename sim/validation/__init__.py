"""Published targets and the predictive check (`nmosim targets`).

targets.py: the `[[targets]]` files (pydantic, loaded from TOML; bundled in scenarios/targets/); metrics.py: the
metric registry (pure functions of one replicate's arm data); check.py: replicate trials of each target scenario and
the verdict per target; report.py: the table, the markdown page and its figure.
"""
from .check import DEFAULT_REPLICATES, QUICK_REPLICATES, CheckRun, TargetResult, run_check
from .metrics import METRICS
from .report import text_table, write_markdown
from .targets import LoadedTarget, Target, TargetError, load_targets

__all__ = ["DEFAULT_REPLICATES", "QUICK_REPLICATES", "CheckRun", "TargetResult", "run_check", "METRICS",
           "text_table", "write_markdown", "LoadedTarget", "Target", "TargetError", "load_targets"]
