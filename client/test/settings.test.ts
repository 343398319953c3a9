import { strict as assert } from 'assert';
import { test } from 'node:test';

import {
  CLIENT_ONLY_SETTING_KEYS,
  filterConfigurationAnswer,
  initializationOptions,
  pickServerSettings,
  relativeKey,
  SERVER_SETTING_DEFAULTS,
  SERVER_SETTING_KEYS,
  serverSettingsFrom,
} from '../src/settings';

/** A getter over the defaults, as VS Code answers when nothing is set. */
function defaultsGetter(overrides: Record<string, unknown> = {}): (key: string) => unknown {
  return (key) => (key in overrides ? overrides[key] : SERVER_SETTING_DEFAULTS[`hptlens.${key}`]);
}

test('initialization options nest the llm keys like the workspace/configuration section', () => {
  const options = initializationOptions(defaultsGetter());
  assert.deepEqual(options, {
    enabledKinds: ['search-space', 'search-run', 'scheduler', 'hand-loop', 'sweep-config', 'tuned-config'],
    exclude: [],
    maxFileBytes: 5242880,
    followOutsideLinks: false,
    debounceMs: 300,
    llm: {
      mode: 'off',
      baseUrl: null,
      model: 'gpt-4o-mini',
      apiKeyEnv: 'OPENAI_API_KEY',
      timeoutSeconds: 60,
      runTimeoutSeconds: 1800,
      maxConcurrency: 4,
      maxFileTokens: 6000,
      cache: true,
    },
  });
});

test('user values are passed through and unset keys left out', () => {
  const options = serverSettingsFrom((key) =>
    key === 'exclude' ? ['third_party/**'] : key === 'llm.model' ? 'local-model' : undefined,
  );
  assert.deepEqual(options, { exclude: ['third_party/**'], llm: { model: 'local-model' } });
});

test('the client-only interpreter setting never reaches the server', () => {
  assert.deepEqual(CLIENT_ONLY_SETTING_KEYS, ['hptlens.interpreter']);
  const options = initializationOptions(defaultsGetter({ interpreter: '/usr/bin/python3' }));
  assert.equal('interpreter' in options, false);
  const picked = pickServerSettings({ interpreter: 'py', debounceMs: 0, llm: { mode: 'review', extra: 1 }, other: 2 });
  assert.deepEqual(picked, { debounceMs: 0, llm: { mode: 'review' } });
});

test('pickServerSettings tolerates missing or malformed sections', () => {
  assert.deepEqual(pickServerSettings(null), {});
  assert.deepEqual(pickServerSettings([1, 2]), {});
  assert.deepEqual(pickServerSettings({ llm: 'not an object' }), {});
});

test('workspace/configuration answers are filtered only for the hptlens section', () => {
  const items = [{ section: 'hptlens' }, { section: 'hptlens.debounceMs' }, { section: 'python' }, {}];
  const answers = [{ interpreter: 'x', maxFileBytes: 10 }, 0, { interpreter: 'keep' }, { any: 1 }];
  assert.deepEqual(filterConfigurationAnswer(items, answers), [
    { maxFileBytes: 10 },
    0,
    { interpreter: 'keep' },
    { any: 1 },
  ]);
});

test('relative keys drop the section prefix', () => {
  assert.equal(relativeKey('hptlens.llm.baseUrl'), 'llm.baseUrl');
  assert.equal(relativeKey('llm.baseUrl'), 'llm.baseUrl');
  assert.ok(SERVER_SETTING_KEYS.every((key) => key.startsWith('hptlens.')));
});
