"""End-to-end tests of the language server: a real `python -m hptlens serve` over stdio,
driven by pytest-lsp. Expected findings come from `analyze` run in the test process, so
the tests check the adapter (positions, publishing, features), not the detectors."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import textwrap
from pathlib import Path

import jsonschema
import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from hptlens.analysis import analyze
from hptlens.documents import Document
from hptlens.report import report_schema
from support.lsp import (
    CONFIG,
    FAIL_MARKER,
    HAND_LOOP,
    NEGATIVE,
    OPTUNA,
    SERVER,
    TIMEOUT,
    diagnostics_for,
    latest_for,
    open_doc,
    pull_capabilities,
    replace_all,
    start,
    uri_of,
    wait_until,
)
from support.paths import FIXTURES

pytestmark = pytest.mark.asyncio


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


def expected(text: str, name: str = "doc.py") -> list[str]:
    """The finding messages the analysis gives for `text`, in order."""
    return [f.message for f in analyze(Document.from_text(name, text)).findings]


# ---------------------------------------------------------------------- lifecycle


async def test_tcp_transport(tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        *SERVER, "--tcp", f"127.0.0.1:{port}", stderr=asyncio.subprocess.DEVNULL
    )
    try:
        # start-up is imports: on a loaded machine that can take many seconds, so wait until the
        # server listens or exits rather than a fixed short while
        for _ in range(600):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                if process.returncode is not None:
                    raise AssertionError(f"the server exited ({process.returncode}) before listening") from None
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("the server never listened")
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": uri_of(tmp_path), "capabilities": {}},
            }
        )
        writer.write(f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
        await writer.drain()
        header = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 20)
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        reply = json.loads(await reader.readexactly(length))
        assert reply["id"] == 1 and reply["result"]["serverInfo"]["name"] == "hptlens"
        writer.close()
    finally:
        process.kill()
        await process.wait()


async def test_initialize_advertises_features_and_shuts_down(client: LanguageClient, tmp_path: Path):
    result = await start(client, tmp_path)
    caps = result.capabilities
    assert result.server_info is not None and result.server_info.name == "hptlens"
    assert caps.position_encoding == lsp.PositionEncodingKind.Utf16
    sync = caps.text_document_sync
    assert isinstance(sync, lsp.TextDocumentSyncOptions) and sync.change == lsp.TextDocumentSyncKind.Incremental
    assert caps.code_lens_provider is not None and caps.hover_provider
    assert caps.diagnostic_provider is not None and caps.code_action_provider is not None
    assert caps.execute_command_provider is not None
    assert set(caps.execute_command_provider.commands) >= {
        "hptlens.exportReport",
        "hptlens.analyzeDocument",
        "hptlens.analyzeWithLlm",
        "hptlens.showSite",
    }


# ---------------------------------------------------------------------- diagnostics


async def test_push_diagnostics_for_a_positive_document(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    items = await diagnostics_for(client, uri, version=1)
    assert [d.message for d in items] == expected(OPTUNA)
    assert all(d.source == "hptlens" and d.severity == lsp.DiagnosticSeverity.Information for d in items)
    assert {d.code for d in items} >= {"search-space", "search-run"}
    space = next(d for d in items if "learning_rate in [1e-05, 0.01], log" in d.message)
    assert space.range.start.line == 6 and space.data["kind"] == "search-space" and space.data["site"] == "S1"
    assert space.data["library"] == "Optuna" and space.data["source"] == "static"
    # What runs the search (create_study) links to the rest of its site; the other members carry
    # no links, or every problem of the site would list the site again (7 problems, 17 rows).
    run = next(d for d in items if d.range.start.line == 15 and d.code == "search-run")
    related = [r.location.range.start.line for r in run.related_information or []]
    assert sorted(related) == sorted(d.range.start.line for d in items if d is not run)
    assert [d for d in items if d.related_information] == [run]


async def test_hydra_main_whose_config_beside_it_sweeps_is_tuning(client: LanguageClient, tmp_path: Path):
    """The seed's source B1: `@hydra.main` naming a config with a DEHB sweeper, read from disk."""
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "sweep.yaml").write_text(
        textwrap.dedent("""\
        defaults:
          - override hydra/sweeper: DEHB
        hydra:
          sweeper:
            dehb_kwargs:
              min_budget: 1
            search_space:
              learning_rate:
                type: uniform_float
                lower: 0.00001
                upper: 0.01
                log: true
    """)
    )
    source = textwrap.dedent("""\
        import hydra


        @hydra.main(config_path="conf", config_name="sweep")
        def train(cfg):
            return cfg.learning_rate
    """)
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "train.py", source)
    items = await diagnostics_for(client, uri, version=1)
    assert [(d.code, d.range.start.line) for d in items] == [("sweep-config", 3)]
    assert "conf/sweep.yaml" in items[0].message
    plain = open_doc(client, tmp_path / "other.py", source.replace('"sweep"', '"missing"'))
    assert await diagnostics_for(client, plain, version=1) == []


