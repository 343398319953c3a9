import { strict as assert } from 'assert';
import { test } from 'node:test';

import { isHandled, DOCUMENT_SELECTOR } from '../src/selector';
import { countSites, SiteIndex, statusView } from '../src/status';

test('sites are counted once however many findings they have', () => {
  const diagnostics = [
    { source: 'hptlens', data: { site: 'optuna-1', kind: 'search-space' } },
    { source: 'hptlens', data: { site: 'optuna-1', kind: 'search-run' } },
    { source: 'hptlens', data: { site: 'loop-2', kind: 'hand-loop' } },
    { source: 'hptlens', data: { kind: 'syntax-error' } },
    { source: 'hptlens' },
    { source: 'pylint', data: { site: 'other' } },
  ];
  assert.equal(countSites(diagnostics), 2);
  assert.equal(countSites([]), 0);
  assert.equal(countSites([{ source: 'hptlens', data: { site: 3 } }, { source: 'hptlens', data: { site: '3' } }]), 1);
});

test('the status bar reflects the server state', () => {
  const running = statusView('running', 1, 'show');
  assert.equal(running.text, '$(search) HPT: 1 site');
  assert.equal(running.command, 'workbench.actions.view.problems');
  assert.equal(statusView('running', 3, 'show').text, '$(search) HPT: 3 sites');
  assert.equal(statusView('failed', 0, 'show').command, 'show');
  assert.match(statusView('starting', 0, 'show').text, /sync~spin/);
  // Before the first results: analysing, not "0 sites".
  const analysing = statusView('running', undefined, 'show');
  assert.equal(analysing.text, '$(sync~spin) HPT: analysing');
  assert.equal(statusView('running', 0, 'show').text, '$(search) HPT: 0 sites');
});

test('a document is analysed once its diagnostics arrived, an empty list included', () => {
  const index = new SiteIndex();
  assert.equal(index.analysed(['file:///a.py']), false);
  assert.equal(index.update('file:///a.py', []), true, 'the first answer changes what the status bar shows');
  assert.equal(index.analysed(['file:///a.py']), true);
  assert.equal(index.update('file:///a.py', []), false);
  // A notebook is analysed when its code cells are (markdown cells never get diagnostics).
  index.update('cell-2', [{ source: 'hptlens', data: { site: 'S1' } }]);
  assert.equal(index.analysed(['cell-1', 'cell-2']), true);
  assert.equal(index.count(['cell-1', 'cell-2']), 1);
  assert.equal(index.forget('file:///a.py'), true);
  assert.equal(index.analysed(['file:///a.py']), false, 'reopened, a document is analysed afresh');
  index.clear();
  assert.equal(index.analysed(['cell-2']), false);
});

test('the selector covers Python files, notebook cells, C++, YAML and JSON configs and shell scripts', () => {
  assert.ok(DOCUMENT_SELECTOR.some((entry) => 'notebook' in entry && entry.notebook === 'jupyter-notebook' && entry.language === 'python'));
  for (const language of ['python', 'cpp', 'yaml', 'json', 'shellscript']) {
    assert.ok(DOCUMENT_SELECTOR.some((entry) => 'scheme' in entry && entry.scheme === 'file' && entry.language === language));
  }
  assert.ok(isHandled('python', 'vscode-notebook-cell'));
  assert.ok(isHandled('yaml', 'file'));
  assert.ok(isHandled('json', 'file'));
  assert.ok(isHandled('shellscript', 'file'));
  assert.ok(!isHandled('markdown', 'file'));
  assert.ok(!isHandled('python', 'git'));
});

test('the site index counts per document and across notebook cells', () => {
  const index = new SiteIndex();
  const site = (id: string) => ({ source: 'hptlens', data: { site: id } });
  assert.equal(index.update('cell-1', [site('a'), site('a')]), true);
  assert.equal(index.update('cell-2', [site('a'), site('b')]), true);
  assert.equal(index.update('cell-2', [site('b'), site('a')]), false, 'same sites: no change');
  assert.equal(index.count(['cell-1']), 1);
  assert.equal(index.count(['cell-1', 'cell-2']), 2);
  assert.equal(index.count(['cell-1'], ['z']), 2);
  assert.equal(index.update('cell-1', []), true, 'cleared diagnostics remove the sites');
  assert.equal(index.count(['cell-1']), 0);
  index.clear();
  assert.equal(index.count(['cell-2']), 0);
});
