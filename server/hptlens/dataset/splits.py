"""Deterministic splits by group: a repository or a fixture family lies in one split only.

Groups are ordered by a hash of the seed and their name (so the order is arbitrary but the
same on every machine and run), then each goes, whole, to the split furthest below its
share of files. Fixtures and the corpus are split separately, so that every split holds
both kinds in proportion. A different seed gives another, equally valid split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

SPLITS = ("train", "validation", "test")
DEFAULT_FRACTIONS = (0.8, 0.1, 0.1)
DEFAULT_SEED = "hptlens"


def parse_fractions(text: str) -> tuple[float, float, float]:
    """'0.8,0.1,0.1' (train, validation, test); they must be >= 0 and add up to 1."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"expected three numbers such as 0.8,0.1,0.1, not {text!r}") from None
    if len(values) != 3 or any(v < 0 for v in values) or abs(sum(values) - 1) > 1e-6:
        raise ValueError(f"expected three fractions >= 0 adding up to 1 (train,validation,test), not {text!r}")
    return values[0], values[1], values[2]


def _order(seed: str, group: str) -> str:
    return hashlib.sha256(f"{seed}\0{group}".encode()).hexdigest()


def assign(groups: dict[str, int], fractions: tuple[float, float, float], seed: str) -> dict[str, str]:
    """Split name per group, given each group's number of files."""
    total = sum(groups.values())
    filled = dict.fromkeys(SPLITS, 0)
    out: dict[str, str] = {}
    for group in sorted(groups, key=lambda g: _order(seed, g)):
        # The split with the largest deficit against its share once this group is added;
        # ties go to the earlier split (train, then validation, then test).
        deficits = {s: f * total - filled[s] for s, f in zip(SPLITS, fractions) if f > 0}
        chosen = max(deficits, key=lambda s: (deficits[s], -SPLITS.index(s)))
        out[group] = chosen
        filled[chosen] += groups[group]
    return out


def assign_by_source(
    members: Iterable[tuple[str, str]], fractions: tuple[float, float, float], seed: str
) -> dict[str, str]:
    """(source, group) pairs, one per file -> split per group, each source split on its own."""
    sizes: dict[str, dict[str, int]] = {}
    for source, group in members:
        counts = sizes.setdefault(source, {})
        counts[group] = counts.get(group, 0) + 1
    out: dict[str, str] = {}
    for source in sorted(sizes):
        out.update(assign(sizes[source], fractions, f"{seed}/{source}"))
    return out
