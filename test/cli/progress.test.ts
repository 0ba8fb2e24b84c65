import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchLine,
  epochLine,
  formatEta,
  formatMetricValue,
  formatStepTime,
  orderMetrics,
  progressBar,
  fitWidth,
} from '../../src/cli/render/progress.ts';

test('the bar is Keras’: counter padded to the total’s width, `=` done, `>` at the head, `.` to go', () => {
  assert.equal(progressBar(0, 200), '  0/200 [..............................]');
  assert.equal(progressBar(12, 200), ' 12/200 [>.............................]');
  assert.equal(progressBar(100, 200), '100/200 [==============>...............]');
  assert.equal(progressBar(200, 200), '200/200 [==============================]');
  assert.equal(progressBar(3, 4, 8), '3/4 [=====>..]');
  for (let done = 0; done <= 37; done++)
    assert.equal(progressBar(done, 37).length, '37/37 ['.length + 30 + 1, `width at ${done}`);
});

test('ETA and time per step read as Keras prints them', () => {
  assert.deepEqual([0.4, 7, 59.6, 65, 3599, 3725].map(formatEta), ['0s', '7s', '1:00', '1:05', '59:59', '1:02:05']);
  assert.deepEqual([2.4, 0.04, 0.0035, 0.00035].map(formatStepTime), [
    '2s/step',
    '40ms/step',
    '4ms/step',
    '350us/step',
  ]);
});

test('metrics: 4 decimals, scientific when tiny, loss first, validation metrics last', () => {
  assert.deepEqual([0.30124, 1, 0, 0.00012345, 12.5].map(formatMetricValue), [
    '0.3012',
    '1.0000',
    '0.0000',
    '1.2345e-4',
    '12.5000',
  ]);
  const ordered = orderMetrics({ val_accuracy: 0.9, accuracy: 0.8, val_loss: 0.2, loss: 0.3, mae: 1 }).map(([k]) => k);
  assert.deepEqual(ordered, ['loss', 'accuracy', 'mae', 'val_loss', 'val_accuracy']);
});

test('a diverged metric (null in JSON, NaN or Infinity in memory) prints as Keras prints it, and keeps its place', () => {
  assert.deepEqual([null, NaN, Infinity, -Infinity].map(formatMetricValue), ['nan', 'nan', 'inf', '-inf']);
  assert.deepEqual(orderMetrics({ accuracy: 0.5, loss: null }), [
    ['loss', null],
    ['accuracy', 0.5],
  ]);
});

test('a batch line has the bar, ETA, samples/s and the running metrics; the last batch has no ETA', () => {
  const line = batchLine({
    batch: 12,
    batches: 50,
    metrics: { accuracy: 0.8125, loss: 0.41234 },
    samplesPerSec: 640.4,
    etaSeconds: 3.2,
  });
  assert.equal(
    line,
    '12/50 [======>.......................] - ETA: 3s - 640 samples/s - loss: 0.4123 - accuracy: 0.8125',
  );
  assert.doesNotMatch(batchLine({ batch: 50, batches: 50, metrics: { loss: 1 }, etaSeconds: 0 }), /ETA/);
});

test('an epoch line has the full bar, time, time per step, samples/s, then training and validation metrics', () => {
  const line = epochLine(
    {
      epoch: 1,
      epochs: 3,
      durationMs: 2040,
      samplesPerSec: 784.3,
      metrics: { loss: 0.3012, accuracy: 0.875, val_loss: 0.295, val_accuracy: 0.9 },
    },
    50,
  );
  assert.equal(
    line,
    '50/50 [==============================] - 2s 41ms/step - 784 samples/s - loss: 0.3012 - accuracy: 0.8750 - val_loss: 0.2950 - val_accuracy: 0.9000',
  );
  assert.equal(
    epochLine({ epoch: 1, durationMs: 900, metrics: { loss: 1 } }),
    '1s - loss: 1.0000',
    'without batch events there is no bar',
  );
});

test('a redrawn line is cut to the terminal width so it never wraps', () => {
  assert.equal(fitWidth('x'.repeat(100), 40).length, 39);
  assert.equal(fitWidth('short', 40), 'short');
  assert.equal(fitWidth('x'.repeat(100), undefined).length, 100);
});
