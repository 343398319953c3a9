// package.json against the code: every contributed command is registered by the extension or is a
// server command (registered by the language client), every contributed setting is forwarded to the
// server or read by the client, and every setting the server reads is contributed.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';

import { CLIENT_COMMANDS, SERVER_COMMANDS } from '../src/commands';
import { JUPYTER_NOTEBOOK, LANGUAGES } from '../src/selector';
import {
  CLIENT_ONLY_SETTING_KEYS,
  initializationOptions,
  relativeKey,
  SERVER_SETTING_DEFAULTS,
  SERVER_SETTING_KEYS,
} from '../src/settings';
import { CLIENT_ROOT, readJson, readText } from './paths';

const manifest = readJson('package.json');
const contributedCommands: string[] = manifest.contributes.commands.map((entry: { command: string }) => entry.command);
const properties: Record<string, any> = manifest.contributes.configuration.properties;
const clientIds = Object.values(CLIENT_COMMANDS) as string[];
const serverIds = Object.values(SERVER_COMMANDS) as string[];
const sources = fs
  .readdirSync(path.join(CLIENT_ROOT, 'src'))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => readText(path.join('src', name)))
  .join('\n');

test('every contributed command is a client command or a server command', () => {
  for (const id of contributedCommands) {
    assert.ok(clientIds.includes(id) || serverIds.includes(id), `${id} is neither registered nor a server command`);
  }
  for (const id of [...clientIds, ...serverIds]) {
    assert.ok(contributedCommands.includes(id), `${id} is not in contributes.commands`);
  }
  assert.equal(new Set(contributedCommands).size, contributedCommands.length, 'duplicate command');
});

test('palette titles are the ones users look for', () => {
  const titles = manifest.contributes.commands
    .filter((entry: { command: string }) => clientIds.includes(entry.command))
    .map((entry: { category: string; title: string }) => `${entry.category}: ${entry.title}`);
  assert.deepEqual(titles.sort(), [
    'HPT: Analyze current file with LLM',
    'HPT: Export report',
    'HPT: Restart server',
    'HPT: Show output',
  ]);
});

test('the extension registers each client command and never a server command', () => {
  const extension = readText('src/extension.ts');
  const handlers = /const handlers[^{]*\{([\s\S]*?)\n  \};/.exec(extension);
  assert.ok(handlers, 'handlers table not found in src/extension.ts');
  for (const name of Object.keys(CLIENT_COMMANDS)) {
    assert.match(handlers[1], new RegExp(`\\n\\s+${name}:`), `no handler for ${name}`);
  }
  const registrations = sources.match(/registerCommand\(([^,]+),/g) ?? [];
  assert.deepEqual(registrations, ['registerCommand(CLIENT_COMMANDS[name],']);
  for (const id of serverIds) {
    assert.ok(!sources.includes(`'${id}'`) || readText('src/commands.ts').includes(`'${id}'`));
  }
});

test('server commands are hidden from the palette; the client commands stand for them', () => {
  const palette: { command: string; when?: string }[] = manifest.contributes.menus.commandPalette;
  for (const id of serverIds) {
    assert.ok(palette.some((entry) => entry.command === id && entry.when === 'false'), `${id} shows in the palette`);
  }
  for (const entry of palette) {
    assert.ok(contributedCommands.includes(entry.command), `menu names unknown command ${entry.command}`);
  }
  const extension = readText('src/extension.ts');
  assert.match(extension, /SERVER_COMMANDS\.exportReport/);
  assert.match(extension, /SERVER_COMMANDS\.analyzeWithLlm/);
});

test('contributed settings are exactly the server settings plus the client-only ones', () => {
  assert.deepEqual(Object.keys(properties).sort(), [...SERVER_SETTING_KEYS, ...CLIENT_ONLY_SETTING_KEYS].sort());
});

test('contributed defaults equal the server defaults, each setting described', () => {
  for (const key of SERVER_SETTING_KEYS) {
    assert.deepEqual(properties[key].default, SERVER_SETTING_DEFAULTS[key], `default of ${key}`);
  }
  for (const [key, schema] of Object.entries(properties)) {
    assert.ok((schema.markdownDescription ?? schema.description ?? '').length > 20, `${key} has no description`);
    assert.ok(schema.type !== undefined, `${key} has no type`);
  }
  assert.deepEqual(properties['hptlens.enabledKinds'].items.enum, SERVER_SETTING_DEFAULTS['hptlens.enabledKinds']);
  assert.deepEqual(properties['hptlens.llm.mode'].enum, ['off', 'review', 'only']);
});

test('every server setting is forwarded in initializationOptions', () => {
  const options = initializationOptions((key) => `value of ${key}`);
  const flat: string[] = [];
  const walk = (value: unknown, prefix: string): void => {
    if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        walk(inner, prefix ? `${prefix}.${key}` : key);
      }
    } else {
      assert.equal(value, `value of ${prefix}`);
      flat.push(prefix);
    }
  };
  walk(options, '');
  assert.deepEqual(flat.sort(), SERVER_SETTING_KEYS.map(relativeKey).sort());
});

test('the interpreter can be set where users look for it, remote windows included', () => {
  // machine and machine-overridable settings are not applied from User settings in a remote window
  // (code-server, Remote-SSH, WSL, containers): the server would start with python3.
  assert.equal(properties['hptlens.interpreter'].scope, 'window');
  assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('hptlens.interpreter'));
});

test('client-only settings are read by the client', () => {
  for (const key of CLIENT_ONLY_SETTING_KEYS) {
    assert.ok(sources.includes(`'${relativeKey(key)}'`), `${key} is never read`);
  }
});

test('activation, entry point and engine fit the code', () => {
  for (const language of LANGUAGES) {
    assert.ok(manifest.activationEvents.includes(`onLanguage:${language}`), language);
  }
  assert.ok(manifest.activationEvents.includes(`onNotebook:${JUPYTER_NOTEBOOK}`));
  assert.equal(manifest.main, './out/extension.js');
  assert.ok(fs.existsSync(path.join(CLIENT_ROOT, manifest.main)), 'run the build first');
  const engine = /\d+\.\d+/.exec(manifest.engines.vscode)?.[0];
  const types = /\d+\.\d+/.exec(manifest.devDependencies['@types/vscode'])?.[0];
  assert.equal(engine, types, '@types/vscode must not be newer than engines.vscode');
  const ignored = readText('.vscodeignore');
  for (const pattern of ['src/**', 'node_modules/**', 'test/**']) {
    assert.ok(ignored.split(/\r?\n/).includes(pattern), `.vscodeignore lacks ${pattern}`);
  }
});