async def test_no_diagnostics_for_a_negative_document(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "seeds.py", NEGATIVE)
    assert await diagnostics_for(client, uri, version=1) == []


async def test_closing_clears_diagnostics(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    assert await diagnostics_for(client, uri, version=1)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    await wait_until(lambda: len(latest_for(client, uri).diagnostics) == 0, client)


@pytest_lsp.fixture(config=CONFIG)
async def pull_client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_pull_diagnostics_when_the_client_supports_them(pull_client: LanguageClient, tmp_path: Path):
    result = await start(pull_client, tmp_path, capabilities=pull_capabilities())
    assert result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf8
    uri = open_doc(pull_client, tmp_path / "tune.py", OPTUNA)
    report = await pull_client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    assert [d.message for d in report.items] == expected(OPTUNA)
    again = await pull_client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id
        )
    )
    assert isinstance(again, lsp.RelatedUnchangedDocumentDiagnosticReport)
    # An edit gives a new result; nothing is ever pushed to a pull client.
    replace_all(pull_client, uri, OPTUNA, NEGATIVE, version=2)
    after = await pull_client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id
        )
    )
    assert isinstance(after, lsp.RelatedFullDocumentDiagnosticReport) and len(after.items) == 0
    assert pull_client.published == []


# ---------------------------------------------------------------------- lenses and hovers


async def test_code_lens_titles_and_show_site(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert [lens.command.title for lens in lenses] == ["HPT: Optuna (TPE), 4 hyperparameters, 100 trials"]
    lens = lenses[0]
    assert lens.range.start.line == 6 and lens.command.command == "hptlens.showSite"
    site = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=lens.command.command, arguments=lens.command.arguments)
    )
    assert site["id"] == "S1" and site["library"] == "Optuna" and site["budget"] == "100 trials"
    await wait_until(lambda: bool(client.messages), client, method=lsp.WINDOW_SHOW_MESSAGE)
    assert client.messages[-1].message.startswith("HPT: Optuna (TPE), 4 hyperparameters, 100 trials")
    # A client that shows the site itself (VS Code's quick pick) asks for no message.
    told = len(client.messages)
    quiet = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=lens.command.command, arguments=[*lens.command.arguments, {"message": False}])
    )
    assert quiet == site
    await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lens.range.start)
    )
    assert len(client.messages) == told

    loop_uri = open_doc(client, tmp_path / "grid.py", HAND_LOOP)
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=loop_uri))
    )
    assert [lens.command.title for lens in lenses] == ["HPT: hand-written grid over lr (3 values)"]


