"""Fixtures the test files share: the repository's paths, one scan of the shipped fixtures, and
the loopback OpenAI-compatible server with the environment an LLM test runs in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hptlens.llm import client as client_module
from hptlens.llm.cache import CACHE_ENV
from hptlens.llm.client import RetryPolicy
from hptlens.report import FileReport
from hptlens.workspace import scan
from support.fake_openai import FakeOpenAI
from support.paths import FIXTURES, GROUND_TRUTH, ROOT


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def ground_truth_dir() -> Path:
    return GROUND_TRUTH


@pytest.fixture(scope="session")
def fixture_scan() -> list[FileReport]:
    """`hptlens scan fixtures` from the repository root (paths 'fixtures/...'), once per session:
    tests read it, none may change it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return scan(["fixtures"], jobs=1)


@pytest.fixture()
def openai_server() -> Iterator[FakeOpenAI]:
    """A Chat Completions server on 127.0.0.1 that answers from prepared replies."""
    with FakeOpenAI() as fake:
        yield fake


LlmEnvironment = Callable[..., None]


@pytest.fixture()
def llm_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LlmEnvironment:
    """Call it to set up an LLM test: the API key in `key_env`, no OPENAI_BASE_URL from the machine,
    quick retries (`attempts` of them: the policy's shape is under test, not its default waits),
    and with `cache` the answer cache under the test's tmp_path."""

    def setup(key: str, key_env: str = "OPENAI_API_KEY", attempts: int = 2, cache: bool = False) -> None:
        monkeypatch.setenv(key_env, key)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        if cache:
            monkeypatch.setenv(CACHE_ENV, str(tmp_path / "llm-cache"))
        retry = RetryPolicy(attempts=attempts, base_delay=0.01, max_delay=5.0)
        monkeypatch.setattr(client_module, "DEFAULT_RETRY", retry)

    return setup
