// Cross-checks against the real TensorBoard Python package when it happens to be installed; skipped otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventFileWriter } from '../../../src/engine/tensorboard/event-file-writer.ts';

const hasTensorBoard = spawnSync('python3', ['-c', 'import tensorboard'], { stdio: 'ignore' }).status === 0;

const READ_WITH_TENSORBOARD = `
import json, sys
from tensorboard.backend.event_processing import event_accumulator
ea = event_accumulator.EventAccumulator(sys.argv[1], size_guidance={event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0})
ea.Reload()
print(json.dumps({
  "scalars": [[e.step, e.value] for e in ea.Scalars("epoch_loss")],
  "histograms": [[e.step, e.histogram_value.num, e.histogram_value.min, e.histogram_value.max, list(e.histogram_value.bucket)] for e in ea.Histograms("dense/kernel_0")],
}))
`;

test('the real TensorBoard reads Kiln scalars and histograms', { skip: !hasTensorBoard }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-tb-py-'));
  try {
    const writer = new EventFileWriter(dir);
    writer.scalar('epoch_loss', 0.75, 0);
    writer.scalar('epoch_loss', 0.5, 1);
    writer.histogram('dense/kernel_0', [-1, 0, 1, 1], 1);
    writer.close();
    const run = spawnSync('python3', ['-c', READ_WITH_TENSORBOARD, dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const seen = JSON.parse(run.stdout);
    assert.deepEqual(seen.scalars, [
      [0, 0.75],
      [1, 0.5],
    ]);
    assert.equal(seen.histograms.length, 1);
    assert.deepEqual(seen.histograms[0].slice(0, 4), [1, 4, -1, 1]);
    assert.equal(
      seen.histograms[0][4].reduce((a: number, b: number) => a + b, 0),
      4,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
