import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../src/cli/event-stream.ts';
import { WatchDisplay } from '../../src/cli/watch-display.ts';
import { confusionMatrix } from '../../src/cli/render/confusion.ts';
import { bar } from '../../src/cli/render/bars.ts';

let seq = 0;
const event = (type: RunEvent['type'], data: object): RunEvent =>
  ({ seq: ++seq, runId: 'r', type, time: new Date().toISOString(), data }) as RunEvent;
const batch = (epoch: number, b: number) =>
  event('batch', {
    epoch,
    epochs: 2,
    batch: b,
    batches: 4,
    metrics: { loss: 1 / b, accuracy: b / 4 },
    samplesPerSec: 100,
    etaSeconds: 4 - b,
  });
const epoch = (n: number) =>
  event('epoch', {
    epoch: n,
    epochs: 2,
    durationMs: 1000,
    samplesPerSec: 128,
    metrics: { loss: 0.5, accuracy: 0.75, val_loss: 0.6, val_accuracy: 0.7 },
    lr: 0.01,
  });

/** A run of two epochs of four batches, as the api streams it. */
const run = (): RunEvent[] => [
  event('status', { status: 'queued' }),
  event('status', { status: 'running', backend: 'wasm', device: 'cpu' }),
  ...[1, 2, 3, 4].map((b) => batch(1, b)),
  epoch(1),
  ...[2, 4].map((b) => batch(2, b)),
  epoch(2),
  event('evaluation', { samples: 16, metrics: { loss: 0.4, accuracy: 0.8 } }),
  event('status', { status: 'succeeded' }),
];

function render(isTTY: boolean): string {
  let out = '';
  const display = new WatchDisplay({ write: (s) => (out += s), isTTY, columns: 200 });
  for (const e of run()) display.handle(e);
  return out;
}

const EPOCH_END =
  '4/4 [==============================] - 1s 250ms/step - 128 samples/s - loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.6000 - val_accuracy: 0.7000';

test('not a terminal: plain lines only (header and epoch line per epoch), nothing redrawn', () => {
  assert.equal(
    render(false),
    [
      'Queued',
      'Running on wasm (cpu)',
      'Epoch 1/2',
      EPOCH_END,
      'Epoch 2/2',
      EPOCH_END,
      'Evaluation on 16 test samples - loss: 0.4000 - accuracy: 0.8000',
      'Succeeded',
      '',
    ].join('\n'),
  );
});

test('a terminal: the batch bar is redrawn in place with \\r, and the epoch line replaces it', () => {
  const out = render(true);
  assert.match(
    out,
    /Epoch 1\/2\n\r\x1b\[K1\/4 \[======>\.{23}\] - ETA: 3s - 100 samples\/s - loss: 1\.0000 - accuracy: 0\.2500\r\x1b\[K2\/4 /,
  );
  // What a terminal finally shows: each line's text after its last carriage-return/clear.
  const screen = out.split('\n').map((l) => l.split('\r\x1b[K').at(-1));
  assert.deepEqual(screen, [
    'Queued',
    'Running on wasm (cpu)',
    'Epoch 1/2',
    EPOCH_END,
    'Epoch 2/2',
    EPOCH_END,
    'Evaluation on 16 test samples - loss: 0.4000 - accuracy: 0.8000',
    'Succeeded',
    '',
  ]);
});

test('a failed run shows its error code and message', () => {
  let out = '';
  new WatchDisplay({ write: (s) => (out += s), isTTY: false }).handle(
    event('status', { status: 'failed', error: { code: 'nan_loss', message: 'the loss became NaN at epoch 2' } }),
  );
  assert.equal(out, 'Failed: nan_loss: the loss became NaN at epoch 2\n');
});

test('the confusion matrix shows counts shaded by their share of the true class', () => {
  const drawn = confusionMatrix(
    [
      [8, 2],
      [0, 10],
    ],
    ['cat', 'dog'],
  );
  assert.equal(drawn, ['true\\pred  cat  dog', 'cat       █  8 ░  2', 'dog          0 █ 10'].join('\n'));
});

test('bars fill in eighths of a cell', () => {
  assert.equal(bar(1, 4), '████');
  assert.equal(bar(0.5, 4), '██  ');
  assert.equal(bar(1 / 16, 4), '▎   ');
  assert.equal(bar(0, 4), '    ');
});
