// Status-bar text from the diagnostics the server already sends: counting distinct `data.site` ids
// costs nothing, where asking the server (hptlens.analyzeDocument) on every editor switch would
// re-analyse the document.
import { plural } from './commands';

/** What of a diagnostic the count needs (vscode.Diagnostic plus the language client's `data`). */
export interface DiagnosticLike {
  source?: string;
  data?: unknown;
}

export const DIAGNOSTIC_SOURCE = 'hptlens';

/**
 * Name of the collection of pushed diagnostics. The pull feature makes its own, named after the
 * server's diagnostic identifier (`hptlens`): the same name twice makes VS Code warn.
 */
export const PUSH_DIAGNOSTICS_COLLECTION = 'hptlens-push';

/** Site ids of hptlens diagnostics (errors and other sources carry no site). */
export function siteIds(diagnostics: Iterable<DiagnosticLike>): Set<string> {
  const sites = new Set<string>();
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== DIAGNOSTIC_SOURCE) {
      continue;
    }
    const site = siteId(diagnostic.data);
    if (site !== undefined) {
      sites.add(site);
    }
  }
  return sites;
}

/** Distinct tuning sites among the diagnostics. */
export function countSites(diagnostics: Iterable<DiagnosticLike>): number {
  return siteIds(diagnostics).size;
}

/**
 * Site ids per document URI, fed from the diagnostics as the language client receives them (push
 * or pull), so the count never depends on how the editor stores them.
 */
export class SiteIndex {
  private readonly byUri = new Map<string, Set<string>>();
  /** Documents whose diagnostics arrived at least once (an empty list included). */
  private readonly analysedUris = new Set<string>();

  /** Replaces a document's sites; returns whether they (or whether it was analysed) changed. */
  update(uri: string, diagnostics: Iterable<DiagnosticLike>): boolean {
    const first = !this.analysedUris.has(uri);
    this.analysedUris.add(uri);
    const next = siteIds(diagnostics);
    const previous = this.byUri.get(uri);
    if (next.size === 0) {
      this.byUri.delete(uri);
    } else {
      this.byUri.set(uri, next);
    }
    return first || !sameSet(previous ?? new Set(), next);
  }

  /**
   * Whether the server has answered for any of these documents (a notebook's code cells get their
   * diagnostics together; markdown cells never get any). Until then "0 sites" would be a guess.
   */
  analysed(uris: Iterable<string>): boolean {
    return [...uris].some((uri) => this.analysedUris.has(uri));
  }

  /** A closed document: reopened, it is analysed afresh. */
  forget(uri: string): boolean {
    const known = this.analysedUris.delete(uri);
    return this.byUri.delete(uri) || known;
  }

  /** Distinct sites over several documents (a notebook's cells), plus extra ids seen elsewhere. */
  count(uris: Iterable<string>, extra: Iterable<string> = []): number {
    const all = new Set<string>(extra);
    for (const uri of uris) {
      this.byUri.get(uri)?.forEach((site) => all.add(site));
    }
    return all.size;
  }

  clear(): void {
    this.byUri.clear();
    this.analysedUris.clear();
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}

/** The site id a diagnostic's `data` carries. */
export function siteId(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) {
    return undefined;
  }
  const site = (data as { site?: unknown }).site;
  return typeof site === 'string' || typeof site === 'number' ? String(site) : undefined;
}

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusView {
  text: string;
  tooltip: string;
  /** Command run on click: Problems view when running, the output otherwise. */
  command: string;
}

/**
 * @param sites tuning sites in the shown document, or undefined while the server has not answered
 *   for it yet (its first analysis is running)
 */
export function statusView(state: ServerState, sites: number | undefined, showOutputCommand: string): StatusView {
  switch (state) {
    case 'starting':
      return { text: '$(sync~spin) HPT', tooltip: 'hptlens: starting the server', command: showOutputCommand };
    case 'stopped':
      return { text: '$(circle-slash) HPT', tooltip: 'hptlens: server stopped (click for the output)', command: showOutputCommand };
    case 'failed':
      return { text: '$(error) HPT', tooltip: 'hptlens: the server is not running (click for the output)', command: showOutputCommand };
    case 'running':
      if (sites === undefined) {
        return { text: '$(sync~spin) HPT: analysing', tooltip: 'hptlens: analysing this file', command: showOutputCommand };
      }
      return {
        text: `$(search) HPT: ${plural(sites, 'site')}`,
        tooltip: `${plural(sites, 'hyperparameter tuning site')} in this file (click for the Problems view)`,
        command: 'workbench.actions.view.problems',
      };
  }
}
