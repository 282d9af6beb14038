"""Shared test helpers: the repository root and small scenario variants."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MITONMO = ROOT / "scenarios" / "mitonmo.toml"


@pytest.fixture
def mitonmo_path() -> Path:
    return MITONMO
