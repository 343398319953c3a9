// The code lens click in VS Code: the site's findings in a quick pick, each one a jump to its line.
import * as vscode from 'vscode';

import { parseSite, SitePart, siteEntries, siteTitle } from './site';

/** Shows the site `hptlens.showSite` returned for the document at `uri`. */
export async function showSitePick(value: unknown, uri: string): Promise<void> {
  const site = parseSite(value);
  if (site === undefined) {
    return;
  }
  const entries = siteEntries(site.id, partsOf(uri));
  const pick = await vscode.window.showQuickPick(
    entries.map((entry) => ({ label: entry.label, description: entry.where, entry })),
    { title: siteTitle(site), placeHolder: 'Go to a finding of this tuning site', matchOnDescription: true },
  );
  if (pick === undefined) {
    return;
  }
  const position = new vscode.Position(pick.entry.line, pick.entry.character);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(pick.entry.uri));
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
}

/** The document, or every cell of the notebook it is a cell of (a site may span cells). */
function partsOf(uri: string): SitePart[] {
  const notebook = vscode.workspace.notebookDocuments.find((candidate) =>
    candidate.getCells().some((cell) => cell.document.uri.toString() === uri),
  );
  if (notebook === undefined) {
    return [{ uri, diagnostics: vscode.languages.getDiagnostics(vscode.Uri.parse(uri)) }];
  }
  return notebook.getCells().map((cell) => ({
    uri: cell.document.uri.toString(),
    cell: cell.index,
    diagnostics: vscode.languages.getDiagnostics(cell.document.uri),
  }));
}
