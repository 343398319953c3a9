"""The --llm flags of scan and eval, and running the LLM analysis for them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hptlens.cli.usage import UsageError, variable_name
from hptlens.report import FileReport
from hptlens.safetext import printable
from hptlens.settings import Settings

if TYPE_CHECKING:
    from hptlens.llm.batch import DocumentLoader


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
    several = "off" not in modes  # eval compares models side by side; a scan asks one
    parser.add_argument(
        "--llm-model",
        metavar="NAME",
        action="append" if several else "store",
        help="model name (default: model in the [llm] table of your user config, or gpt-4o-mini)"
        + ("; repeat it to score several models side by side (a base model and its fine-tuned one)" if several else ""),
    )
    parser.add_argument(
        "--llm-base-url",
        metavar="URL",
        action="append" if several else "store",
        help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (Ollama)"
        + ("; one for all models, or one per --llm-model in the same order" if several else ""),
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
        changes["model"] = _first(args.llm_model)
    if getattr(args, "llm_base_url", None):
        changes["base_url"] = _first(args.llm_base_url)
    if getattr(args, "no_cache", False):
        changes["cache"] = False
    return {"llm": {**settings.llm.model_dump(), **changes}} if changes else {}


def _first(value: str | list[str]) -> str:
    return value[0] if isinstance(value, list) else value


def model_settings(args: argparse.Namespace, settings: Settings) -> list[tuple[str, Settings]]:
    """(label, settings) for each --llm-model of eval, in order; one entry without the flag."""
    models: list[str] = args.llm_model or [settings.llm.model]
    urls: list[str] = args.llm_base_url or []
    if len(urls) > 1 and len(urls) != len(models):
        raise UsageError(
            f"{len(urls)} --llm-base-url for {len(models)} --llm-model: give one for all, or one per model"
        )
    out: list[tuple[str, Settings]] = []
    for index, model in enumerate(models):
        url = urls[index] if len(urls) > 1 else settings.llm.base_url
        llm = settings.llm.model_copy(update={"model": model, "base_url": url})
        label = model if models.count(model) == 1 else f"{model} ({url or 'default endpoint'})"
        out.append((label, settings.model_copy(update={"llm": llm})))
    return out


def llm_results(
    files: list[FileReport], settings: Settings, modes: list[str], load: DocumentLoader | None = None
) -> dict[str, Any]:
    """BatchResults by mode; notes, warnings and token usage go to stderr."""
    from hptlens.llm import LlmSetupError, run_llm

    def notify(line: str) -> None:
        print(f"hptlens: {printable(line)}", file=sys.stderr)

    try:
        return run_llm(files, settings, modes, notify, load=load)
    except LlmSetupError as exc:
        raise UsageError(f"LLM analysis: {exc} (a local server needs no key: --llm-base-url URL)") from exc


def eval_analyses(
    files: list[FileReport],
    models: list[tuple[str, Settings]],
    choice: str,
    load: Callable[[Settings], DocumentLoader] | None = None,
) -> dict[str, list[FileReport]]:
    """The static scan and, per model, the model alone (llm) and/or the merged review (merged);
    with several models each column is named after its model. `load` gives, for a model's
    settings, the documents to send (default: the files at the reports' paths)."""
    from hptlens.llm import scoring_reports

    modes = {"review": ["review"], "only": ["only"], "both": ["only", "review"]}[choice]
    analyses = {"static": files}
    for label, settings in models:
        results = llm_results(files, settings, modes, load(settings) if load else None)
        suffix = f":{label}" if len(models) > 1 else ""
        if "only" in results:
            analyses[f"llm{suffix}"] = scoring_reports(results["only"], "only")
        if "review" in results:
            analyses[f"merged{suffix}"] = results["review"].reports
    return analyses
