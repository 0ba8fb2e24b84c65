import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const MODULE = new URL('../../web/src/lib/json-lines.ts', import.meta.url).href;

/**
 * fieldLines of each text, in a child process with a deadline: the editor calls it on every
 * keystroke, and a loop that stops advancing froze the tab, so a regression must fail here rather
 * than hang the test run.
 */
function fieldLinesOf(texts: string[]): Array<Record<string, number>> {
  const script = `const m = await import(${JSON.stringify(MODULE)});
    console.log(JSON.stringify(${JSON.stringify(texts)}.map((t) => Object.fromEntries(m.fieldLines(t)))));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(child.error, undefined, `fieldLines did not return within 20 s: ${child.error}`);
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

test('field lines of valid JSON, by the api’s paths', () => {
  const [lines] = fieldLinesOf(['{\n  "fit": {\n    "epochs": 0\n  },\n  "layers": [\n    {"units": 4}\n  ]\n}']);
  assert.deepEqual(lines, { fit: 2, 'fit.epochs': 3, layers: 5, 'layers[0]': 6, 'layers[0].units': 6 });
});

test('half-typed JSON returns what it read so far, and never hangs', () => {
  const results = fieldLinesOf([
    '{"a": [1, 2}', // a ] deleted: the array is closed with }
    '{"metrics": ["accuracy"', // cut off inside an array
    '[', // just typed
    '{"a": {"b": 1 ]}', // the wrong close for an object
    '{"a" 1}', // no colon
    '{"a": }', // no value
    '{"a": "unterminated', // a string never closed
    '{"a": 1 "b": 2}', // no comma
  ]);
  assert.equal(results.length, 8);
  assert.deepEqual(results[0], { a: 1, 'a[0]': 1, 'a[1]': 1 });
  assert.deepEqual(results[1], { metrics: 1, 'metrics[0]': 1 });
  assert.deepEqual(results[2], { '[0]': 1 }); // the first element's place, where typing goes on
  assert.deepEqual(results[3], { a: 1, 'a.b': 1 });
});