async def test_hover_on_any_part_of_a_search_space(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)

    async def hover(line: int, character: int) -> lsp.Hover | None:
        return await client.text_document_hover_async(
            lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=line, character=character)
            )
        )

    on_call = await hover(6, 20)
    assert on_call is not None and isinstance(on_call.contents, lsp.MarkupContent)
    text = on_call.contents.value
    assert on_call.contents.kind == lsp.MarkupKind.Markdown
    assert "| hyperparameter | type | range / choices | log | grid points |" in text
    assert "| `learning_rate` | float | [1e-05, 0.01] | yes | – |" in text
    assert "| `n_steps` | categorical | {256, 512, 1024} | no | 3 |" in text
    assert "| `batch_size` | int | [32, 256] step 32 | no | 8 |" in text
    assert "library: Optuna" in text and "method: TPE" in text and "budget: 100 trials" in text
    # Between two dimensions (the variable name before the call) is still the space.
    between = await hover(7, 2)
    assert between is not None and "`gamma`" in between.contents.value
    assert await hover(1, 3) is None  # `import optuna` is no part of a search space


# ---------------------------------------------------------------------- commands


async def test_export_writes_a_schema_valid_report_with_progress(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "tune.py").write_text(OPTUNA, encoding="utf-8")
    (tmp_path / "seeds.py").write_text(NEGATIVE, encoding="utf-8")
    # An open buffer wins over the file on disk: what the user sees is what is exported.
    uri = open_doc(client, tmp_path / "grid.py", NEGATIVE)
    replace_all(client, uri, NEGATIVE, HAND_LOOP, version=2)
    await diagnostics_for(client, uri, version=2)

    summary = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.exportReport", arguments=[])
    )
    target = tmp_path / "hpt-report.json"
    assert summary == {
        "path": str(target),
        "format": "json",
        "files": 3,
        "filesWithTuning": 2,
        "findings": summary["findings"],
        "sites": 2,
        "errors": 0,
    }
    data = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(data, report_schema())
    assert [f["path"] for f in data["files"]] == ["grid.py", "pkg/tune.py", "seeds.py"]
    assert data["files"][0]["tuning_applied"] is True
    kinds = [[p.kind for p in reports] for reports in client.progress_reports.values()]
    assert any(k[0] == "begin" and k[-1] == "end" for k in kinds)

    with pytest.raises(JsonRpcException, match="does not exist"):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command="hptlens.exportReport", arguments=[{"format": "sarif", "path": "out/report.sarif"}]
            )
        )
    (tmp_path / "out").mkdir()
    sarif = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(
            command="hptlens.exportReport", arguments=[{"format": "sarif", "path": "out/report.sarif"}]
        )
    )
    assert sarif["path"] == str(tmp_path / "out" / "report.sarif")
    assert json.loads(Path(sarif["path"]).read_text())["version"] == "2.1.0"


async def test_export_equals_the_scan_of_the_folder(client: LanguageClient, tmp_path: Path):
    # A hydra script whose sweep lives in its configs: the link is made whether or not it is open.
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "hydra" / "optuna_defaults", root / "app")
    (root / "tune.py").write_text(OPTUNA, encoding="utf-8")
    await start(client, root)
    open_doc(client, root / "tune.py", OPTUNA)
    scanned = tmp_path / "scan.json"
    subprocess.run([*SERVER[:-1], "scan", ".", "--format", "json", "-o", str(scanned)], cwd=root, check=True)
    summary = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.exportReport", arguments=[])
    )
    exported = json.loads(Path(summary["path"]).read_text(encoding="utf-8"))
    assert exported == json.loads(scanned.read_text(encoding="utf-8"))
    decorator = next(f for f in exported["files"] if f["path"] == "app/train_sac.py")["findings"]
    assert [f["kind"] for f in decorator] == ["sweep-config"]


async def test_export_of_many_files_uses_worker_processes(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    for i in range(60):
        (tmp_path / f"m{i:02d}.py").write_text(HAND_LOOP if i % 2 else NEGATIVE, encoding="utf-8")
    summary = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.exportReport", arguments=[{"format": "legacy"}])
    )
    assert summary["files"] == 60 and summary["filesWithTuning"] == 30
    assert summary["path"] == str(tmp_path / "hpt-report.legacy.json")
    assert json.loads(Path(summary["path"]).read_text())


