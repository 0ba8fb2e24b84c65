import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readEventFile } from '../../../src/engine/tensorboard/event-file-reader.ts';
import { EVENT_FILE_VERSION, EventFileWriter } from '../../../src/engine/tensorboard/event-file-writer.ts';
import {} from '../../../src/engine/tensorboard/record-reader.ts';
import { KilnError } from '../../../src/domain/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'kiln-tb-'));
after(() => rmSync(root, { recursive: true, force: true }));

let clock = 1_700_000_000.25;
const options = { hostname: 'kiln-worker', now: () => clock };

/** Mimics Keras' TensorBoard callback: one run per subdirectory, epoch_* scalars, weight histograms on train. */
function writeKerasStyleLogs(logDir: string) {
  const history = [
    { loss: 0.9, accuracy: 0.5, val_loss: 1.1, val_accuracy: 0.45 },
    { loss: 0.6, accuracy: 0.7, val_loss: 0.8, val_accuracy: 0.65 },
    { loss: 0.3, accuracy: 0.9, val_loss: 0.7, val_accuracy: 0.7 },
  ];
  const train = new EventFileWriter(join(logDir, 'train'), options);
  const validation = new EventFileWriter(join(logDir, 'validation'), options);
  history.forEach((epoch, step) => {
    clock += 1;
    train.scalar('epoch_loss', epoch.loss, step);
    train.scalar('epoch_accuracy', epoch.accuracy, step);
    train.histogram('dense/kernel_0', Float32Array.from([-0.5, 0.1 * step, 0.25, 2]), step);
    validation.scalar('epoch_loss', epoch.val_loss, step);
    validation.scalar('epoch_accuracy', epoch.val_accuracy, step, 42.5);
  });
  train.close();
  validation.close();
  return { history, train, validation };
}

test('scalars and histograms written per run read back with every value intact', async () => {
  const logDir = join(root, 'fit');
  const { history, train, validation } = writeKerasStyleLogs(logDir);
  assert.deepEqual(readdirSync(logDir).sort(), ['train', 'validation']);
  assert.equal(readdirSync(join(logDir, 'train'))[0], 'events.out.tfevents.1700000000.kiln-worker');

  const trainEvents = await readEventFile(train.path);
  assert.deepEqual(trainEvents[0], { wallTime: 1_700_000_000.25, step: 0, fileVersion: EVENT_FILE_VERSION });
  const scalars = (events: typeof trainEvents, tag: string) =>
    events.flatMap((e) => (e.summary?.values ?? []).filter((v) => v.tag === tag).map((v) => [e.step, v.simpleValue]));
  assert.deepEqual(
    scalars(trainEvents, 'epoch_loss'),
    history.map((h, i) => [i, Math.fround(h.loss)]),
  );
  assert.deepEqual(
    scalars(trainEvents, 'epoch_accuracy'),
    history.map((h, i) => [i, Math.fround(h.accuracy)]),
  );
  assert.deepEqual(
    trainEvents.slice(1).map((e) => e.wallTime),
    [1, 1, 1, 2, 2, 2, 3, 3, 3].map((s) => 1_700_000_000.25 + s),
  );

  const histos = trainEvents.flatMap(
    (e) => e.summary?.values.filter((v) => v.histo).map((v) => ({ step: e.step, ...v.histo! })) ?? [],
  );
  assert.equal(histos.length, 3);
  assert.deepEqual(
    histos.map((h) => [h.step, h.min, h.max, h.num]),
    [
      [0, -0.5, 2, 4],
      [1, -0.5, 2, 4],
      [2, -0.5, 2, 4],
    ],
  );
  assert.equal(histos[2].sum, -0.5 + Math.fround(0.2) + 0.25 + 2);
  assert.equal(
    histos[0].bucket.reduce((a, b) => a + b, 0),
    4,
  );

  const validationEvents = await readEventFile(validation.path);
  assert.deepEqual(
    scalars(validationEvents, 'epoch_loss'),
    history.map((h, i) => [i, Math.fround(h.val_loss)]),
  );
  assert.ok(
    validationEvents
      .slice(1)
      .filter((e) => e.summary?.values[0].tag === 'epoch_accuracy')
      .every((e) => e.wallTime === 42.5),
  );
});

test('a corrupted byte anywhere in the file makes the reader fail on the CRC', async () => {
  const { train } = writeKerasStyleLogs(join(root, 'corrupt'));
  const original = readFileSync(train.path);
  for (const index of [3, 20, Math.floor(original.length / 2), original.length - 2]) {
    const corrupted = Buffer.from(original);
    corrupted[index] ^= 0x40;
    writeFileSync(train.path, corrupted);
    await assert.rejects(
      readEventFile(train.path),
      (err: Error) => err instanceof KilnError && err.code === 'record_corrupt' && /CRC mismatch/.test(err.message),
    );
  }
});

test('events become readable on flush, and automatically once maxQueue events are buffered', async () => {
  const writer = new EventFileWriter(join(root, 'live'), { ...options, maxQueue: 3 });
  writer.scalar('batch_loss', 1, 0);
  writer.scalar('batch_loss', 2, 1);
  assert.equal((await readEventFile(writer.path)).length, 1, 'only the version event before a flush');
  writer.scalar('batch_loss', 3, 2);
  assert.equal((await readEventFile(writer.path)).length, 4);
  writer.scalar('batch_loss', 4, 3);
  writer.flush();
  assert.equal((await readEventFile(writer.path)).length, 5);
  writer.close();
  writer.close();
  assert.throws(() => writer.scalar('batch_loss', 5, 4), /closed/);
});

test('two writers started in the same second in one directory get separate files', () => {
  const dir = join(root, 'same-second');
  const first = new EventFileWriter(dir, options);
  const second = new EventFileWriter(dir, options);
  first.close();
  second.close();
  assert.notEqual(first.path, second.path);
  assert.equal(readdirSync(dir).length, 2);
  assert.ok(
    readdirSync(dir).every((name) => name.includes('tfevents')),
    'TensorBoard only loads names containing tfevents',
  );
});
