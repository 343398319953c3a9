import { strict as assert } from 'assert';
import { test } from 'node:test';

import { CHECK_ARGS, checkHptlens, checkMessage, classifyCheck, nodeRunner, pipInstallCommand, Runner } from '../src/check';
import { testPython } from './python';

test('a working import reports the version', async () => {
  const calls: string[][] = [];
  const run: Runner = async (command, args) => {
    calls.push([command, ...args]);
    return { code: 0, stdout: '0.1.0', stderr: '' };
  };
  assert.deepEqual(await checkHptlens('/venv/bin/python', run), { kind: 'ok', version: '0.1.0' });
  assert.deepEqual(calls, [['/venv/bin/python', ...CHECK_ARGS]]);
  assert.equal(checkMessage('/venv/bin/python', { kind: 'ok', version: '0.1.0' }), undefined);
});

test('a missing module is "not installed", with the pip command in the message', () => {
  const check = classifyCheck({
    code: 1,
    stdout: '',
    stderr: "Traceback (most recent call last):\n  File \"<string>\", line 1\nModuleNotFoundError: No module named 'hptlens'\n",
  });
  assert.equal(check.kind, 'not-installed');
  const message = checkMessage('/usr/bin/python3', check) ?? '';
  assert.match(message, /hptlens is not installed in \/usr\/bin\/python3/);
  assert.match(message, /\/usr\/bin\/python3 -m pip install hptlens/);
  assert.match(message, /hptlens\.interpreter/);
});

test('an interpreter that does not exist is named as such', () => {
  const check = classifyCheck({ code: null, stdout: '', stderr: '', errorCode: 'ENOENT' });
  assert.equal(check.kind, 'interpreter-not-found');
  assert.match(checkMessage('python9', check) ?? '', /"python9" was not found/);
});

test('other failures keep the last line of the error', () => {
  const check = classifyCheck({ code: 1, stdout: '', stderr: 'Traceback\nImportError: cannot import name x\n' });
  assert.deepEqual(check, { kind: 'failed', detail: 'ImportError: cannot import name x' });
  assert.deepEqual(classifyCheck({ code: null, stdout: '', stderr: '', errorCode: 'ETIMEDOUT' }), {
    kind: 'failed',
    detail: 'ETIMEDOUT',
  });
});

test('pip commands quote paths with spaces', () => {
  assert.equal(pipInstallCommand('python3'), 'python3 -m pip install hptlens');
  assert.equal(
    pipInstallCommand('/Users/a b/.venv/bin/python'),
    '"/Users/a b/.venv/bin/python" -m pip install hptlens',
  );
  assert.equal(pipInstallCommand('C:\\My Envs\\python.exe', '/src/hptlens'), '"C:\\\\My Envs\\\\python.exe" -m pip install /src/hptlens');
});

test('the real runner reports a missing executable', async () => {
  const check = await checkHptlens('/nonexistent/hptlens-test/python', nodeRunner());
  assert.equal(check.kind, 'interpreter-not-found');
});

const python = testPython();

test('the real runner finds hptlens in the project environment', { skip: python ? false : 'no .venv' }, async () => {
  const check = await checkHptlens(python as string, nodeRunner());
  assert.equal(check.kind, 'ok', JSON.stringify(check));
});