async def test_export_refuses_a_path_outside_the_workspace(client: LanguageClient, tmp_path: Path):
    root = tmp_path / "ws"
    root.mkdir()
    await start(client, root)
    for outside in ["../escaped.json", str(tmp_path / "escaped.json"), "/etc/hpt-report.json"]:
        with pytest.raises(JsonRpcException, match="outside the workspace"):
            await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command="hptlens.exportReport", arguments=[{"path": outside}])
            )
    assert not (tmp_path / "escaped.json").exists()
    (root / "link").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(JsonRpcException, match="outside the workspace"):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="hptlens.exportReport", arguments=[{"path": "link/escaped.json"}])
        )


async def test_expected_refusals_are_one_log_line_each(
    client: LanguageClient, tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    await diagnostics_for(client, uri, version=1)
    refusals = [
        ("hptlens.exportReport", [{"path": "/etc/hpt-report.json"}], "outside the workspace"),
        ("hptlens.exportReport", [{"format": "xml"}], "invalid exportReport argument 'format'"),
        ("hptlens.showSite", [uri, "no-such-site"], "no site 'no-such-site'"),
        ("hptlens.analyzeDocument", [42], "takes a document URI"),
    ]
    for command, arguments, reason in refusals:
        with pytest.raises(JsonRpcException, match=reason):
            await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=command, arguments=arguments))
    # The server's stderr reaches this process through pytest-lsp, line by line.
    logged: list[str] = []
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while len(logged) < len(refusals) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
        logged += [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert len(logged) == len(refusals), logged
    assert all(line.startswith("hptlens: warning: refused request ") for line in logged), logged
    assert all(reason in line for line, (_, _, reason) in zip(logged, refusals))
    assert not any("Traceback" in line or "ERROR" in line for line in logged)


async def test_a_late_cancel_is_not_logged(client: LanguageClient, tmp_path: Path, capfd: pytest.CaptureFixture[str]):
    # VS Code cancels requests whose answer is already on its way (lenses, hovers on start-up).
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    await diagnostics_for(client, uri, version=1)
    await client.text_document_code_lens_async(lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=987654))
    # A refusal afterwards is logged: the cancel was handled before it, and logged nothing.
    with pytest.raises(JsonRpcException, match="no site"):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="hptlens.showSite", arguments=[uri, "no-such-site"])
        )
    logged: list[str] = []
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while not any("refused request" in line for line in logged) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
        logged += [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    assert [line for line in logged if "refused request" not in line] == []


async def test_export_multi_root_per_folder_and_combined(client: LanguageClient, tmp_path: Path):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()
    (first / "tune.py").write_text(OPTUNA, encoding="utf-8")
    (second / "grid.py").write_text(HAND_LOOP, encoding="utf-8")
    await start(client, tmp_path, folders=[first, second])
    both = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.exportReport", arguments=[])
    )
    assert [r["path"] for r in both["reports"]] == [str(first / "hpt-report.json"), str(second / "hpt-report.json")]
    assert both["files"] == 2 and both["filesWithTuning"] == 2
    combined = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.exportReport", arguments=[{"combined": True, "path": "all.json"}])
    )
    data = json.loads(Path(combined["path"]).read_text())
    assert combined["path"] == str(first / "all.json")
    assert [f["path"] for f in data["files"]] == ["one/tune.py", "two/grid.py"]
    only = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.exportReport", arguments=[{"folder": uri_of(second)}])
    )
    assert only["path"] == str(second / "hpt-report.json") and only["files"] == 1


