import { strict as assert } from 'assert';
import * as path from 'path';
import { test } from 'node:test';

import {
  defaultPython,
  describeInterpreter,
  expandInterpreterPath,
  InterpreterInputs,
  isCleanExit,
  resolveInterpreter,
} from '../src/interpreter';
import { readText } from './paths';

const HOME = path.join(path.sep, 'home', 'user');
const FOLDER = path.join(path.sep, 'work', 'project');

function inputs(overrides: Partial<InterpreterInputs> = {}): InterpreterInputs {
  return {
    configured: undefined,
    workspaceFolder: FOLDER,
    homeDir: HOME,
    platform: 'linux',
    pythonExtension: undefined,
    ...overrides,
  };
}

test('the setting wins over the Python extension', async () => {
  let asked = false;
  const resolved = await resolveInterpreter(
    inputs({
      configured: '/opt/py/bin/python',
      pythonExtension: async () => {
        asked = true;
        return '/other/python';
      },
    }),
  );
  assert.deepEqual(resolved, { command: '/opt/py/bin/python', source: 'setting', notes: [] });
  assert.equal(asked, false);
});

test("the Python extension's interpreter is used when the setting is empty", async () => {
  const resolved = await resolveInterpreter(inputs({ configured: '  ', pythonExtension: async () => '/venv/bin/python' }));
  assert.equal(resolved.command, '/venv/bin/python');
  assert.equal(resolved.source, 'python-extension');
});

test('without the Python extension: python3 on PATH', async () => {
  const resolved = await resolveInterpreter(inputs());
  assert.equal(resolved.command, 'python3');
  assert.equal(resolved.source, 'default');
  assert.match(resolved.notes.join(' '), /not installed/);
});

test('a failing or empty Python extension falls back to the default with a note', async () => {
  const failing = await resolveInterpreter(
    inputs({
      pythonExtension: async () => {
        throw new Error('activation failed');
      },
    }),
  );
  assert.equal(failing.command, 'python3');
  assert.match(failing.notes[0], /activation failed/);
  const empty = await resolveInterpreter(inputs({ pythonExtension: async () => undefined }));
  assert.equal(empty.source, 'default');
  assert.match(empty.notes[0], /no active interpreter/);
});

test('Windows defaults to python', async () => {
  assert.equal(defaultPython('win32'), 'python');
  assert.equal(defaultPython('darwin'), 'python3');
  assert.equal((await resolveInterpreter(inputs({ platform: 'win32' }))).command, 'python');
});

test('interpreter paths expand variables, ~ and folder-relative paths', () => {
  assert.equal(
    expandInterpreterPath('${workspaceFolder}/.venv/bin/python', FOLDER, HOME),
    `${FOLDER}/.venv/bin/python`,
  );
  assert.equal(expandInterpreterPath('~/envs/rl/bin/python', FOLDER, HOME), path.join(HOME, 'envs/rl/bin/python'));
  assert.equal(expandInterpreterPath('${userHome}/py', FOLDER, HOME), `${HOME}/py`);
  assert.equal(expandInterpreterPath('.venv/bin/python', FOLDER, HOME), path.join(FOLDER, '.venv/bin/python'));
  // A bare command name stays a PATH lookup.
  assert.equal(expandInterpreterPath('python3.11', FOLDER, HOME), 'python3.11');
  // Without a folder, relative paths stay as they are.
  assert.equal(expandInterpreterPath('.venv/bin/python', undefined, HOME), '.venv/bin/python');
});

test('the description names the source', async () => {
  const resolved = await resolveInterpreter(inputs({ configured: '/py' }));
  assert.equal(describeInterpreter(resolved), '/py (from the setting hptlens.interpreter)');
});

test('the clean exit a restart asks for is recognised in the words of the language client', () => {
  // The line lib/node/main.js logs as an error on every exit of the server process.
  const source = readText('node_modules/vscode-languageclient/lib/node/main.js');
  assert.ok(source.includes('`Server process exited with code ${code}.`'), 'the language client words it otherwise now');
  assert.ok(isCleanExit('Server process exited with code 0.'));
  assert.ok(!isCleanExit('Server process exited with code 1.'));
  assert.ok(!isCleanExit('Server process exited with signal SIGKILL.'));
});
