"""Shell report: every detector over one script, its sites, and `analyze_shell`.

`ShellSearches` runs the loop/job-array detectors, then the command-line ones (in that order, so
the hits keep a stable order) and keeps the sweep configs `wandb sweep FILE` launches, which the
report lists as config references for the workspace to link. Sites: one per outermost searching
loop with its value lists, and one per job array or command.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from hptlens.analysis.assembly import assemble, node_position, syntax_errors
from hptlens.analysis.neutral import Hit, source_lines
from hptlens.analysis.shell.commands import CommandSearches
from hptlens.analysis.shell.file import ShellFile, parse
from hptlens.analysis.shell.loops import LoopSearches
from hptlens.documents import Document
from hptlens.report import ConfigRef, FileReport, FindingKind
from hptlens.settings import Settings


@dataclass
class ShellSearches:
    """All the shell detectors over one file (a script, or a notebook's shell lines)."""

    sh: ShellFile
    hits: list[Hit] = field(default_factory=list)
    launched: list[tuple[Node, str]] = field(default_factory=list)
    """(command, config file) of `wandb sweep FILE` lines."""

    def run(self) -> list[Hit]:
        self.hits = LoopSearches(self.sh).run()
        commands = CommandSearches(self.sh)
        self.hits += commands.run()
        self.launched = commands.launched
        return self.hits


def group_shell_hits(hits: list[Hit]) -> list[list[int]]:
    """One site per outermost searching loop (its value lists with it), and per job array or command."""
    loops = sorted((h for h in hits if h.kind == FindingKind.HAND_LOOP), key=lambda h: h.tree_node.start_byte)

    def outermost(node: Node) -> Node:
        return next(
            (
                h.tree_node
                for h in loops
                if h.tree_node.start_byte <= node.start_byte and node.end_byte <= h.tree_node.end_byte
            ),
            node,
        )

    def owner(hit: Hit) -> Node:
        if hit.kind == FindingKind.SEARCH_SPACE:
            names = {h.name for h in hit.hyperparameters}
            user = next((h for h in loops if names & {p.name for p in h.hyperparameters}), None)
            if user is not None:
                return outermost(user.tree_node)
        return outermost(hit.tree_node)

    groups: dict[int, list[int]] = {}
    for index, hit in enumerate(hits):
        groups.setdefault(owner(hit).id, []).append(index)
    return sorted(groups.values(), key=lambda group: min(hits[i].tree_node.start_byte for i in group))


def analyze_shell(document: Document, settings: Settings) -> FileReport:
    source = document.text.encode("utf-8", "surrogatepass")
    sh = ShellFile(source, parse(source))
    report = FileReport(path=document.path, language=document.language, lines=source_lines(document.text))
    report.errors += syntax_errors(sh, document)
    searches = ShellSearches(sh)
    assemble(report, document, sh, searches.run(), settings, group_shell_hits)
    for command, file in searches.launched:
        rng, _ = node_position(document, sh, command)
        report.config_refs.append(ConfigRef(kind="sweep-launch", config_name=file, line=rng.start.line, range=rng))
    return report
