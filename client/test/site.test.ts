import { strict as assert } from 'assert';
import { test } from 'node:test';

import { parseSite, siteEntries, siteTitle } from '../src/site';

const at = (line: number, character = 4) => ({ start: { line, character } });

test('a site lists its findings in reading order, across notebook cells, and nothing else', () => {
  const site = parseSite({ id: 'S1', summary: 'Optuna (TPE), 2 hyperparameters, 20 trials', library: 'Optuna' });
  assert.ok(site);
  assert.equal(siteTitle(site), 'HPT: Optuna (TPE), 2 hyperparameters, 20 trials');
  const entries = siteEntries(site.id, [
    { uri: 'cell-0', cell: 0, diagnostics: [] },
    {
      uri: 'cell-2',
      cell: 2,
      diagnostics: [
        { source: 'hptlens', data: { site: 'S1' }, message: 'Optuna search run: study.optimize', range: at(6, 0) },
        { source: 'hptlens', data: { site: 'S1' }, message: 'Optuna search space: lr in [1e-05, 0.01], log', range: at(1) },
        { source: 'hptlens', data: { site: 'S2' }, message: 'another site', range: at(9) },
        { source: 'pylint', data: { site: 'S1' }, message: 'not ours', range: at(3) },
      ],
    },
    {
      uri: 'cell-3',
      cell: 3,
      diagnostics: [{ source: 'hptlens', data: { site: 'S1' }, message: 'Optuna search space: gamma', range: at(0) }],
    },
  ]);
  assert.deepEqual(
    entries.map((entry) => [entry.uri, entry.line, entry.where, entry.label]),
    [
      ['cell-2', 1, 'cell 2, line 2', 'Optuna search space: lr in [1e-05, 0.01], log'],
      ['cell-2', 6, 'cell 2, line 7', 'Optuna search run: study.optimize'],
      ['cell-3', 0, 'cell 3, line 1', 'Optuna search space: gamma'],
    ],
  );
  const file = siteEntries('S2', [{ uri: 'file:///t.py', diagnostics: [{ source: 'hptlens', data: { site: 'S2' }, message: 'm', range: at(4) }] }]);
  assert.deepEqual(file.map((entry) => entry.where), ['line 5']);
});

test('an answer that is not a site shows nothing', () => {
  assert.equal(parseSite(undefined), undefined);
  assert.equal(parseSite({ id: 'S1' }), undefined);
  assert.equal(parseSite('S1'), undefined);
});
