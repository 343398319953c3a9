"""The LLM review of documents: ask (or read the cache), check, merge.

`review` is the entry point of the contract (CLI and language server); `Reviewer`
holds what a run of many files shares: one openai client, the cache, a pool bounding
concurrent requests to `max_concurrency`, and the retry policy. Nothing here raises
for network or model failures: they become warnings and an `llm-error` entry, and the
static report stays.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from hptlens.documents import Document
from hptlens.llm.answers import AnswerError, ReviewAnswer, SeedAnswer, Verdict, parse_answer, response_format
from hptlens.llm.cache import AnswerCache, CachedAnswer, default_cache_dir, request_key
from hptlens.llm.chunks import split
from hptlens.llm.client import ChatClient, LlmCancelled, LlmFailure, RetryPolicy
from hptlens.llm.merge import merge_review, seed_report, with_error
from hptlens.llm.prompt import PROMPT_VERSION, Part, messages
from hptlens.llm.source import SourceLines
from hptlens.llm.validate import Candidate, SeedChecked, Tally, check_review, check_seed
from hptlens.report import FileReport, Language
from hptlens.settings import LlmSettings

log = logging.getLogger(__name__)

MODES = ("off", "review", "only")
REVIEWED_LANGUAGES = frozenset({Language.PYTHON, Language.NOTEBOOK, Language.CPP, Language.YAML, Language.JSON})
"""Languages sent to the model."""
DATA_LANGUAGES = frozenset({Language.YAML, Language.JSON})
"""Config files: sent only when they fit in one request. A large YAML or JSON file is data
(a dataset, a lock file), and splitting it would cost many requests for nothing."""
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Planned:
    """What the review sends for one document: its lines cut into parts, or why nothing."""

    source: SourceLines | None
    parts: list[Part] = field(default_factory=list)
    skipped: str = ""
    """Why nothing is sent (source None)."""
    warn: bool = False
    """The reason deserves a warning: the user may expect the file to be reviewed."""


def plan(document: Document, max_file_tokens: int) -> Planned:
    """The parts of `document` the review sends, one request each (the fine-tuning dataset
    builds its conversations from the same plan)."""
    language = document.language
    if language not in REVIEWED_LANGUAGES:
        return Planned(None, skipped=f"the LLM review does not send {language} files")
    source = SourceLines(document)
    if not any(source.is_code(n) for n in range(1, source.count + 1)):
        return Planned(None, skipped="no code to ask about")
    parts = split(source, max_file_tokens)
    if len(parts) > 1 and language in DATA_LANGUAGES:
        reason = f"a {language} file larger than max-file-tokens ({max_file_tokens})"
        return Planned(None, skipped=reason, warn=True)
    return Planned(source, parts)


class LlmUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = Field(default=0, description="parts sent to the endpoint (retries not counted)")
    cached: int = Field(default=0, description="parts answered from the cache")

    def add(self, other: LlmUsage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.requests += other.requests
        self.cached += other.cached

    def describe(self) -> str:
        total = self.prompt_tokens + self.completion_tokens
        return (
            f"{self.requests} request(s), {self.cached} from cache; tokens: {self.prompt_tokens} prompt + "
            f"{self.completion_tokens} completion = {total}"
        )


class LlmResult(BaseModel):
    report: FileReport = Field(
        description="the merged report (mode review) or the model's own (mode only); "
        "the static report when the model gave no usable answer"
    )
    warnings: list[str] = Field(default_factory=list)
    usage: LlmUsage = Field(default_factory=LlmUsage)
    failed: bool = Field(default=False, description="no usable answer: `report` is the static report")


@dataclass
class _Outcome:
    """One part: its parsed answer, or why there is none."""

    part: Part
    answer: ReviewAnswer | SeedAnswer | None = None
    failure: str | None = None
    dropped: int = 0
    usage: LlmUsage = field(default_factory=LlmUsage)
    cancelled: bool = False


class Reviewer:
    """A review run over one or many documents; use as a context manager or call close()."""

    def __init__(
        self, settings: LlmSettings, *, cache_dir: Path | None = None, retry: RetryPolicy | None = None
    ) -> None:
        self.settings = settings
        self.cache = AnswerCache(cache_dir or default_cache_dir()) if settings.cache else None
        self._retry = retry
        self._client: ChatClient | None = None
        self._problem: str | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=settings.max_concurrency, thread_name_prefix="hptlens-llm")
        self.deadline = time.monotonic() + settings.run_timeout_seconds
        """Every request of this run ends by then (time.monotonic())."""

    def __enter__(self) -> Reviewer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, wait: bool = True) -> None:
        """Stop the pool and the client; with wait=False (after a cancel) that happens once
        the requests still running are over."""
        if wait:
            self._pool.shutdown(wait=True)
            self._close_client()
            return
        self._pool.shutdown(wait=False, cancel_futures=True)
        threading.Thread(target=self.close, daemon=True, name="hptlens-llm-close").start()

    def _close_client(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def client(self) -> ChatClient:
        """The shared client, made on first use; LlmFailure (remembered) if it cannot be."""
        with self._lock:
            if self._problem is not None:
                raise LlmFailure(self._problem)
            if self._client is None:
                try:
                    self._client = ChatClient(self.settings, self._retry)
                except LlmFailure as exc:
                    self._problem = exc.message
                    raise
            return self._client

    def problem(self) -> str | None:
        """Why nothing can be sent (no API key, a bad base URL), checked without sending."""
        try:
            self.client()
        except LlmFailure as exc:
            return exc.message
        return None

    # ---- one document -----------------------------------------------------------------

    def review(
        self, document: Document, static: FileReport, mode: str | None = None, cancel: threading.Event | None = None
    ) -> LlmResult:
        """One document: split, ask every part (in parallel, cached), check, merge."""
        mode = mode or self.settings.mode
        if mode not in MODES:
            return LlmResult(report=static, warnings=[f"{document.path}: unknown LLM mode {mode!r}; not sent"])
        if mode == "off":
            return LlmResult(report=static)
        planned = plan(document, self.settings.max_file_tokens)
        if planned.source is None:
            warnings = [f"{document.path}: not sent to the LLM: {planned.skipped}"] if planned.warn else []
            return LlmResult(report=static, warnings=warnings)
        source, parts = planned.source, planned.parts
        findings = list(static.findings) if mode == "review" else None
        model = ReviewAnswer if mode == "review" else SeedAnswer
        requests = [(part, self._request(messages(source, part, findings), model)) for part in parts]
        futures = [self._pool.submit(self._ask, part, request, model, cancel) for part, request in requests]
        outcomes = _collect(futures, parts, cancel)
        return self._result(source, static, mode, outcomes)

    def _request(self, chat: list[dict[str, str]], model: type[ReviewAnswer] | type[SeedAnswer]) -> dict[str, Any]:
        return {
            "model": self.settings.model,
            "messages": chat,
            "response_format": response_format(model),
            "temperature": 0,
        }

    def _ask(
        self,
        part: Part,
        request: dict[str, Any],
        model: type[ReviewAnswer] | type[SeedAnswer],
        cancel: threading.Event | None,
    ) -> _Outcome:
        try:
            return self._ask_once(part, request, model, cancel)
        except Exception as exc:  # a bug or an answer nobody foresaw: this part fails, the static result stays
            log.error("LLM request for lines %s-%s failed", part.first, part.last, exc_info=True)
            return _Outcome(part=part, failure=f"internal error {type(exc).__name__}", usage=LlmUsage(requests=1))

    def _ask_once(
        self,
        part: Part,
        request: dict[str, Any],
        model: type[ReviewAnswer] | type[SeedAnswer],
        cancel: threading.Event | None,
    ) -> _Outcome:
        try:
            endpoint = self.client().endpoint
        except LlmFailure:
            endpoint = ""  # nothing can be sent; the request below says why
        key = request_key(self.settings.model, request, endpoint)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            try:
                answer, dropped = parse_answer(cached.content, model)
                return _Outcome(part=part, answer=answer, dropped=dropped, usage=LlmUsage(cached=1))
            except AnswerError:
                pass  # an entry from an older schema: ask again
        try:
            completion = self.client().complete(request, cancel, self.deadline)
        except LlmFailure as exc:
            usage = LlmUsage(
                prompt_tokens=exc.prompt_tokens,
                completion_tokens=exc.completion_tokens,
                requests=0 if self._problem else 1,
            )
            return _Outcome(part=part, failure=exc.message, usage=usage, cancelled=isinstance(exc, LlmCancelled))
        usage = LlmUsage(
            prompt_tokens=completion.prompt_tokens, completion_tokens=completion.completion_tokens, requests=1
        )
        try:
            answer, dropped = parse_answer(completion.content, model)
        except AnswerError as exc:
            cut = " (the answer was cut off at the token limit)" if completion.finish_reason == "length" else ""
            return _Outcome(part=part, failure=f"the answer is not usable: {exc}{cut}", usage=usage)
        if self.cache is not None:
            self.cache.put(
                key,
                CachedAnswer(
                    model=self.settings.model,
                    prompt_version=PROMPT_VERSION,
                    content=completion.content,
                    prompt_tokens=completion.prompt_tokens,
                    completion_tokens=completion.completion_tokens,
                ),
            )
        return _Outcome(part=part, answer=answer, dropped=dropped, usage=usage)

    def _result(self, source: SourceLines, static: FileReport, mode: str, outcomes: list[_Outcome]) -> LlmResult:
        path = source.document.path
        usage = LlmUsage()
        for outcome in outcomes:
            usage.add(outcome.usage)
        if any(o.cancelled for o in outcomes):
            return LlmResult(
                report=static,
                usage=usage,
                failed=True,
                warnings=[f"{path}: LLM review cancelled; the static result is kept"],
            )
        answered = [o for o in outcomes if o.answer is not None]
        failed = [o for o in outcomes if o.answer is None]
        warnings = [_failure_warning(path, o, len(outcomes)) for o in failed]
        if not answered:
            message = warnings[0].split(": ", 1)[1] if warnings else "no answer"
            return LlmResult(report=with_error(static, message), warnings=warnings, usage=usage, failed=True)
        tally = Tally()
        tally.add("malformed", sum(o.dropped for o in answered))
        report = self._merged(source, static, mode, answered, tally)
        for outcome in failed:
            report = with_error(report, _failure_warning(path, outcome, len(outcomes)).split(": ", 1)[1])
        return LlmResult(report=report, warnings=[*warnings, *tally.messages(path)], usage=usage)

    def _merged(
        self, source: SourceLines, static: FileReport, mode: str, answered: list[_Outcome], tally: Tally
    ) -> FileReport:
        if mode == "review":
            known = set(range(1, len(static.findings) + 1))
            verdicts: dict[int, Verdict] = {}
            candidates: list[Candidate] = []
            for outcome in answered:
                assert isinstance(outcome.answer, ReviewAnswer)
                found, added = check_review(outcome.answer, source, outcome.part, known, tally)
                verdicts.update(found)
                candidates.extend(added)
            return merge_review(source, static, verdicts, candidates)
        checked = SeedChecked()
        for outcome in answered:
            assert isinstance(outcome.answer, SeedAnswer)
            checked.add(check_seed(outcome.answer, source, outcome.part, tally))
        checked.lines.sort()
        return seed_report(source, static, checked)


def _failure_warning(path: str, outcome: _Outcome, parts: int) -> str:
    where = f" (lines {outcome.part.first}-{outcome.part.last})" if parts > 1 else ""
    return f"{path}: LLM review failed{where}: {outcome.failure}; the static result is kept"


def _collect(futures: list[Future[_Outcome]], parts: list[Part], cancel: threading.Event | None) -> list[_Outcome]:
    """Wait for every part, or stop waiting as soon as `cancel` is set."""
    pending = set(futures)
    while pending:
        if cancel is not None and cancel.is_set():
            for future in pending:
                future.cancel()
            break
        _, pending = wait_futures(pending, timeout=_POLL_SECONDS if cancel is not None else None)
    outcomes = []
    for future, part in zip(futures, parts):
        if future.done() and not future.cancelled():
            outcomes.append(future.result())
        else:
            outcomes.append(_Outcome(part=part, failure="cancelled", cancelled=True))
    return outcomes


# --------------------------------------------------------------------------- entry point


def review(
    document: Document,
    static: FileReport,
    settings: LlmSettings,
    *,
    mode: str | None = None,
    cancel: threading.Event | None = None,
    cache_dir: Path | None = None,
) -> LlmResult:
    """Review one document's static report with the LLM (the contract's entry point).

    mode: "review" (merge the model's verdicts and additions), "only" (the model alone, in
    the seed's layout) or "off"; None uses settings.mode. Nothing is sent when it is "off".
    Never raises for network or model failures: they become warnings and an `llm-error`
    entry, and the static report is returned.
    """
    reviewer = Reviewer(settings, cache_dir=cache_dir)
    cancelled = False
    try:
        result = reviewer.review(document, static, mode, cancel)
        cancelled = cancel is not None and cancel.is_set()
        return result
    except Exception as exc:  # a bug must not take the server down: keep the static result
        log.error("LLM review of %s failed", document.path, exc_info=True)
        message = f"LLM review failed: internal error {type(exc).__name__}"
        return LlmResult(report=with_error(static, message), warnings=[f"{document.path}: {message}"], failed=True)
    finally:
        reviewer.close(wait=not cancelled)
