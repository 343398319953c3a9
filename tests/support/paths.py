"""Where the repository's test material is."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
GROUND_TRUTH = ROOT / "ground_truth"
SCHEMAS = ROOT / "schema"
