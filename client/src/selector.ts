// Which documents the server sees. Pure data so tests can check it without VS Code.

/** Languages the extension handles (document selector and status-bar visibility). */
export const LANGUAGES: readonly string[] = ['python', 'cpp', 'yaml', 'json', 'shellscript'];

/** Notebook type of Jupyter notebooks in VS Code. */
export const JUPYTER_NOTEBOOK = 'jupyter-notebook';

export type SelectorEntry =
  | { scheme: string; language: string }
  | { notebook: string; language: string };

/**
 * Files on disk and unsaved Python buffers, plus Python cells of Jupyter notebooks (the cell filter
 * lets hovers, code lenses and diagnostics work on cells; the notebook itself is synced with the
 * notebookDocument/* notifications when the server declares notebookDocumentSync).
 */
export const DOCUMENT_SELECTOR: readonly SelectorEntry[] = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { notebook: JUPYTER_NOTEBOOK, language: 'python' },
  { scheme: 'file', language: 'cpp' },
  { scheme: 'file', language: 'yaml' },
  // Sweep configs in JSON (a W&B sweep, a Ray Tune space dumped to a file).
  { scheme: 'file', language: 'json' },
  { scheme: 'file', language: 'shellscript' },
];

/** Whether a document of this language and scheme is one the server analyses. */
export function isHandled(languageId: string, scheme: string): boolean {
  return LANGUAGES.includes(languageId) && (scheme === 'file' || scheme === 'untitled' || scheme === 'vscode-notebook-cell');
}
