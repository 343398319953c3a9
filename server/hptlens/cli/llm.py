"""The --llm flags of scan and eval, and running the LLM analysis for them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hptlens.cli.usage import UsageError, variable_name
from hptlens.report import FileReport
from hptlens.safetext import printable
from hptlens.settings import Settings


def add_llm_flags(parser: argparse.ArgumentParser, modes: tuple[str, ...]) -> None:
    # Only --llm sends anything: a pyproject's llm.mode does not switch the CLI on.
    parser.add_argument(
        "--llm",
        choices=modes,
        default="off" if "off" in modes else None,
        help="LLM analysis through an OpenAI-compatible endpoint: "
        + (
            "review = the model checks and extends the static findings, only = the model alone "
            "(the seed's setup); off (default) sends nothing"
            if "off" in modes
            else "score the static scan (static), the model alone (llm, with 'only'), the merged review "
            "(merged, with 'review'), or all three ('both')"
        ),
    )
    parser.add_argument(
        "--llm-model",
        metavar="NAME",
        help="model name (default: model in the [llm] table of your user config, or gpt-4o-mini)",
    )
    parser.add_argument(
        "--llm-base-url", metavar="URL", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (Ollama)"
    )
    parser.add_argument(
        "--llm-api-key-env",
        metavar="NAME",
        type=variable_name,
        help="environment variable holding the API key (default: OPENAI_API_KEY)",
    )
    parser.add_argument("--no-cache", action="store_true", help="ask the model again instead of reusing cached answers")


def llm_updates(args: argparse.Namespace, settings: Settings, user: dict[str, Any]) -> dict[str, Any]:
    """The user's config file, then the flags; a project's pyproject never sets the endpoint,
    model or key variable (load_settings drops them)."""
    changes: dict[str, Any] = dict(user)
    if getattr(args, "llm_api_key_env", None):
        changes["api_key_env"] = args.llm_api_key_env
    if getattr(args, "llm_model", None):
        changes["model"] = args.llm_model
    if getattr(args, "llm_base_url", None):
        changes["base_url"] = args.llm_base_url
    if getattr(args, "no_cache", False):
        changes["cache"] = False
    return {"llm": {**settings.llm.model_dump(), **changes}} if changes else {}


def llm_results(files: list[FileReport], settings: Settings, modes: list[str]) -> dict[str, Any]:
    """BatchResults by mode; notes, warnings and token usage go to stderr."""
    from hptlens.llm import LlmSetupError, run_llm

    try:
        return run_llm(files, settings, modes, lambda line: print(f"hptlens: {printable(line)}", file=sys.stderr))
    except LlmSetupError as exc:
        raise UsageError(f"LLM analysis: {exc} (a local server needs no key: --llm-base-url URL)") from exc


def eval_analyses(files: list[FileReport], settings: Settings, choice: str) -> dict[str, list[FileReport]]:
    from hptlens.llm import scoring_reports

    modes = {"review": ["review"], "only": ["only"], "both": ["only", "review"]}[choice]
    results = llm_results(files, settings, modes)
    analyses = {"static": files}
    if "only" in results:
        analyses["llm"] = scoring_reports(results["only"], "only")
    if "review" in results:
        analyses["merged"] = results["review"].reports
    return analyses
