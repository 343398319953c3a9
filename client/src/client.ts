// Owns the language client: picks the interpreter, checks hptlens is there, starts/stops the server.
import * as os from 'os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { PythonExtension } from '@vscode/python-extension';

import { checkHptlens, checkMessage, HptlensCheck, nodeRunner, pipInstallCommand } from './check';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from './commands';
import {
  describeInterpreter,
  isCleanExit,
  resolveInterpreter,
  ResolvedInterpreter,
  SERVER_ARGS,
  serverSpawnOptions,
} from './interpreter';
import { DOCUMENT_SELECTOR } from './selector';
import { filterConfigurationAnswer, initializationOptions, SECTION, serverSettingsFrom } from './settings';
import { showSitePick } from './sitePick';
import { PUSH_DIAGNOSTICS_COLLECTION, ServerState, SiteIndex } from './status';

const PYTHON_EXTENSION_ID = 'ms-python.python';

/**
 * The language client, minus one false alarm: it logs every exit of the server process as an
 * error, also the clean exit (code 0) that a stop or restart asks for.
 */
class HptLanguageClient extends LanguageClient {
  /** Set when this client is being stopped on purpose. */
  stopping = false;

  override error(message: string, data?: unknown, showNotification?: boolean | 'force'): void {
    if (this.stopping && isCleanExit(message)) {
      this.info(message);
      return;
    }
    super.error(message, data, showNotification);
  }
}

export class ServerManager implements vscode.Disposable {
  private client: HptLanguageClient | undefined;
  private clientDisposables: vscode.Disposable[] = [];
  private interpreter: ResolvedInterpreter | undefined;
  private pythonEnvListener: vscode.Disposable | undefined;
  private stateValue: ServerState = 'stopped';
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  private readonly sitesEmitter = new vscode.EventEmitter<void>();
  /** Tuning sites per document, from the diagnostics the server sends. */
  readonly sites = new SiteIndex();
  readonly onDidChangeSites = this.sitesEmitter.event;
  /** Serialises start/stop so a restart during a start cannot leave two servers. */
  private queue: Promise<void> = Promise.resolve();

  readonly onDidChangeState = this.stateEmitter.event;

  /** @param safeDir a folder no workspace controls (the extension's own), the server's working folder */
  constructor(
    readonly output: vscode.LogOutputChannel,
    private readonly safeDir: string = __dirname,
  ) {}

  get state(): ServerState {
    return this.stateValue;
  }

  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    // Before the queue runs: what happens meanwhile (a settings change) must not reach the old client.
    if (this.client !== undefined) {
      this.client.stopping = true;
    }
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Restarts when the interpreter came from the Python extension and the user picked another. */
  usesPythonExtension(): boolean {
    return this.interpreter?.source === 'python-extension';
  }

