"""The README's editor set-ups. The Neovim snippets run in a real Neovim (`make e2e-nvim`, the
0.7-0.10 one as written); Helix is not packaged for this machine, so its `languages.toml` is
checked here: it parses, starts `hptlens serve`, and its `config` (what Helix sends as
`initializationOptions`) is valid settings under which a YAML sweep is reported."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from hptlens.lsp.config import editor_layer
from support.lsp import CONFIG, diagnostics_for, open_doc, start
from support.paths import FIXTURES, ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # the 3.10 fallback the project depends on there
    import tomli as tomllib


def helix_config() -> dict:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```toml\n(.*?)\n```", readme, re.S) if "[language-server.hptlens]" in b]
    assert len(blocks) == 1, "README.md needs one languages.toml block for Helix"
    return tomllib.loads(blocks[0])


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


def test_helix_languages_toml_starts_the_server_for_each_language():
    config = helix_config()
    server = config["language-server"]["hptlens"]
    assert [server["command"], *server["args"]] == ["hptlens", "serve"]
    warnings: list[str] = []
    assert editor_layer(server["config"], "helix", warnings) and warnings == []
    languages = {entry["name"]: entry["language-servers"] for entry in config["language"]}
    assert {"python", "yaml", "cpp"} <= set(languages)
    assert all("hptlens" in servers for servers in languages.values())


@pytest.mark.asyncio
async def test_helix_config_as_initialization_options_reports_yaml(client: LanguageClient, tmp_path: Path):
    options = helix_config()["language-server"]["hptlens"]["config"]
    await start(client, tmp_path, options=options)
    text = (FIXTURES / "configs" / "wandb_sweep_grid_dqn.yaml").read_text(encoding="utf-8")
    uri = open_doc(client, tmp_path / "sweep.yaml", text, language="yaml")
    assert {d.code for d in await diagnostics_for(client, uri, version=1)} == {"sweep-config"}
