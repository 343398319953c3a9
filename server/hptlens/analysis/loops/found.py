"""What the hand-tuning detectors have found so far, shared between them: each loop is one finding."""

from __future__ import annotations

from tree_sitter import Node

from hptlens.analysis.neutral import Hit


class Found:
    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.loops: dict[int, Hit] = {}
        """The finding of each loop, by node id: a later detector extends it instead of adding one."""

    def add_loop(self, loop: Node, hit: Hit) -> None:
        self.loops[loop.id] = hit
        self.hits.append(hit)
