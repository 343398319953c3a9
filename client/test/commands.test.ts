import { strict as assert } from 'assert';
import * as path from 'path';
import { test } from 'node:test';

import {
  documentUriArgument,
  exportArguments,
  exportSummary,
  llmSummary,
  parseExportResult,
  REPORT_FORMATS,
  resolveReportPath,
} from '../src/commands';

test('export offers the four server formats', () => {
  assert.deepEqual(
    REPORT_FORMATS.map((choice) => choice.format),
    ['json', 'sarif', 'legacy', 'html'],
  );
});

test('export arguments carry the format and the folder URI', () => {
  assert.deepEqual(exportArguments('sarif', 'file:///work/a'), { format: 'sarif', folder: 'file:///work/a' });
  assert.deepEqual(exportArguments('json', undefined), { format: 'json' });
});

test('export results are validated', () => {
  const answer = { path: '/w/hpt-report.json', format: 'json', files: 3, filesWithTuning: 2, findings: 7, sites: 2, errors: 0 };
  assert.deepEqual(parseExportResult(answer), answer);
  assert.equal(parseExportResult(null), undefined);
  assert.equal(parseExportResult({ format: 'json' }), undefined);
  assert.equal(parseExportResult('hpt-report.json'), undefined);
  assert.deepEqual(parseExportResult({ path: 'r.json' }), {
    path: 'r.json', format: 'json', files: 0, filesWithTuning: 0, findings: 0, sites: 0, errors: 0,
  });
});

test('relative report paths are anchored at the folder', () => {
  const folder = path.join(path.sep, 'w');
  assert.equal(resolveReportPath('hpt-report.json', folder), path.join(folder, 'hpt-report.json'));
  assert.equal(resolveReportPath(path.join(folder, 'x.json'), path.join(path.sep, 'other')), path.join(folder, 'x.json'));
  assert.equal(resolveReportPath('x.json', undefined), 'x.json');
});

test('the export summary counts what was written', () => {
  const text = exportSummary({ path: 'p', format: 'sarif', files: 1, filesWithTuning: 1, findings: 2, sites: 1, errors: 3 });
  assert.equal(text, 'HPT report written (sarif): 1 file scanned, 1 with tuning, 1 site, 2 findings, 3 file errors.');
});

test('the LLM command takes a URI string, a Uri object, or the active document', () => {
  const uriLike = { scheme: 'file', toString: () => 'file:///w/train.py' };
  assert.equal(documentUriArgument('file:///w/a.py', 'file:///w/b.py'), 'file:///w/a.py');
  assert.equal(documentUriArgument(uriLike, 'file:///w/b.py'), 'file:///w/train.py');
  assert.equal(documentUriArgument(undefined, 'file:///w/b.py'), 'file:///w/b.py');
  assert.equal(documentUriArgument({ not: 'a uri' }, undefined), undefined);
  assert.equal(documentUriArgument('', undefined), undefined);
});

test('the LLM summary counts findings by source', () => {
  const report = { findings: [{ source: 'both' }, { source: 'llm' }, { source: 'static' }, { source: 'static' }] };
  assert.equal(
    llmSummary(report),
    'HPT LLM review: 4 findings (1 confirmed by the model, 1 found only by the model, 2 static only).',
  );
  assert.match(llmSummary(null) ?? '', /no report/);
});

test('a failed LLM review gives no summary: the counts would be the static ones, read as success', () => {
  const failed = {
    findings: [{ source: 'static' }, { source: 'static' }],
    errors: [{ code: 'llm-error', message: 'the model did not answer in 60 s' }],
  };
  assert.equal(llmSummary(failed), undefined);
  const syntax = { findings: [{ source: 'both' }], errors: [{ code: 'syntax-error', message: 'line 3' }] };
  assert.match(llmSummary(syntax) ?? '', /1 confirmed by the model/);
});
