"""Helpers of the end-to-end language-server tests.

The server runs as a real process (`python -m hptlens serve`) and is driven over stdio by
pytest-lsp's client. A recording client keeps every publishDiagnostics, in order, so tests
can check which versions were published.
"""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

FAIL_MARKER = "hptlens-test-boom"
"""URIs containing this make the server's analysis raise (HPTLENS_TEST_FAIL_MARKER)."""

SERVER = [sys.executable, "-m", "hptlens", "serve"]
TIMEOUT = 20.0

OPTUNA = textwrap.dedent('''\
    """PPO tuned with Optuna."""
    import optuna
    from stable_baselines3 import PPO


    def objective(trial):
        lr = trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)
        gamma = trial.suggest_float("gamma", 0.9, 0.999)
        n_steps = trial.suggest_categorical("n_steps", [256, 512, 1024])
        batch = trial.suggest_int("batch_size", 32, 256, step=32)
        model = PPO("MlpPolicy", "CartPole-v1", learning_rate=lr, gamma=gamma, n_steps=n_steps, batch_size=batch)
        model.learn(10_000)
        return 0.0


    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler())
    study.optimize(objective, n_trials=100)
    print(study.best_params)
    ''')

NEGATIVE = textwrap.dedent('''\
    """Fixed hyperparameters, several seeds: not tuning."""
    from stable_baselines3 import PPO

    for seed in [0, 1, 2]:
        model = PPO("MlpPolicy", "CartPole-v1", learning_rate=3e-4, seed=seed)
        model.learn(10_000)
    ''')

HAND_LOOP = textwrap.dedent('''\
    """Hand-written grid over the learning rate."""
    from stable_baselines3 import PPO

    results = {}
    for lr in [1e-3, 3e-4, 1e-4]:
        model = PPO("MlpPolicy", "CartPole-v1", learning_rate=lr)
        model.learn(10_000)
        results[lr] = 0.0
    ''')


def uri_of(path: Path) -> str:
    uri = from_fs_path(str(path))
    assert uri is not None
    return uri


def record_diagnostics(client: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)  # type: ignore[attr-defined]


def record_registration(client: LanguageClient, params: lsp.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)  # type: ignore[attr-defined]


def refresh_lenses(client: LanguageClient, params: None) -> None:
    client.lens_refreshes = getattr(client, "lens_refreshes", 0) + 1  # type: ignore[attr-defined]


def recording_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record_diagnostics
    features[lsp.CLIENT_REGISTER_CAPABILITY] = record_registration
    features[lsp.WORKSPACE_CODE_LENS_REFRESH] = refresh_lenses
    register_lsp_features(client, features)
    return client


CONFIG = ClientServerConfig(
    server_command=SERVER,
    client_factory=recording_client,
    server_env={**os.environ, "HPTLENS_TEST_FAIL_MARKER": FAIL_MARKER},
)


def push_capabilities() -> lsp.ClientCapabilities:
    """VS Code 1.65 as recorded by pytest-lsp: push diagnostics, UTF-16, progress, resolve."""
    return client_capabilities("visual-studio-code")


def pull_capabilities() -> lsp.ClientCapabilities:
    """Neovim 0.11: pull diagnostics, prefers UTF-8 positions."""
    return client_capabilities("neovim@v0.11")


def with_notebooks(capabilities: lsp.ClientCapabilities) -> lsp.ClientCapabilities:
    capabilities.notebook_document = lsp.NotebookDocumentClientCapabilities(
        synchronization=lsp.NotebookDocumentSyncClientCapabilities(execution_summary_support=False)
    )
    return capabilities


async def start(
    client: LanguageClient,
    root: Path,
    capabilities: lsp.ClientCapabilities | None = None,
    options: dict[str, Any] | None = None,
    folders: list[Path] | None = None,
) -> lsp.InitializeResult:
    workspace_folders = [lsp.WorkspaceFolder(uri=uri_of(f), name=f.name) for f in (folders or [root])]
    return await client.initialize_session(
        lsp.InitializeParams(
            capabilities=capabilities or push_capabilities(),
            root_uri=uri_of(root),
            workspace_folders=workspace_folders,
            initialization_options={"debounceMs": 0, **(options or {})},
        )
    )


def open_doc(client: LanguageClient, path: Path, text: str, language: str = "python", version: int = 1) -> str:
    path.write_text(text, encoding="utf-8")
    uri = uri_of(path)
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)
        )
    )
    return uri


def replace_all(client: LanguageClient, uri: str, old: str, new: str, version: int) -> None:
    """An incremental change replacing the whole text (range over the old text)."""
    lines = old.split("\n")
    end = lsp.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)
    change = lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=lsp.Position(line=0, character=0), end=end), text=new
    )
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]
        )
    )


async def wait_until(
    check: Callable[[], bool],
    client: LanguageClient,
    timeout: float = TIMEOUT,
    method: str = lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
) -> None:
    """Wait until check() holds, re-checking at each notification of `method`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError("timed out waiting for the server")
        try:
            await asyncio.wait_for(client.wait_for_notification(method), min(remaining, 0.5))
        except asyncio.TimeoutError:
            pass


async def diagnostics_for(client: LanguageClient, uri: str, version: int | None = None) -> list[lsp.Diagnostic]:
    """The diagnostics of the first publish for `uri` (at `version` when given)."""

    def published() -> lsp.PublishDiagnosticsParams | None:
        for params in client.published:  # type: ignore[attr-defined]
            if params.uri == uri and (version is None or params.version == version):
                return params
        return None

    await wait_until(lambda: published() is not None, client)
    found = published()
    assert found is not None
    return list(found.diagnostics)


def latest_for(client: LanguageClient, uri: str) -> lsp.PublishDiagnosticsParams | None:
    for params in reversed(client.published):  # type: ignore[attr-defined]
        if params.uri == uri:
            return params
    return None
