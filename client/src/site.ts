// What a code lens click shows: the site's findings as a list, from the diagnostics the editor
// already has (a one-line message cut a long site short). Pure: no `vscode` import.
import { DIAGNOSTIC_SOURCE, siteId } from './status';

/** A diagnostic as the list needs it (vscode.Diagnostic plus the language client's `data`). */
export interface SiteDiagnostic {
  source?: string;
  data?: unknown;
  message: string;
  range: { start: { line: number; character: number } };
}

/** One document the site may have findings in: a file, or one notebook cell (0-based index). */
export interface SitePart {
  uri: string;
  cell?: number;
  diagnostics: readonly SiteDiagnostic[];
}

export interface SiteEntry {
  uri: string;
  line: number;
  character: number;
  label: string;
  /** Where it is, as the report counts: `line 7`, or `cell 2, line 3` (1-based lines). */
  where: string;
}

/** The `Site` JSON `hptlens.showSite` returns, as far as the list uses it. */
export interface SiteHeader {
  id: string;
  summary: string;
}

export function parseSite(value: unknown): SiteHeader | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.id !== 'string' || typeof record.summary !== 'string') {
    return undefined;
  }
  return { id: record.id, summary: record.summary };
}

/** The site's findings over the parts, in reading order (cells in notebook order). */
export function siteEntries(id: string, parts: readonly SitePart[]): SiteEntry[] {
  const entries: SiteEntry[] = [];
  for (const part of parts) {
    const mine = part.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && siteId(d.data) === id);
    mine.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    for (const diagnostic of mine) {
      const line = diagnostic.range.start.line;
      entries.push({
        uri: part.uri,
        line,
        character: diagnostic.range.start.character,
        label: diagnostic.message,
        where: part.cell === undefined ? `line ${line + 1}` : `cell ${part.cell}, line ${line + 1}`,
      });
    }
  }
  return entries;
}

/** The list's title: the lens title, which the list repeats in full. */
export function siteTitle(site: SiteHeader): string {
  return `HPT: ${site.summary}`;
}
