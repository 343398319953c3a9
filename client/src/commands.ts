// Command ids and the pure parts of the command handlers: arguments sent to the server commands and
// the checking of what comes back. No `vscode` import.
import * as path from 'path';

/**
 * Commands the server advertises (executeCommandProvider). The language client registers them in
 * VS Code when it starts; the extension never registers them itself.
 */
export const SERVER_COMMANDS = {
  exportReport: 'hptlens.exportReport',
  analyzeDocument: 'hptlens.analyzeDocument',
  analyzeWithLlm: 'hptlens.analyzeWithLlm',
  showSite: 'hptlens.showSite',
} as const;

/** Palette commands the extension registers; they ask the user what is needed and call the server. */
export const CLIENT_COMMANDS = {
  exportReport: 'hptlens.client.exportReport',
  analyzeWithLlm: 'hptlens.client.analyzeWithLlm',
  restartServer: 'hptlens.client.restartServer',
  showOutput: 'hptlens.client.showOutput',
} as const;

export type ClientCommandName = keyof typeof CLIENT_COMMANDS;

export type ReportFormat = 'json' | 'sarif' | 'legacy' | 'html';

export interface FormatChoice {
  format: ReportFormat;
  label: string;
  description: string;
}

export const REPORT_FORMATS: readonly FormatChoice[] = [
  { format: 'json', label: 'JSON', description: 'hptlens report schema (hpt-report.json)' },
  { format: 'sarif', label: 'SARIF', description: 'SARIF 2.1.0, one result per finding (hpt-report.sarif.json)' },
  { format: 'legacy', label: 'Legacy', description: "the seed study's {\"examples\": [...]} layout (hpt-report.legacy.json)" },
  { format: 'html', label: 'HTML', description: 'one offline page with each search space drawn (hpt-report.html)' },
];

export interface ExportArguments {
  format: ReportFormat;
  /** Workspace folder URI, for multi-root workspaces. */
  folder?: string;
}

export interface ExportResult {
  path: string;
  format: string;
  files: number;
  filesWithTuning: number;
  findings: number;
  sites: number;
  errors: number;
}

/** The single argument of `hptlens.exportReport`. */
export function exportArguments(format: ReportFormat, folderUri: string | undefined): ExportArguments {
  return folderUri === undefined ? { format } : { format, folder: folderUri };
}

/** Validates the server's answer; undefined when it is not an export result. */
export function parseExportResult(value: unknown): ExportResult | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.path !== 'string' || record.path === '') {
    return undefined;
  }
  const count = (key: string): number => (typeof record[key] === 'number' ? (record[key] as number) : 0);
  return {
    path: record.path,
    format: typeof record.format === 'string' ? record.format : 'json',
    files: count('files'),
    filesWithTuning: count('filesWithTuning'),
    findings: count('findings'),
    sites: count('sites'),
    errors: count('errors'),
  };
}

/** The written file's absolute path (the server may answer relative to the folder). */
export function resolveReportPath(reportPath: string, folderPath: string | undefined): string {
  if (path.isAbsolute(reportPath) || folderPath === undefined) {
    return reportPath;
  }
  return path.join(folderPath, reportPath);
}

export function exportSummary(result: ExportResult): string {
  const errors = result.errors > 0 ? `, ${plural(result.errors, 'file error')}` : '';
  return (
    `HPT report written (${result.format}): ${plural(result.files, 'file')} scanned, ` +
    `${result.filesWithTuning} with tuning, ${plural(result.sites, 'site')}, ${plural(result.findings, 'finding')}${errors}.`
  );
}

/**
 * The document URI a command acts on: an explicit argument (a URI string or a `vscode.Uri`, as the
 * explorer or an editor menu passes it), else the active document.
 */
export function documentUriArgument(arg: unknown, activeUri: string | undefined): string | undefined {
  if (typeof arg === 'string' && arg !== '') {
    return arg;
  }
  if (typeof arg === 'object' && arg !== null && typeof (arg as { scheme?: unknown }).scheme === 'string') {
    return String(arg);
  }
  return activeUri;
}

/**
 * One line about a merged FileReport returned by `hptlens.analyzeWithLlm`; undefined when the
 * review failed (an `llm-error` entry: the server has warned with the reason, and the counts would
 * be the static ones, reading like success).
 */
export function llmSummary(report: unknown): string | undefined {
  const findings = findingsOf(report);
  if (findings === undefined) {
    return 'HPT: the LLM review returned no report.';
  }
  if (errorCodes(report).includes('llm-error')) {
    return undefined;
  }
  const bySource = { static: 0, llm: 0, both: 0 };
  for (const finding of findings) {
    const source = (finding as { source?: unknown }).source;
    if (source === 'llm' || source === 'both' || source === 'static') {
      bySource[source] += 1;
    }
  }
  return (
    `HPT LLM review: ${plural(findings.length, 'finding')} ` +
    `(${bySource.both} confirmed by the model, ${bySource.llm} found only by the model, ${bySource.static} static only).`
  );
}

function errorCodes(report: unknown): unknown[] {
  const errors = (report as { errors?: unknown }).errors;
  return Array.isArray(errors) ? errors.map((error) => (error as { code?: unknown } | null)?.code) : [];
}

function findingsOf(report: unknown): unknown[] | undefined {
  if (typeof report !== 'object' || report === null) {
    return undefined;
  }
  const findings = (report as { findings?: unknown }).findings;
  return Array.isArray(findings) ? findings : undefined;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