  /** Sends workspace/executeCommand; undefined (after telling the user) when the server is not running. */
  async executeServerCommand(command: string, args: unknown[], token?: vscode.CancellationToken): Promise<unknown> {
    const client = this.client;
    if (client === undefined || this.stateValue !== 'running') {
      const action = await vscode.window.showErrorMessage(
        'The hptlens server is not running.',
        'Restart server',
        'Show output',
      );
      await this.runNotificationAction(action);
      return undefined;
    }
    try {
      return await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token);
    } catch (error) {
      // The server's refusals (no folder open, document not open...) are messages for the user.
      if (!(token?.isCancellationRequested ?? false)) {
        const message = error instanceof Error ? error.message : String(error);
        this.output.error(`${command}: ${message}`);
        void vscode.window.showErrorMessage(`HPT: ${message}`);
      }
      return undefined;
    }
  }

  dispose(): void {
    void this.stop();
    this.pythonEnvListener?.dispose();
    this.stateEmitter.dispose();
    this.sitesEmitter.dispose();
  }

  private recordSites(uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]): void {
    if (this.sites.update(uri.toString(), diagnostics)) {
      this.sitesEmitter.fire();
    }
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step, step);
    return this.queue;
  }

  private setState(state: ServerState): void {
    this.stateValue = state;
    this.stateEmitter.fire(state);
  }

  private async doStart(): Promise<void> {
    this.setState('starting');
    const interpreter = await this.resolve();
    this.interpreter = interpreter;
    this.output.info(`Python interpreter: ${describeInterpreter(interpreter)}`);
    interpreter.notes.forEach((note) => this.output.info(note));
    const check = await checkHptlens(interpreter.command, nodeRunner(serverSpawnOptions(this.safeDir, process.env)));
    if (check.kind !== 'ok') {
      this.setState('failed');
      void this.reportCheckFailure(interpreter.command, check);
      return;
    }
    this.output.info(`hptlens ${check.version} found; starting ${interpreter.command} ${SERVER_ARGS.join(' ')}`);
    const client = this.createClient(interpreter.command);
    this.client = client;
    this.clientDisposables.push(
      client.onDidChangeState((event) => {
        if (event.newState === State.Running) {
          this.setState('running');
        } else if (event.newState === State.Stopped && this.client === client) {
          this.setState('failed');
        }
      }),
    );
    try {
      await client.start();
      this.setState('running');
    } catch (error) {
      this.output.error(`The server did not start: ${String(error)}`);
      this.setState('failed');
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.sites.clear();
    this.sitesEmitter.fire();
    this.clientDisposables.forEach((disposable) => disposable.dispose());
    this.clientDisposables = [];
    if (client !== undefined) {
      client.stopping = true;
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`Stopping the server: ${String(error)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    this.setState('stopped');
  }

  private createClient(python: string): HptLanguageClient {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const serverOptions: ServerOptions = {
      // No `transport`: the language client would append `--stdio`; `hptlens serve` speaks stdio anyway.
      command: python,
      args: [...SERVER_ARGS],
      options: serverSpawnOptions(this.safeDir, process.env),
    };
    const watcher = vscode.workspace.createFileSystemWatcher('**/{pyproject.toml,.gitignore}');
    this.clientDisposables.push(watcher);
    let client: HptLanguageClient | undefined = undefined;
    const clientOptions: LanguageClientOptions = {
      documentSelector: [...DOCUMENT_SELECTOR],
      outputChannel: this.output,
      diagnosticCollectionName: PUSH_DIAGNOSTICS_COLLECTION,
      initializationOptions: initializationOptions(settingGetter(folder)),
      synchronize: { configurationSection: SECTION, fileEvents: watcher },
      // Every cell is synced, markdown too (the server skips them): cell indices are then the
      // notebook's, as in the exported report and in the messages naming a cell.
      middleware: {
        executeCommand: async (command, args, next) => {
          if (command !== SERVER_COMMANDS.showSite || typeof args[0] !== 'string') {
            return next(command, args);
          }
          // A code lens click: the findings in a quick pick rather than the server's one-line message.
          const site = await next(command, [args[0], args[1], { message: false }]);
          await showSitePick(site, args[0]);
          return site;
        },
        handleDiagnostics: (uri, diagnostics, next) => {
          this.recordSites(uri, diagnostics);
          next(uri, diagnostics);
        },
        provideDiagnostics: async (document, previousResultId, token, next) => {
          const report = await next(document, previousResultId, token);
          if (report?.kind === 'full') {
            this.recordSites(document instanceof vscode.Uri ? document : document.uri, report.items);
          }
          return report;
        },
        workspace: {
          // The server's settings model rejects unknown keys: drop the client-only ones.
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            return Array.isArray(answer) ? filterConfigurationAnswer(params.items, answer) : answer;
          },
          didChangeConfiguration: async (sections, next) => {
            // A client being stopped (an interpreter change restarts the server) has nobody to
            // tell: the next server gets the settings when it starts.
            if (client === undefined || client.stopping || !client.isRunning()) {
              return;
            }
            if (sections === undefined) {
              return next(sections);
            }
            const settings = { [SECTION]: serverSettingsFrom(settingGetter(folder)) };
            await client.sendNotification(DidChangeConfigurationNotification.type, { settings });
          },
        },
      },
    };
    client = new HptLanguageClient(SECTION, 'hptlens', serverOptions, clientOptions);
    return client;
  }

  private async resolve(): Promise<ResolvedInterpreter> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const configured = vscode.workspace.getConfiguration(SECTION, folder).get<string>('interpreter');
    const hasPython = vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
    return resolveInterpreter({
      // In untrusted workspaces VS Code itself ignores the workspace value (restrictedConfigurations).
      configured,
      workspaceFolder: folder?.uri.fsPath,
      homeDir: os.homedir(),
      platform: process.platform,
      pythonExtension: hasPython ? () => this.pythonExtensionInterpreter(folder?.uri) : undefined,
    });
  }

  private async pythonExtensionInterpreter(resource: vscode.Uri | undefined): Promise<string | undefined> {
    const api = await PythonExtension.api();
    if (this.pythonEnvListener === undefined) {
      this.pythonEnvListener = api.environments.onDidChangeActiveEnvironmentPath(() => {
        if (this.usesPythonExtension()) {
          this.output.info('The Python extension selected another interpreter: restarting the server.');
          void this.restart();
        }
      });
    }
    const environmentPath = api.environments.getActiveEnvironmentPath(resource);
    const environment = await api.environments.resolveEnvironment(environmentPath);
    return environment?.executable.uri?.fsPath ?? environmentPath.path;
  }

  private async reportCheckFailure(python: string, check: HptlensCheck): Promise<void> {
    const message = checkMessage(python, check) ?? '';
    this.output.error(message);
    if (check.kind === 'failed') {
      this.output.error(check.detail);
    }
    const buttons = check.kind === 'not-installed' ? ['Copy pip command', 'Open settings'] : ['Open settings', 'Show output'];
    // A warning: VS Code keeps an error with buttons on screen until it is closed, and no API
    // closes it, so it would still say "not installed" after the fix and a restart. The status
    // bar keeps showing the failure, and the output says it again.
    const action = await vscode.window.showWarningMessage(message, ...buttons);
    if (action === 'Copy pip command') {
      await vscode.env.clipboard.writeText(pipInstallCommand(python));
      void vscode.window.showInformationMessage(
        'Copied. Run it in a terminal, then run "HPT: Restart server".',
        'Restart server',
      ).then((next) => this.runNotificationAction(next));
      return;
    }
    await this.runNotificationAction(action);
  }

  private async runNotificationAction(action: string | undefined): Promise<void> {
    if (action === 'Open settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
    } else if (action === 'Show output') {
      this.output.show();
    } else if (action === 'Restart server') {
      await vscode.commands.executeCommand(CLIENT_COMMANDS.restartServer);
    }
  }
}

/** Reads `hptlens.<key>` for a folder (resource-scoped settings differ per folder). */
function settingGetter(folder: vscode.WorkspaceFolder | undefined): (key: string) => unknown {
  const configuration = vscode.workspace.getConfiguration(SECTION, folder);
  return (key) => configuration.get(key);
}
