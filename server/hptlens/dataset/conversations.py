"""One labeled file as chat conversations: the review's own request, the truth as the answer.

The system and user messages are exactly those the LLM review sends in its LLM-only mode
(`hptlens.llm.prompt.messages` over the parts `hptlens.llm.review.plan` cuts), and the
assistant message is the ground truth in the review's structured-output schema
(`SeedAnswer`, the `hpt_seed_layout` response format). A file sent in parts gets one
conversation per part, each answering for its own lines:

- `line_numbers`: the required lines inside the part (acceptable lines are optional, so an
  answer that leaves them out is still fully right);
- `hyperparameter_tuning_applied`: whether the part has required lines;
- `hyperparameters`: the truth's names written in the part's code; a name written in no
  tuning part goes to the first tuning part, so that the parts together name them all;
- `libraries` and `specific_criteria`: the file's, on every tuning part.

Every answer is then put through the review's own checks (`check_seed`): whatever those
would drop or move (a required line on a comment, a name not written in the code, a library
spelled otherwise) is listed as a finding of the dataset, since no model could score it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hptlens.documents import Document
from hptlens.evaluate import line_key
from hptlens.export.legacy import seed_language
from hptlens.llm.answers import SeedAnswer
from hptlens.llm.prompt import Part, messages
from hptlens.llm.review import plan
from hptlens.llm.source import SourceLines
from hptlens.llm.validate import Tally, canonical_library, check_seed
from hptlens.report import HAND_WRITTEN
from hptlens.truth import GroundTruth, LineRef

_NO_LIBRARY = frozenset({"none", HAND_WRITTEN})


@dataclass(frozen=True)
class Conversation:
    part: Part
    messages: list[dict[str, str]]
    """system, user, assistant."""
    answer: SeedAnswer


@dataclass
class FileConversations:
    conversations: list[Conversation] = field(default_factory=list)
    skipped: str = ""
    """Why the review sends nothing for this file (no conversations then)."""
    problems: list[str] = field(default_factory=list)
    """Truth the review's checks would not let through, in words."""


def build_conversations(document: Document, truth: GroundTruth, max_file_tokens: int) -> FileConversations:
    planned = plan(document, max_file_tokens)
    if planned.source is None:
        return FileConversations(skipped=planned.skipped)
    source = planned.source
    result = FileConversations()
    lines, bad = global_lines(document, truth.lines_required)
    result.problems.extend(f"required line {ref!r} is not in the file" for ref in bad)
    answers = part_answers(source, planned.parts, truth, lines)
    for part, answer in zip(planned.parts, answers):
        content = json.dumps(answer.model_dump(mode="json"), ensure_ascii=False)
        chat = [*messages(source, part, None), {"role": "assistant", "content": content}]
        result.conversations.append(Conversation(part=part, messages=chat, answer=answer))
        result.problems.extend(_changed_by_checks(source, part, answer))
    return result


def global_lines(document: Document, refs: list[LineRef]) -> tuple[list[int], list[LineRef]]:
    """Truth line references as lines over the document's text (notebooks: "CELL:LINE" over the
    code cells concatenated, as the prompt numbers them); the references that name no line."""
    source_count = len(SourceLines(document).lines)
    spans = {span.index: span for span in document.cells}
    lines: set[int] = set()
    bad: list[LineRef] = []
    for ref in refs:
        try:
            key = line_key(ref)
        except ValueError:
            bad.append(ref)
            continue
        if isinstance(key, int) and not document.cells:
            line = key
        elif isinstance(key, str) and document.cells:
            cell, _, inner = key.partition(":")
            span = spans.get(int(cell))
            if span is None or int(inner) > max(span.line_count, 1):
                bad.append(ref)
                continue
            line = span.first_line + int(inner) - 1
        else:
            bad.append(ref)
            continue
        if 1 <= line <= source_count:
            lines.add(line)
        else:
            bad.append(ref)
    return sorted(lines), bad


def part_answers(source: SourceLines, parts: list[Part], truth: GroundTruth, lines: list[int]) -> list[SeedAnswer]:
    document = source.document
    language, environment = seed_language(document.language)
    in_part = [[n for n in lines if part.first <= n <= part.last] for part in parts]
    tuning = [truth.tuning_applied and bool(found) for found in in_part]
    names = _names_by_part(source, parts, truth.hyperparameters, tuning)
    libraries = [name for name in truth.libraries if name.strip().casefold() not in _NO_LIBRARY]
    criteria = [str(c) for c in truth.criteria]
    return [
        SeedAnswer.model_validate(
            {
                "filename": document.path,
                "language": language,
                "environment": environment,
                "technique": technique(truth) if tuning[i] else "none",
                "hyperparameter_tuning_applied": tuning[i],
                "line_numbers": in_part[i] if tuning[i] else [],
                "hyperparameters": names[i],
                "libraries": libraries if tuning[i] else [],
                "specific_criteria": criteria if tuning[i] else [],
            }
        )
        for i in range(len(parts))
    ]


def _names_by_part(source: SourceLines, parts: list[Part], names: list[str], tuning: list[bool]) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in parts]
    tuning_parts = [i for i, t in enumerate(tuning) if t]
    if not tuning_parts:
        return out
    for name in names:
        homes = [i for i in tuning_parts if source.mentions(name, parts[i].first, parts[i].last)]
        for i in homes or tuning_parts[:1]:
            out[i].append(name)
    return out


def technique(truth: GroundTruth) -> str:
    """A few words on how the file tunes, from its truth (the seed layout's `technique`)."""
    libraries = [n for n in truth.libraries if n.strip().casefold() not in _NO_LIBRARY]
    criteria = [str(c) for c in truth.criteria]
    if libraries:
        return ", ".join(libraries)
    if "parameterization" in criteria and len(criteria) == 1:
        return "tuned hyperparameter values"
    return "hand-written search loop"


def _changed_by_checks(source: SourceLines, part: Part, answer: SeedAnswer) -> list[str]:
    """What the review's checks would change in this answer: truth no model could score."""
    checked = check_seed(answer, source, part, Tally())
    problems = []
    lines = sorted(set(answer.line_numbers) - set(checked.lines))
    if lines:
        problems.append(
            f"required lines {lines} hold no code of their own (blank, comment): the review drops them "
            "or moves them to their statement's first line"
        )
    names = [n for n in answer.hyperparameters if n not in checked.names]
    if names:
        problems.append(f"hyperparameters {names} are not written in the code: the review drops them")
    for name in answer.libraries:
        read = canonical_library(name)
        if read.casefold() != name.casefold():
            problems.append(f"library {name!r} would be read as {read!r}")
    return problems
