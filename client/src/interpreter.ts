// Which Python runs the server. Pure: the editor-facing lookups are injected, so tests need no VS Code.
import * as path from 'path';

/** Arguments after the interpreter: the server on stdio. */
export const SERVER_ARGS: readonly string[] = ['-m', 'hptlens', 'serve'];

/**
 * Where and how the interpreter runs: `python -m` puts its working folder first on `sys.path`, so
 * it must never be a workspace folder (a workspace `hptlens/` or `nbformat.py` would run in the
 * server, Restricted Mode or not). The working folder is the extension's own; PYTHONSAFEPATH
 * (Python 3.11+) drops that entry too.
 */
export function serverSpawnOptions(safeDir: string, env: NodeJS.ProcessEnv): { cwd: string; env: NodeJS.ProcessEnv } {
  return { cwd: safeDir, env: { ...env, PYTHONUNBUFFERED: '1', PYTHONSAFEPATH: '1' } };
}

/**
 * The language client's line for a server process that exited with code 0: logged as an error on
 * every exit, also the clean one a stop or restart asks for.
 */
export function isCleanExit(message: string): boolean {
  return message === 'Server process exited with code 0.';
}

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface ResolvedInterpreter {
  /** Executable path, or a bare command name looked up on PATH. */
  command: string;
  source: InterpreterSource;
  /** Why a preferred source was skipped (shown in the output channel). */
  notes: string[];
}

export interface InterpreterInputs {
  /** The `hptlens.interpreter` setting ('' or undefined: not set). */
  configured: string | undefined;
  /** File-system path of the first workspace folder, if any. */
  workspaceFolder: string | undefined;
  homeDir: string;
  platform: NodeJS.Platform;
  /**
   * The Python extension's active interpreter; `undefined` when the extension is not installed.
   * The function may return undefined (no interpreter selected) or throw (extension failed).
   */
  pythonExtension: (() => Promise<string | undefined>) | undefined;
}

/** `python3` on PATH, or `python` on Windows where `python3` is usually the Store stub. */
export function defaultPython(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'python' : 'python3';
}

/** Expands `${workspaceFolder}`, `${userHome}` and a leading `~`; anchors relative paths at the folder. */
export function expandInterpreterPath(value: string, workspaceFolder: string | undefined, homeDir: string): string {
  let result = value.trim();
  if (workspaceFolder !== undefined) {
    result = result.split('${workspaceFolder}').join(workspaceFolder);
  }
  result = result.split('${userHome}').join(homeDir);
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = path.join(homeDir, result.slice(1));
  }
  // A bare name (`python3.11`) is a PATH lookup; a relative path with a separator is the folder's.
  const hasSeparator = result.includes('/') || result.includes('\\');
  if (hasSeparator && !path.isAbsolute(result) && workspaceFolder !== undefined) {
    result = path.join(workspaceFolder, result);
  }
  return result;
}

/** Setting, else the Python extension's active interpreter, else the platform default. */
export async function resolveInterpreter(inputs: InterpreterInputs): Promise<ResolvedInterpreter> {
  const notes: string[] = [];
  const configured = inputs.configured?.trim();
  if (configured) {
    return {
      command: expandInterpreterPath(configured, inputs.workspaceFolder, inputs.homeDir),
      source: 'setting',
      notes,
    };
  }
  if (inputs.pythonExtension === undefined) {
    notes.push('The Python extension is not installed.');
  } else {
    try {
      const fromExtension = await inputs.pythonExtension();
      if (fromExtension) {
        return { command: fromExtension, source: 'python-extension', notes };
      }
      notes.push('The Python extension has no active interpreter.');
    } catch (error) {
      notes.push(`The Python extension did not give an interpreter: ${errorText(error)}`);
    }
  }
  return { command: defaultPython(inputs.platform), source: 'default', notes };
}

export function describeInterpreter(resolved: ResolvedInterpreter): string {
  const from: Record<InterpreterSource, string> = {
    setting: 'from the setting hptlens.interpreter',
    'python-extension': "the Python extension's active interpreter",
    default: 'default, found on PATH',
  };
  return `${resolved.command} (${from[resolved.source]})`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
