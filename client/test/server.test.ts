// Against the real server (`<python> -m hptlens serve`), speaking LSP as the language client does:
// the commands it advertises are the ones package.json lists, the settings the client sends are
// accepted, diagnostics carry the site ids the status bar counts, and the export answer parses.
// Skipped when no Python with a `serve` command is found (see test/python.ts).
import { strict as assert } from 'assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { test } from 'node:test';
import {
  createProtocolConnection,
  ProtocolConnection,
  PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

import { exportArguments, parseExportResult, resolveReportPath, SERVER_COMMANDS } from '../src/commands';
import { filterConfigurationAnswer, initializationOptions, SERVER_SETTING_DEFAULTS } from '../src/settings';
import { SERVER_ARGS, serverSpawnOptions } from '../src/interpreter';
import { countSites, PUSH_DIAGNOSTICS_COLLECTION } from '../src/status';
import { readJson } from './paths';
import { testPython } from './python';

const TRAIN = [
  'import optuna',
  '',
  'def objective(trial):',
  '    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)',
  '    gamma = trial.suggest_float("gamma", 0.9, 0.9999)',
  '    return lr * gamma',
  '',
  'study = optuna.create_study(direction="maximize")',
  'study.optimize(objective, n_trials=50)',
  '',
].join('\n');

function serverAvailable(python: string | undefined): string | false {
  if (python === undefined) {
    return 'no Python environment with hptlens (.venv or HPTLENS_TEST_PYTHON)';
  }
  const probe = spawnSync(python, [...SERVER_ARGS, '--help'], { timeout: 30_000 });
  return probe.status === 0 ? false : 'this hptlens has no `serve` command';
}

/** The section as VS Code answers workspace/configuration with nothing set, interpreter included. */
function editorSection(): unknown {
  const section = initializationOptions((key) => SERVER_SETTING_DEFAULTS[`hptlens.${key}`]) as Record<string, unknown>;
  return { ...section, debounceMs: 0, interpreter: '/some/python' };
}

const python = testPython();
const skip = serverAvailable(python);

test('the real server speaks the contract the client relies on', { skip, timeout: 120_000 }, async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'hptlens-client-'));
  const trainPath = path.join(workspace, 'train.py');
  fs.writeFileSync(trainPath, TRAIN);
  const folderUri = pathToFileURL(workspace).toString();
  const trainUri = pathToFileURL(trainPath).toString();

  // A booby-trapped workspace: had the server imported from it, it would not start, or leave the marker.
  const marker = path.join(workspace, 'imported-from-the-workspace');
  fs.mkdirSync(path.join(workspace, 'hptlens'));
  fs.writeFileSync(path.join(workspace, 'hptlens', '__init__.py'), 'raise SystemExit("workspace hptlens imported")\n');
  for (const name of ['nbformat', 'optuna', 'libcst', 'yaml']) {
    fs.writeFileSync(path.join(workspace, `${name}.py`), `open(${JSON.stringify(marker)}, "w").write("${name}")\n`);
  }
  const notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: TRAIN }] };
  fs.writeFileSync(path.join(workspace, 'tune.ipynb'), JSON.stringify(notebook));
  const server: ChildProcess = spawn(python as string, [...SERVER_ARGS], {
    ...serverSpawnOptions(__dirname, process.env),
    stdio: 'pipe',
  });
  let stderr = '';
  server.stderr?.on('data', (chunk) => (stderr += String(chunk)));
  const connection: ProtocolConnection = createProtocolConnection(
    new StreamMessageReader(server.stdout!),
    new StreamMessageWriter(server.stdin!),
  );
  const warnings: string[] = [];
  const diagnostics = new Map<string, PublishDiagnosticsParams>();
  let onDiagnostics: () => void = () => undefined;
  connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
    filterConfigurationAnswer(params.items, params.items.map((item) => (item.section === 'hptlens' ? editorSection() : null))),
  );
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('window/showMessageRequest', () => null);
  connection.onNotification('window/showMessage', (params: { type: number; message: string }) => {
    if (params.type <= 2) {
      warnings.push(params.message);
    }
  });
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    diagnostics.set(params.uri, params);
    onDiagnostics();
  });
  connection.listen();

  try {
    const options = { ...initializationOptions((key) => SERVER_SETTING_DEFAULTS[`hptlens.${key}`]), debounceMs: 0 };
    const init: any = await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folderUri,
      workspaceFolders: [{ uri: folderUri, name: 'ws' }],
      initializationOptions: options,
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: { publishDiagnostics: { dataSupport: true }, synchronization: {} },
        notebookDocument: { synchronization: {} },
        window: { workDoneProgress: true },
      },
    });
    const advertised: string[] = init.capabilities.executeCommandProvider?.commands ?? [];
    const contributed: string[] = readJson('package.json').contributes.commands.map((c: { command: string }) => c.command);
    for (const id of Object.values(SERVER_COMMANDS)) {
      assert.ok(advertised.includes(id), `server does not advertise ${id}`);
    }
    for (const id of advertised) {
      assert.ok(contributed.includes(id), `server command ${id} is not in contributes.commands`);
    }
    assert.ok(init.capabilities.notebookDocumentSync, 'no notebookDocumentSync: diagnostics would not reach cells');
    // The pull feature names its collection after the identifier; ours for pushes must differ.
    assert.notEqual(init.capabilities.diagnosticProvider?.identifier, PUSH_DIAGNOSTICS_COLLECTION);

    await connection.sendNotification('initialized', {});
    const published = new Promise<void>((resolve) => {
      onDiagnostics = () => {
        if ((diagnostics.get(trainUri)?.diagnostics.length ?? 0) > 0) {
          resolve();
        }
      };
    });
    await connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: trainUri, languageId: 'python', version: 1, text: TRAIN },
    });
    await published;
    const fileDiagnostics = diagnostics.get(trainUri)!.diagnostics;
    assert.ok(fileDiagnostics.every((d) => d.source === 'hptlens'));
    assert.equal(countSites(fileDiagnostics), 1);

    // A notebook synced as the language client syncs it: diagnostics land on the code cell.
    const notebookUri = pathToFileURL(path.join(workspace, 'tune.ipynb')).toString();
    const cellUri = `vscode-notebook-cell:${notebookUri.slice('file:'.length)}#W0sZmlsZQ%3D%3D`;
    const cellPublished = new Promise<void>((resolve) => {
      onDiagnostics = () => {
        if ((diagnostics.get(cellUri)?.diagnostics.length ?? 0) > 0) {
          resolve();
        }
      };
    });
    await connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri: notebookUri, notebookType: 'jupyter-notebook', version: 1, cells: [{ kind: 2, document: cellUri }] },
      cellTextDocuments: [{ uri: cellUri, languageId: 'python', version: 1, text: TRAIN }],
    });
    await cellPublished;
    assert.equal(countSites(diagnostics.get(cellUri)!.diagnostics), 1);

    const report: any = await connection.sendRequest('workspace/executeCommand', {
      command: SERVER_COMMANDS.analyzeDocument,
      arguments: [trainUri],
    });
    assert.ok(Array.isArray(report.findings) && report.findings.length > 0);

    const answer = await connection.sendRequest('workspace/executeCommand', {
      command: SERVER_COMMANDS.exportReport,
      arguments: [exportArguments('sarif', folderUri)],
    });
    const result = parseExportResult(answer);
    assert.ok(result, `unexpected export answer ${JSON.stringify(answer)}`);
    assert.equal(result.format, 'sarif');
    assert.ok(result.sites >= 1);
    assert.ok(fs.existsSync(resolveReportPath(result.path, workspace)), result.path);
    assert.deepEqual(warnings, [], 'the settings the client sends must not be warned about');
    assert.ok(!fs.existsSync(marker), `the server imported ${fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : ''} from the workspace`);

    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
  } catch (error) {
    throw new Error(`${String(error)}\nserver stderr:\n${stderr}`);
  } finally {
    connection.dispose();
    server.kill();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
