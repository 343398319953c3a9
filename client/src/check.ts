// Is hptlens importable by the chosen interpreter? Checked before starting the server so the user
// gets one clear message with the fix instead of a crash loop. The process runner is injected.
import { execFile } from 'child_process';

export interface RunResult {
  /** Exit code; null when the process could not start or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Spawn error code (`ENOENT`, `EACCES`, `ETIMEDOUT`...) when the process did not run to the end. */
  errorCode?: string;
}

export type Runner = (command: string, args: readonly string[]) => Promise<RunResult>;

export type HptlensCheck =
  | { kind: 'ok'; version: string }
  | { kind: 'interpreter-not-found'; detail: string }
  | { kind: 'not-installed'; detail: string }
  | { kind: 'failed'; detail: string };

/** Prints the version; fails with ModuleNotFoundError when hptlens is missing. */
export const CHECK_ARGS: readonly string[] = [
  '-c',
  "import hptlens, sys; sys.stdout.write(getattr(hptlens, '__version__', 'unknown'))",
];

export async function checkHptlens(python: string, run: Runner): Promise<HptlensCheck> {
  return classifyCheck(await run(python, CHECK_ARGS));
}

export function classifyCheck(result: RunResult): HptlensCheck {
  if (result.errorCode === 'ENOENT' || result.errorCode === 'EACCES') {
    return { kind: 'interpreter-not-found', detail: result.errorCode };
  }
  const output = `${result.stderr}\n${result.stdout}`.trim();
  if (result.code === 0) {
    return { kind: 'ok', version: result.stdout.trim() || 'unknown' };
  }
  if (/No module named '?hptlens'?/.test(output)) {
    return { kind: 'not-installed', detail: lastLine(output) };
  }
  return { kind: 'failed', detail: lastLine(output) || result.errorCode || `exit code ${result.code}` };
}

/** Shell-ready pip command for the interpreter (quoted when the path has spaces). */
export function pipInstallCommand(python: string, spec = 'hptlens'): string {
  const quoted = /[\s"'$`&|;<>()]/.test(python) ? `"${python.replace(/(["\\$`])/g, '\\$1')}"` : python;
  return `${quoted} -m pip install ${spec}`;
}

/** The notification text for a failed check; undefined when the check passed. */
export function checkMessage(python: string, check: HptlensCheck): string | undefined {
  switch (check.kind) {
    case 'ok':
      return undefined;
    case 'interpreter-not-found':
      return (
        `hptlens: the Python interpreter "${python}" was not found. ` +
        'Set "hptlens.interpreter" to a Python that has hptlens installed, or select one with the Python extension.'
      );
    case 'not-installed':
      return (
        `hptlens is not installed in ${python}. Install it there (${pipInstallCommand(python)}, ` +
        'or pip install the path of an hptlens checkout), or set "hptlens.interpreter" to a Python that has it, then restart the server.'
      );
    case 'failed':
      return `hptlens: "${python} -c 'import hptlens'" failed: ${check.detail}. See HPT: Show output.`;
  }
}

/** Runs a process with a timeout (in `options.cwd`, with `options.env`); never rejects. */
export const nodeRunner =
  (options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Runner =>
  (command, args) =>
  new Promise((resolve) => {
    execFile(command, [...args], { ...options, timeout: 30_000, windowsHide: true }, (error, stdout, stderr) => {
      // execFile's error carries the exit code as a number, a spawn failure's code as a string.
      const failure = error as { code?: unknown; killed?: boolean } | null;
      const code = failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null;
      const errorCode =
        typeof failure?.code === 'string' ? failure.code : failure?.killed ? 'ETIMEDOUT' : undefined;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), errorCode });
    });
  });

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.length > 0 ? lines[lines.length - 1].trim() : '';
}