async def test_analyze_document_command(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    report = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.analyzeDocument", arguments=[uri])
    )
    assert report["path"] == "tune.py" and report["libraries"] == ["Optuna"]
    assert [f["message"] for f in report["findings"]] == expected(OPTUNA)
    (tmp_path / "closed.py").write_text(HAND_LOOP, encoding="utf-8")
    closed = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.analyzeDocument", arguments=[uri_of(tmp_path / "closed.py")])
    )
    assert closed["criteria"]["hand_tuning"] is True
    with pytest.raises(JsonRpcException, match="neither open nor a file"):
        await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="hptlens.analyzeDocument", arguments=[uri_of(tmp_path / "missing.py")])
        )


async def test_analyze_with_llm_keeps_the_static_result_without_a_reachable_model(
    client: LanguageClient, tmp_path: Path
):
    # A closed local port: the review must fail softly (warnings) and keep the static findings.
    options = {"llm": {"baseUrl": "http://127.0.0.1:9/v1", "timeoutSeconds": 2, "apiKeyEnv": "HPTLENS_TEST_NO_KEY"}}
    await start(client, tmp_path, options=options)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    await diagnostics_for(client, uri, version=1)
    report = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="hptlens.analyzeWithLlm", arguments=[uri])
    )
    assert [f["message"] for f in report["findings"]] == expected(OPTUNA)
    assert any("LLM" in m.message for m in client.messages)


async def test_analyze_with_llm_publishes_merged_marked_diagnostics(client: LanguageClient, tmp_path: Path):
    pytest.importorskip("hptlens.llm", reason="the LLM review module is not there")
    from support.fake_openai import ChatRequest, FakeOpenAI, Reply

    def reviewer(request: ChatRequest) -> Reply:  # confirms everything, adds the `clip = ...` line
        additions = [
            {
                "line": n,
                "kind": "hand-loop",
                "category": "hand-tuning",
                "library": "",
                "method": "grid",
                "hyperparameters": ["clip"],
                "explanation": "",
                "confidence": 0.6,
            }
            for n, text in request.source_lines.items()
            if text.strip().startswith("clip =")
        ]
        return Reply.json(
            {
                "tuning_applied": True,
                "additions": additions,
                "verdicts": [{"id": f, "verdict": "confirm", "reason": ""} for f in request.findings],
            }
        )

    text = OPTUNA.replace("    return 0.0\n", "    clip = random.choice([0.1, 0.2])\n    return clip\n")
    with FakeOpenAI() as fake:
        fake.responder = reviewer
        await start(client, tmp_path, options={"llm": {"baseUrl": fake.url, "model": "test-model", "cache": False}})
        uri = open_doc(client, tmp_path / "tune.py", text)
        static = await diagnostics_for(client, uri, version=1)
        report = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command="hptlens.analyzeWithLlm", arguments=[uri])
        )
        assert fake.count() == 1 and fake.requests[0].body["model"] == "test-model"
    sources = {f["range"]["start"]["line"]: f["source"] for f in report["findings"]}
    assert sources[13] == "llm" and {s for line, s in sources.items() if line != 13} == {"both"}
    await wait_until(lambda: len(latest_for(client, uri).diagnostics) == len(static) + 1, client)
    marked = [d for d in latest_for(client, uri).diagnostics if d.data["source"] == "llm"]
    assert [d.range.start.line for d in marked] == [12] and marked[0].message.startswith("[LLM] ")
    assert any(k[0].kind == "begin" and k[-1].kind == "end" for k in client.progress_reports.values())
    # The next edit brings back the static analysis.
    replace_all(client, uri, text, OPTUNA, version=2)
    assert not any(d.data["source"] == "llm" for d in await diagnostics_for(client, uri, version=2))


# ---------------------------------------------------------------------- other documents


