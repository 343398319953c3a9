"""Optional LLM review through any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp).

`review(document, static, settings)` asks the model about one document and returns the
merged report (`LlmResult`); `review_reports` does it for a scan. Nothing is sent unless
the mode is "review" or "only". The openai package is imported only when a request is
made.
"""

from __future__ import annotations

from hptlens.llm.batch import BatchResult, LlmSetupError, review_reports, run_llm, scoring_reports
from hptlens.llm.review import LlmResult, LlmUsage, Reviewer, review
from hptlens.settings import LlmSettings

__all__ = [
    "BatchResult",
    "LlmSetupError",
    "run_llm",
    "scoring_reports",
    "LlmResult",
    "LlmSettings",
    "LlmUsage",
    "Reviewer",
    "review",
    "review_reports",
]
