// Entry point: starts the server, registers the palette commands and the status-bar item.
import * as vscode from 'vscode';

import { ServerManager } from './client';
import {
  CLIENT_COMMANDS,
  ClientCommandName,
  documentUriArgument,
  exportArguments,
  exportSummary,
  llmSummary,
  parseExportResult,
  REPORT_FORMATS,
  resolveReportPath,
  SERVER_COMMANDS,
} from './commands';
import { isHandled } from './selector';
import { SECTION } from './settings';
import { siteIds, statusView } from './status';

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('hptlens', { log: true });
  const server = new ServerManager(output, context.extensionPath);
  manager = server;
  context.subscriptions.push(output, server);

  // Typed as a complete record: a palette command without a handler does not compile.
  const handlers: Record<ClientCommandName, (...args: unknown[]) => unknown> = {
    exportReport: () => exportReport(server),
    analyzeWithLlm: (arg) => analyzeWithLlm(server, arg),
    restartServer: () => server.restart(),
    showOutput: () => output.show(),
  };
  for (const name of Object.keys(handlers) as ClientCommandName[]) {
    context.subscriptions.push(vscode.commands.registerCommand(CLIENT_COMMANDS[name], handlers[name]));
  }

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.interpreter`)) {
        output.info('hptlens.interpreter changed: restarting the server.');
        void server.restart();
      }
    }),
  );

  registerStatusBar(context, server);
  await server.start();
}

export function deactivate(): Promise<void> | undefined {
  return manager?.stop();
}

async function exportReport(server: ServerManager): Promise<void> {
  const choice = await vscode.window.showQuickPick(
    REPORT_FORMATS.map((item) => ({ label: item.label, description: item.description, format: item.format })),
    { title: 'HPT: Export report', placeHolder: 'Report format' },
  );
  if (choice === undefined) {
    return;
  }
  const folder = await chooseFolder();
  if (folder === undefined) {
    return;
  }
  // The server shows the scan's progress (files done, a cancel button) itself.
  const answer = await server.executeServerCommand(SERVER_COMMANDS.exportReport, [
    exportArguments(choice.format, folder.uri.toString()),
  ]);
  if (answer === undefined) {
    return;
  }
  const result = parseExportResult(answer);
  if (result === undefined) {
    void vscode.window.showErrorMessage(`HPT: the server did not write a report (${JSON.stringify(answer)}).`);
    return;
  }
  const file = vscode.Uri.file(resolveReportPath(result.path, folder.uri.fsPath));
  await vscode.window.showTextDocument(file, { preview: false });
  void vscode.window.showInformationMessage(exportSummary(result));
}

/** The folder to report on: the only one, the active document's, or the user's pick. */
async function chooseFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage('HPT: open a folder first; the report covers a workspace folder.');
    return undefined;
  }
  if (folders.length === 1) {
    return folders[0];
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeFolder = active === undefined ? undefined : vscode.workspace.getWorkspaceFolder(active);
  return activeFolder ?? vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder to report on' });
}

async function analyzeWithLlm(server: ServerManager, arg: unknown): Promise<void> {
  const uri = documentUriArgument(arg, activeDocumentUri());
  if (uri === undefined) {
    void vscode.window.showErrorMessage('HPT: open a Python, C++ or YAML file (or a notebook) first.');
    return;
  }
  // The server reports progress (with a cancel button) itself and publishes the merged diagnostics.
  const report = await server.executeServerCommand(SERVER_COMMANDS.analyzeWithLlm, [uri]);
  // A failed review has been told by the server's warning; a summary would read like success.
  const summary = report === undefined ? undefined : llmSummary(report);
  if (summary !== undefined) {
    void vscode.window.showInformationMessage(summary);
  }
}

/** The active text document, or the active notebook (the server maps cells to their notebook). */
function activeDocumentUri(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor !== undefined && editor.document.uri.scheme !== 'vscode-notebook-cell') {
    return editor.document.uri.toString();
  }
  return vscode.window.activeNotebookEditor?.notebook.uri.toString() ?? editor?.document.uri.toString();
}

function registerStatusBar(context: vscode.ExtensionContext, server: ServerManager): void {
  const item = vscode.window.createStatusBarItem('hptlens.sites', vscode.StatusBarAlignment.Right, 100);
  item.name = 'hptlens tuning sites';
  const update = (): void => {
    const documents = activeDocuments();
    if (documents.length === 0 && server.state !== 'failed') {
      item.hide();
      return;
    }
    // The editor's copy too, in case a diagnostic reached it by another path; ids are distinct.
    const seen = siteIds(documents.flatMap((uri) => vscode.languages.getDiagnostics(uri)));
    const uris = documents.map((uri) => uri.toString());
    const analysed = seen.size > 0 || server.sites.analysed(uris);
    const sites = analysed ? server.sites.count(uris, seen) : undefined;
    const view = statusView(server.state, sites, CLIENT_COMMANDS.showOutput);
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.command = view.command;
    item.show();
  };
  context.subscriptions.push(
    item,
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.window.onDidChangeActiveNotebookEditor(update),
    vscode.languages.onDidChangeDiagnostics(update),
    vscode.workspace.onDidCloseTextDocument((document) => {
      if (server.sites.forget(document.uri.toString())) {
        update();
      }
    }),
    server.onDidChangeSites(update),
    server.onDidChangeState(update),
  );
  update();
}

/** The documents shown: the cells of the active notebook, or the active file. */
function activeDocuments(): vscode.Uri[] {
  const notebook = vscode.window.activeNotebookEditor?.notebook;
  const editor = vscode.window.activeTextEditor;
  if (notebook !== undefined && (editor === undefined || editor.document.uri.scheme === 'vscode-notebook-cell')) {
    return notebook.getCells().map((cell) => cell.document.uri);
  }
  if (editor !== undefined && isHandled(editor.document.languageId, editor.document.uri.scheme)) {
    return [editor.document.uri];
  }
  return [];
}