async def test_cpp_and_yaml_documents_go_through_the_same_path(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    cpp = textwrap.dedent("""\
        #include <vector>
        double train(double lr);
        int main() {
            std::vector<double> rates = {0.1, 0.01, 0.001};
            for (double lr : rates) {
                train(lr);
            }
            return 0;
        }
        """)
    uri = open_doc(client, tmp_path / "grid.cpp", cpp, language="cpp")
    items = await diagnostics_for(client, uri, version=1)
    assert items and [d.message for d in items] == expected(cpp, "grid.cpp")
    loop = next(d for d in items if d.code == "hand-loop")
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=loop.range,
            context=lsp.CodeActionContext(diagnostics=[loop]),
        )
    )
    resolved = await client.code_action_resolve_async(actions[0])
    assert resolved.edit.changes[uri][0].new_text == "    for (double lr : rates) {  // hpt: ignore[hand-loop]"

    yaml_text = "method: bayes\nparameters:\n  lr:\n    min: 0.0001\n    max: 0.1\n"
    yaml_uri = open_doc(client, tmp_path / "sweep.yaml", yaml_text, language="yaml")
    yaml_items = await diagnostics_for(client, yaml_uri, version=1)
    assert yaml_items and [d.message for d in yaml_items] == expected(yaml_text, "sweep.yaml")
    # An untitled buffer has no suffix: its editor language id decides.
    untitled = "untitled:Untitled-1"
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=untitled, language_id="python", version=1, text=OPTUNA)
        )
    )
    assert [d.message for d in await diagnostics_for(client, untitled, version=1)] == expected(OPTUNA)


# ---------------------------------------------------------------------- settings


async def test_settings_layers_change_and_bad_values(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    assert len(await diagnostics_for(client, uri, version=1)) == len(expected(OPTUNA))

    # The server asks to hear about its settings section changing.
    assert any(r.method == "workspace/didChangeConfiguration" for r in client.registrations)
    client.set_configuration({"hptlens": {"enabledKinds": ["search-run"]}})
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    await wait_until(lambda: {d.code for d in latest_for(client, uri).diagnostics} == {"search-run"}, client)

    # Ill-typed values: one warning each, defaults kept for those keys.
    client.set_configuration({"hptlens": {"enabledKinds": ["bogus"], "debounceMs": -5, "noSuchKey": 1}})
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    await wait_until(lambda: len(latest_for(client, uri).diagnostics) == len(expected(OPTUNA)), client)
    await wait_until(
        lambda: len([m for m in client.messages if m.type == lsp.MessageType.Warning]) >= 3,
        client,
        method=lsp.WINDOW_SHOW_MESSAGE,
    )
    warnings = " ".join(m.message for m in client.messages)
    assert "hptlens.enabledKinds" in warnings and "hptlens.debounceMs" in warnings and "noSuchKey" in warnings

    # [tool.hptlens] in the nearest pyproject.toml overrides the editor's settings.
    (tmp_path / "pyproject.toml").write_text('[tool.hptlens]\nenabled-kinds = ["scheduler"]\n', encoding="utf-8")
    client.set_configuration({"hptlens": {"enabledKinds": ["search-space"]}})
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    await wait_until(lambda: {d.code for d in latest_for(client, uri).diagnostics} == {"scheduler"}, client)


async def test_initialization_options_and_excludes(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path, options={"hptlens": {"exclude": ["generated/"], "enabledKinds": ["search-space"]}})
    (tmp_path / "generated").mkdir()
    skipped = open_doc(client, tmp_path / "generated" / "tune.py", OPTUNA)
    assert await diagnostics_for(client, skipped, version=1) == []
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    assert {d.code for d in await diagnostics_for(client, uri, version=1)} == {"search-space"}


async def test_pushed_settings_apply_inside_workspace_folders(client: LanguageClient, tmp_path: Path):
    # Neovim 0.7 (and nvim-lspconfig's on_init) configure by push: the settings object rides in
    # workspace/didChangeConfiguration, with no workspace/configuration capability.
    await start(client, tmp_path, capabilities=client_capabilities("neovim@v0.7.0"), options={"exclude": ["gen/"]})
    (tmp_path / "gen").mkdir()
    skipped = open_doc(client, tmp_path / "gen" / "tune.py", OPTUNA)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    assert len(await diagnostics_for(client, uri, version=1)) == len(expected(OPTUNA))
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"hptlens": {"enabledKinds": ["search-run"]}})
    )
    await wait_until(lambda: {d.code for d in latest_for(client, uri).diagnostics} == {"search-run"}, client)
    assert await diagnostics_for(client, skipped, version=1) == []  # initializationOptions still hold
    assert not latest_for(client, skipped).diagnostics
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={"hptlens": {}}))
    await wait_until(lambda: len(latest_for(client, uri).diagnostics) == len(expected(OPTUNA)), client)


