"""The model's answers as pydantic models, and the structured-output format made from them.

The JSON Schema sent as `response_format` is generated from these models and made
strict (every property required, no extra properties), the form OpenAI's structured
outputs, vLLM, Ollama and llama.cpp accept. Reading an answer is more forgiving than
the schema: local models sometimes wrap JSON in a code fence or leave a field out, and
one bad item must cost that item only. Everything read here is still unchecked data:
`hptlens.llm.validate` checks it against the source.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Kind = Literal["search-space", "search-run", "scheduler", "hand-loop", "sweep-config", "tuned-config"]
CriterionName = Literal["auto-tuning", "auto/hand-tuning", "hand-tuning", "parameterization"]

MAX_ITEMS = 200
"""Items read from one answer list; more is not a real answer about one file part."""


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Verdict(_Answer):
    id: str = Field(description="the static finding's id, e.g. F3")
    verdict: Literal["confirm", "reject"]
    reason: str = Field(default="", description="one short sentence")


class Addition(_Answer):
    line: int = Field(description="line number as printed in the numbered source")
    kind: Kind
    category: CriterionName
    library: str = Field(default="hand-written", description="HPO library display name, or 'hand-written'")
    method: str = Field(default="", description="HPO method, e.g. TPE, PBT, grid search; empty if unknown")
    hyperparameters: list[str] = Field(default_factory=list, description="names exactly as written in the code")
    explanation: str = Field(default="", description="one short sentence")
    confidence: float = Field(default=0.5, description="0 to 1")


class ReviewAnswer(_Answer):
    """Answer to the review prompt: verdicts on the static findings plus missed findings."""

    tuning_applied: bool = Field(description="whether this part of the file tunes hyperparameters")
    verdicts: list[Verdict] = Field(default_factory=list)
    additions: list[Addition] = Field(default_factory=list)


class SeedAnswer(_Answer):
    """Answer to the LLM-only prompt, in the seed study's layout (one example)."""

    filename: str = ""
    language: str = ""
    environment: str = ""
    technique: str = ""
    hyperparameter_tuning_applied: bool
    line_numbers: list[int] = Field(default_factory=list)
    hyperparameters: list[str] = Field(default_factory=list)
    libraries: list[str] = Field(default_factory=list)
    specific_criteria: list[CriterionName] = Field(default_factory=list)

    @field_validator("line_numbers", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        # The seed's answers wrote "12", "12-15" or "line 12"; anything else is dropped here
        # and whatever remains is checked against the source later.
        if not isinstance(value, list):
            return value
        lines: list[int] = []
        for item in value[:MAX_ITEMS]:
            lines.extend(_line_items(item))
        return lines

    @field_validator("specific_criteria", mode="before")
    @classmethod
    def _criteria(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        names = {"auto-tuning", "auto/hand-tuning", "hand-tuning", "parameterization"}
        spelled = (str(v).strip().lower().replace("_", "-").replace(" ", "-") for v in value)
        return [v for v in dict.fromkeys(spelled) if v in names]


_RANGE_SPAN = 50
"""Longest "a-b" range read from an answer: a wider one is not a line reference."""


def _line_items(item: Any) -> list[int]:
    if isinstance(item, bool):
        return []
    if isinstance(item, int):
        return [item]
    if isinstance(item, float) and item.is_integer():
        return [int(item)]
    if not isinstance(item, str):
        return []
    text = item.strip().lower().removeprefix("line").strip()
    first, dash, last = text.partition("-")
    if text.isdigit():
        return [int(text)]
    if dash and first.strip().isdigit() and last.strip().isdigit():
        low, high = int(first), int(last)
        return list(range(low, high + 1)) if 0 <= high - low <= _RANGE_SPAN else []
    return []


AnswerModel = type[ReviewAnswer] | type[SeedAnswer]
SCHEMA_NAMES: dict[str, AnswerModel] = {"hpt_review": ReviewAnswer, "hpt_seed_layout": SeedAnswer}


class AnswerError(ValueError):
    """An answer that is not JSON of the expected shape."""


def response_format(model: AnswerModel) -> dict[str, Any]:
    """The `response_format` argument of a Chat Completions request for `model`."""
    name = next(key for key, value in SCHEMA_NAMES.items() if value is model)
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": strict_schema(model)}}


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    _make_strict(schema)
    return schema


def _make_strict(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("default", None)  # strict mode rejects defaults; every key is required instead
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
            node["required"] = list(node["properties"])
        for value in node.values():
            _make_strict(value)
    elif isinstance(node, list):
        for value in node:
            _make_strict(value)


def parse_answer(content: str, model: AnswerModel) -> tuple[ReviewAnswer | SeedAnswer, int]:
    """The answer and the number of list items dropped as malformed; AnswerError if the
    whole answer is unusable."""
    data = _json_object(content)
    dropped = 0
    for field, item_model in _ITEM_LISTS.get(model, {}).items():
        items = data.get(field)
        if items is None:
            continue
        if not isinstance(items, list):
            raise AnswerError(f"'{field}' is not a list")
        kept = []
        for item in items[:MAX_ITEMS]:
            try:
                kept.append(item_model.model_validate(item))
            except ValidationError:
                dropped += 1
        dropped += max(0, len(items) - MAX_ITEMS)
        data[field] = kept
    try:
        return model.model_validate(data), dropped
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise AnswerError(f"{where}: {first['msg']}") from None


_ITEM_LISTS: dict[Any, dict[str, type[BaseModel]]] = {
    ReviewAnswer: {"verdicts": Verdict, "additions": Addition},
}


def _json_object(content: str) -> dict[str, Any]:
    text = content.strip()
    if text.startswith("```"):
        # A fenced block (```json ... ```): some local models add one despite the format.
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AnswerError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise AnswerError("not a JSON object")
    return data
