"""End-to-end notebook tests: notebookDocument/* sync, diagnostics per cell URI (empty
lists included), lenses and hovers on the right cell, imports in earlier cells counting."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from hptlens.analysis import analyze
from hptlens.documents import notebook_document
from support.lsp import (
    CONFIG,
    diagnostics_for,
    latest_for,
    open_doc,
    pull_capabilities,
    push_capabilities,
    start,
    uri_of,
    wait_until,
    with_notebooks,
)

pytestmark = pytest.mark.asyncio

IMPORTS = "from optuna import create_study\n%matplotlib inline"
BODY = textwrap.dedent("""\
    def objective(trial):
        lr = trial.suggest_float("lr", 1e-5, 1e-2, log=True)
        return lr

    study = create_study(direction="maximize")
    study.optimize(objective, n_trials=20)
    """)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


def cell_uri(notebook: Path, index: int) -> str:
    return f"vscode-notebook-cell:{notebook.as_posix()}#C{index}"


def expected_cells(cells: list[tuple[str, str]]) -> dict[int, list[tuple[int, str]]]:
    """(0-based line in cell, message) of the findings per cell index, from the core."""
    document = notebook_document(
        "nb.ipynb", [(i, "code" if kind == "python" else "markdown", text) for i, (kind, text) in enumerate(cells)]
    )
    result: dict[int, list[tuple[int, str]]] = {i: [] for i in range(len(cells))}
    for finding in analyze(document).findings:
        assert finding.cell is not None
        result[finding.cell].append((finding.range.start.line - 1, finding.message))
    return result


def shown(client: LanguageClient, uri: str) -> list[tuple[int, str]]:
    return [(d.range.start.line, d.message) for d in latest_for(client, uri).diagnostics]


def open_notebook(client: LanguageClient, path: Path, cells: list[tuple[str, str]]) -> list[str]:
    uris = [cell_uri(path, i) for i in range(len(cells))]
    kinds = {"python": lsp.NotebookCellKind.Code, "markdown": lsp.NotebookCellKind.Markup}
    client.notebook_document_did_open(
        lsp.DidOpenNotebookDocumentParams(
            notebook_document=lsp.NotebookDocument(
                uri=uri_of(path),
                notebook_type="jupyter-notebook",
                version=1,
                cells=[lsp.NotebookCell(kind=kinds[kind], document=uri) for (kind, _), uri in zip(cells, uris)],
            ),
            cell_text_documents=[
                lsp.TextDocumentItem(uri=uri, language_id=kind, version=1, text=text)
                for (kind, text), uri in zip(cells, uris)
            ],
        )
    )
    return uris


async def test_notebook_diagnostics_lenses_and_hovers_per_cell(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path, capabilities=with_notebooks(push_capabilities()))
    path = tmp_path / "tune.ipynb"
    cells = [("markdown", "# Tuning"), ("python", IMPORTS), ("python", BODY)]
    uris = open_notebook(client, path, cells)
    want = expected_cells(cells)
    assert len(want[2]) == 3  # the import in cell 1 makes create_study in cell 2 count
    for index, uri in enumerate(uris):
        items = await diagnostics_for(client, uri)
        assert [(d.range.start.line, d.message) for d in items] == want[index]

    # The site's links say which cell each finding is in (the location names only the notebook).
    (run,) = [d for d in await diagnostics_for(client, uris[2]) if d.related_information]
    assert sorted(r.message.split(":")[0] for r in run.related_information) == ["cell 2", "cell 2"]

    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uris[2]))
    )
    assert [(lens.range.start.line, lens.command.title) for lens in lenses] == [
        (1, "HPT: Optuna (TPE), 1 hyperparameter, 20 trials")
    ]
    assert await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uris[1]))
    ) in ([], ())
    hover = await client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uris[2]), position=lsp.Position(line=1, character=12)
        )
    )
    assert hover is not None and "| `lr` | float | [1e-05, 0.01] | yes | – |" in hover.contents.value


async def test_notebook_edits_structure_changes_and_close(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path, capabilities=with_notebooks(push_capabilities()))
    path = tmp_path / "tune.ipynb"
    cells = [("markdown", "# Tuning"), ("python", IMPORTS), ("python", BODY)]
    uris = open_notebook(client, path, cells)
    await wait_until(lambda: latest_for(client, uris[2]) is not None and len(shown(client, uris[2])) == 3, client)

    # Editing cell 1 (dropping the import) changes what is found in cell 2.
    edit = lsp.NotebookDocumentCellContentChanges(
        document=lsp.VersionedTextDocumentIdentifier(uri=uris[1], version=2),
        changes=[
            lsp.TextDocumentContentChangePartial(
                range=lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=1, character=0)), text=""
            )
        ],
    )
    client.notebook_document_did_change(
        lsp.DidChangeNotebookDocumentParams(
            notebook_document=lsp.VersionedNotebookDocumentIdentifier(uri=uri_of(path), version=2),
            change=lsp.NotebookDocumentChangeEvent(cells=lsp.NotebookDocumentCellChanges(text_content=[edit])),
        )
    )
    edited = [cells[0], ("python", "%matplotlib inline"), cells[2]]
    await wait_until(lambda: shown(client, uris[2]) == expected_cells(edited)[2], client)
    assert len(shown(client, uris[2])) == 1

    # Deleting cell 2 clears its diagnostics.
    removed = lsp.TextDocumentIdentifier(uri=uris[2])
    structure = lsp.NotebookDocumentCellChangeStructure(
        array=lsp.NotebookCellArrayChange(start=2, delete_count=1), did_close=[removed]
    )
    client.notebook_document_did_change(
        lsp.DidChangeNotebookDocumentParams(
            notebook_document=lsp.VersionedNotebookDocumentIdentifier(uri=uri_of(path), version=3),
            change=lsp.NotebookDocumentChangeEvent(cells=lsp.NotebookDocumentCellChanges(structure=structure)),
        )
    )
    await wait_until(lambda: shown(client, uris[2]) == [], client)

    # Adding a cell back with a study: found on the new cell's URI.
    new_uri = cell_uri(path, 9)
    added = lsp.NotebookDocumentCellChangeStructure(
        array=lsp.NotebookCellArrayChange(
            start=2, delete_count=0, cells=[lsp.NotebookCell(kind=lsp.NotebookCellKind.Code, document=new_uri)]
        ),
        did_open=[lsp.TextDocumentItem(uri=new_uri, language_id="python", version=1, text=BODY)],
    )
    client.notebook_document_did_change(
        lsp.DidChangeNotebookDocumentParams(
            notebook_document=lsp.VersionedNotebookDocumentIdentifier(uri=uri_of(path), version=4),
            change=lsp.NotebookDocumentChangeEvent(cells=lsp.NotebookDocumentCellChanges(structure=added)),
        )
    )
    await wait_until(lambda: latest_for(client, new_uri) is not None and len(shown(client, new_uri)) == 1, client)

    client.notebook_document_did_close(
        lsp.DidCloseNotebookDocumentParams(
            notebook_document=lsp.NotebookDocumentIdentifier(uri=uri_of(path)),
            cell_text_documents=[lsp.TextDocumentIdentifier(uri=u) for u in (uris[0], uris[1], new_uri)],
        )
    )
    await wait_until(lambda: shown(client, new_uri) == [], client)


async def test_a_pull_client_gets_cell_diagnostics_pushed_until_it_pulls_for_a_cell(
    client: LanguageClient, tmp_path: Path
):
    # vscode-languageclient 9 pulls for text documents but never for notebook cells.
    await start(client, tmp_path, capabilities=with_notebooks(pull_capabilities()))
    path = tmp_path / "tune.ipynb"
    cells = [("python", IMPORTS), ("python", BODY)]
    uris = open_notebook(client, path, cells)
    want = expected_cells(cells)
    for index, uri in enumerate(uris):
        items = await diagnostics_for(client, uri)
        assert [(d.range.start.line, d.message) for d in items] == want[index]
    plain = open_doc(client, tmp_path / "train.py", BODY)
    await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=plain))
    )
    assert latest_for(client, plain) is None, "a text document of a pull client is pulled, never pushed"

    # A client that pulls for a cell (vscode-languageclient 10) gets them there only.
    pulled = await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uris[1]))
    )
    assert isinstance(pulled, lsp.RelatedFullDocumentDiagnosticReport) and len(pulled.items) == len(want[1])
    await wait_until(lambda: all(shown(client, uri) == [] for uri in uris), client)
    count = len(client.published)  # type: ignore[attr-defined]
    client.notebook_document_did_close(
        lsp.DidCloseNotebookDocumentParams(
            notebook_document=lsp.NotebookDocumentIdentifier(uri=uri_of(path)),
            cell_text_documents=[lsp.TextDocumentIdentifier(uri=u) for u in uris],
        )
    )
    await client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=plain))
    )
    assert len(client.published) == count, "nothing more is pushed once the client pulls for cells"  # type: ignore[attr-defined]


async def test_notebook_ignore_actions_edit_the_cell(client: LanguageClient, tmp_path: Path):
    await start(client, tmp_path, capabilities=with_notebooks(push_capabilities()))
    path = tmp_path / "tune.ipynb"
    uris = open_notebook(client, path, [("python", "%matplotlib inline\n" + IMPORTS), ("python", "%%time\n" + BODY)])
    items = await diagnostics_for(client, uris[1])
    space = next(d for d in items if d.code == "search-space")
    found = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uris[1]),
            range=space.range,
            context=lsp.CodeActionContext(diagnostics=[space]),
        )
    )
    line_action = await client.code_action_resolve_async(found[0])
    (edit,) = line_action.edit.changes[uris[1]]
    assert edit.new_text == '    lr = trial.suggest_float("lr", 1e-5, 1e-2, log=True)  # hpt: ignore[search-space]'
    file_action = await client.code_action_resolve_async(found[1])
    # The file marker goes into the first code cell (magics there do not matter).
    assert list(file_action.edit.changes) == [uris[0]]
    assert file_action.edit.changes[uris[0]][0].new_text == "# hpt: ignore-file[search-space]\n"


async def test_a_notebook_opened_as_text_gets_findings_on_its_json_lines(client: LanguageClient, tmp_path: Path):
    # Neovim, or VS Code's text editor: the .ipynb's JSON itself, a source string per line or
    # one string with escapes (`\n`, `\"`, `\u00e9`) for the whole cell.
    await start(client, tmp_path)
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Tuning\n", "An Optuna study."]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": IMPORTS},
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": 'x = "\u00e9"\n' + BODY,
        },
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    path = tmp_path / "study.ipynb"
    path.write_text(text, encoding="utf-8")
    uri = uri_of(path)
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="json", version=1, text=text)
        )
    )
    items = await diagnostics_for(client, uri, version=1)
    lines = text.split("\n")
    shown = {lines[d.range.start.line][d.range.start.character :].split("(")[0] for d in items}
    assert shown == {"trial.suggest_float", "create_study", "study.optimize"}
    space = next(d for d in items if d.code == "search-space")
    end = lines[space.range.end.line][: space.range.end.character]
    assert end.endswith("log=True)") and lines[space.range.end.line][space.range.end.character :].startswith("\\n")

    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=space.range.start)
    )
    assert hover is not None and "`lr`" in hover.contents.value
    lenses = await client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert [lens.range.start.line for lens in lenses] == [space.range.start.line]
    # No edit is offered: one made for the cell's code would break the JSON.
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=space.range,
            context=lsp.CodeActionContext(diagnostics=[space]),
        )
    )
    assert not actions