# ---------------------------------------------------------------------- positions


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
async def test_columns_in_the_negotiated_encoding(client: LanguageClient, tmp_path: Path, encoding: str):
    capabilities = pull_capabilities() if encoding == "utf-8" else None
    if capabilities is not None:
        capabilities.text_document.diagnostic = None  # push, but UTF-8 positions
    result = await start(client, tmp_path, capabilities=capabilities)
    assert result.capabilities.position_encoding == encoding
    line = '    note = "😀😀 学习率"; lr = trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)'
    text = OPTUNA.replace('    lr = trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)', line)
    uri = open_doc(client, tmp_path / "wide.py", text)
    items = await diagnostics_for(client, uri, version=1)
    space = next(d for d in items if "learning_rate" in d.message)
    start_cp = line.index("trial.suggest_float")
    end_cp = line.index(")", line.index("log=True")) + 1
    codec = "utf-16-le" if encoding == "utf-16" else "utf-8"
    width = 2 if encoding == "utf-16" else 1
    assert space.range.start.character == len(line[:start_cp].encode(codec)) // width
    assert space.range.end.character == len(line[:end_cp].encode(codec)) // width
    assert space.range.start.character != start_cp  # the wide characters count
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=space.range.start)
    )
    assert hover is not None and "`learning_rate`" in hover.contents.value


# ---------------------------------------------------------------------- responsiveness


async def test_rapid_edits_publish_the_final_text_only(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    await diagnostics_for(client, uri, version=1)
    text = OPTUNA
    for version in range(2, 52):
        # Each edit changes what is found: the trial count, then finally the space too.
        new = OPTUNA.replace("n_trials=100", f"n_trials={version}")
        if version == 51:
            new = new.replace('    gamma = trial.suggest_float("gamma", 0.9, 0.999)\n', "    gamma = 0.99\n")
        replace_all(client, uri, text, new, version)
        text = new
    final = await diagnostics_for(client, uri, version=51)
    assert [d.message for d in final] == expected(text)
    assert any("51 trials" in d.message for d in final) and not any("gamma" in d.message for d in final)
    await asyncio.sleep(0.5)  # nothing older may arrive after it
    versions = [p.version for p in client.published if p.uri == uri]
    # In order, the last one final; how many were skipped depends on the machine's speed.
    assert versions == sorted(versions) and versions[-1] == 51 and len(set(versions)) == len(versions)


async def test_a_syntax_error_mid_edit_keeps_the_intact_findings(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    before = await diagnostics_for(client, uri, version=1)
    broken = OPTUNA.replace("    model.learn(10_000)\n", "    model.learn(10_000\n    if model\n")
    replace_all(client, uri, OPTUNA, broken, version=2)
    after = await diagnostics_for(client, uri, version=2)
    spaces = [d.message for d in before if d.code == "search-space"]
    assert spaces and [d.message for d in after if d.code == "search-space"] == spaces
    # The unclosed call swallows the next lines: a Warning, on the error's line from its column.
    (error,) = [d for d in after if d.code == "syntax-error"]
    assert error.severity == lsp.DiagnosticSeverity.Warning
    assert "column 5" in error.message and "lines 12-14 could not be analysed" in error.message
    assert error.range == lsp.Range(start=lsp.Position(line=11, character=4), end=lsp.Position(line=11, character=22))

    # A stray token hides nothing: a Hint on that token, as the editor's own linter reports it.
    stray = OPTUNA.replace("    gamma = ", "    gamma = = ")
    replace_all(client, uri, broken, stray, version=3)
    (error,) = [d for d in await diagnostics_for(client, uri, version=3) if d.code == "syntax-error"]
    assert error.severity == lsp.DiagnosticSeverity.Hint and "column 13" in error.message
    assert error.range == lsp.Range(start=lsp.Position(line=7, character=12), end=lsp.Position(line=7, character=13))


async def test_a_failing_analysis_does_not_stop_the_server(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    bad = open_doc(client, tmp_path / f"{FAIL_MARKER}.py", OPTUNA)
    assert await diagnostics_for(client, bad, version=1) == []
    await wait_until(
        lambda: any(m.type == lsp.MessageType.Error for m in client.log_messages), client, method=lsp.WINDOW_LOG_MESSAGE
    )
    assert "injected analysis failure" in next(
        m.message for m in client.log_messages if m.type == lsp.MessageType.Error
    )
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=bad), position=lsp.Position(line=6, character=20))
    )
    assert hover is None
    good = open_doc(client, tmp_path / "tune.py", OPTUNA)
    assert [d.message for d in await diagnostics_for(client, good, version=1)] == expected(OPTUNA)


