// Loads the bundled extension (out/extension.js) against a stand-in `vscode` module: activation must
// register exactly the palette commands, and a missing interpreter must give the notification.
import { strict as assert } from 'assert';
import * as path from 'path';
import { test } from 'node:test';

import { CLIENT_COMMANDS } from '../src/commands';
import { CLIENT_ROOT } from './paths';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const Module = require('module');

type Handler = (...args: unknown[]) => unknown;

interface FakeEditor {
  registered: Map<string, Handler>;
  errors: string[];
  warnings: string[];
  infos: string[];
  statusItem: { text: string; command?: string; visible: boolean };
  vscode: unknown;
}

/** Any property, call or `new` gives another stand-in: enough for the language client's module-level classes. */
function anything(): any {
  const target = function () {
    /* stand-in */
  };
  const proxy: any = new Proxy(target, {
    get: (_target, prop) => (prop === Symbol.toPrimitive ? () => 0 : prop === 'then' ? undefined : proxy),
    apply: () => proxy,
    construct: () => ({}),
  });
  return proxy;
}

const disposable = { dispose: () => undefined };
const event = () => disposable;

class EventEmitter<T> {
  private listeners: ((value: T) => void)[] = [];
  event = (listener: (value: T) => void) => {
    this.listeners.push(listener);
    return disposable;
  };
  fire(value: T): void {
    this.listeners.forEach((listener) => listener(value));
  }
  dispose(): void {
    this.listeners = [];
  }
}

function fakeEditor(settings: Record<string, unknown>): FakeEditor {
  const registered = new Map<string, Handler>();
  const errors: string[] = [];
  const warnings: string[] = [];
  const infos: string[] = [];
  const statusItem = { text: '', command: undefined as string | undefined, visible: false, tooltip: '', name: '',
    show() { this.visible = true; }, hide() { this.visible = false; }, dispose: () => undefined };
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined, show: () => undefined,
    append: () => undefined, appendLine: () => undefined, dispose: () => undefined };
  const vscode = new Proxy(
    {
      EventEmitter,
      StatusBarAlignment: { Left: 1, Right: 2 },
      ProgressLocation: { Notification: 15 },
      NotebookCellKind: { Markup: 1, Code: 2 },
      commands: {
        registerCommand: (id: string, handler: Handler) => {
          registered.set(id, handler);
          return disposable;
        },
        executeCommand: async () => undefined,
      },
      window: {
        createOutputChannel: () => log,
        createStatusBarItem: () => statusItem,
        showErrorMessage: async (message: string) => {
          errors.push(message);
          return undefined;
        },
        showWarningMessage: async (message: string) => {
          warnings.push(message);
          return undefined;
        },
        showInformationMessage: async (message: string) => {
          infos.push(message);
          return undefined;
        },
        showQuickPick: async () => undefined,
        activeTextEditor: undefined,
        activeNotebookEditor: undefined,
        onDidChangeActiveTextEditor: event,
        onDidChangeActiveNotebookEditor: event,
      },
      workspace: {
        getConfiguration: () => ({ get: (key: string) => settings[key] }),
        workspaceFolders: undefined,
        isTrusted: true,
        onDidChangeConfiguration: event,
        onDidCloseTextDocument: event,
      },
      languages: { getDiagnostics: () => [], onDidChangeDiagnostics: event },
      extensions: { getExtension: () => undefined },
      env: { clipboard: { writeText: async () => undefined } },
    },
    { get: (target: Record<string | symbol, unknown>, prop) => (prop in target ? target[prop] : anything()) },
  );
  return { registered, errors, warnings, infos, statusItem, vscode };
}

function loadExtension(vscode: unknown): { activate: (context: unknown) => Promise<void>; deactivate: () => unknown } {
  const bundle = path.join(CLIENT_ROOT, 'out', 'extension.js');
  const originalLoad = Module._load;
  Module._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : originalLoad.call(this, request, ...rest);
  };
  try {
    delete require.cache[require.resolve(bundle)];
    return require(bundle);
  } finally {
    Module._load = originalLoad;
  }
}

test('activation registers the palette commands and explains a missing interpreter', async () => {
  const editor = fakeEditor({ interpreter: '/nonexistent/hptlens-test/python' });
  const extension = loadExtension(editor.vscode);
  const context = { subscriptions: [] as unknown[] };
  await extension.activate(context);

  assert.deepEqual([...editor.registered.keys()].sort(), Object.values(CLIENT_COMMANDS).sort());
  // A warning, not an error: VS Code would keep an error with buttons on screen after the fix.
  assert.deepEqual(editor.errors, []);
  assert.equal(editor.warnings.length, 1);
  assert.match(editor.warnings[0], /"\/nonexistent\/hptlens-test\/python" was not found/);
  assert.equal(editor.statusItem.text, '$(error) HPT');
  assert.equal(editor.statusItem.visible, true);
  assert.equal(editor.statusItem.command, CLIENT_COMMANDS.showOutput);

  // Commands degrade to messages when there is nothing to act on.
  await editor.registered.get(CLIENT_COMMANDS.analyzeWithLlm)?.();
  assert.match(editor.errors[0], /open a Python, C\+\+ or YAML file/);
  await editor.registered.get(CLIENT_COMMANDS.exportReport)?.();
  assert.equal(editor.errors.length, 1, 'a cancelled format pick does nothing');
  await editor.registered.get(CLIENT_COMMANDS.restartServer)?.();
  assert.equal(editor.warnings.length, 2, 'a restart checks the interpreter again');
  await extension.deactivate();
});