# ---------------------------------------------------------------------- code actions


async def test_ignore_code_actions_edit_with_formatting_kept(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path)
    uri = open_doc(client, tmp_path / "tune.py", OPTUNA)
    items = await diagnostics_for(client, uri, version=1)
    gamma = next(d for d in items if "gamma" in d.message)
    found = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=gamma.range,
            context=lsp.CodeActionContext(diagnostics=[gamma]),
        )
    )
    assert [a.title for a in found] == [
        "Ignore this search-space finding on this line (# hpt: ignore[search-space])",
        "Ignore search-space findings in this file (# hpt: ignore-file[search-space])",
    ]
    line_action = await client.code_action_resolve_async(found[0])
    (edit,) = line_action.edit.changes[uri]
    assert edit.range.start.line == edit.range.end.line == 7
    assert edit.new_text == '    gamma = trial.suggest_float("gamma", 0.9, 0.999)  # hpt: ignore[search-space]'
    file_action = await client.code_action_resolve_async(found[1])
    (file_edit,) = file_action.edit.changes[uri]
    assert file_edit.range.start == lsp.Position(line=0, character=0)
    assert file_edit.new_text == "# hpt: ignore-file[search-space]\n"

    # Applying the line edit silences exactly that finding.
    lines = OPTUNA.split("\n")
    lines[7] = edit.new_text
    replace_all(client, uri, OPTUNA, "\n".join(lines), version=2)
    after = await diagnostics_for(client, uri, version=2)
    assert [d.message for d in after] == [d.message for d in items if d is not gamma]


async def test_shell_scripts_get_diagnostics_and_a_quick_fix_that_keeps_the_shebang(
    client: LanguageClient, tmp_path: Path
):
    await start(client, tmp_path)
    script = '#!/bin/bash\nfor lr in 1e-3 3e-4 1e-4; do\n  python train.py --lr "$lr"\ndone\n'
    uri = open_doc(client, tmp_path / "sweep.sh", script, language="shellscript")
    items = await diagnostics_for(client, uri, version=1)
    assert items and [d.message for d in items] == expected(script, "sweep.sh")
    loop = next(d for d in items if d.code == "hand-loop")
    assert (loop.range.start.line, loop.range.end.line) == (1, 1)  # the loop's header
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=loop.range,
            context=lsp.CodeActionContext(diagnostics=[loop]),
        )
    )
    whole_file = [a for a in actions if "file" in a.title.lower()]
    resolved = await client.code_action_resolve_async(whole_file[0])
    edit = resolved.edit.changes[uri][0]
    assert edit.range.start.line == 1 and edit.new_text.startswith("# hpt: ignore-file")
