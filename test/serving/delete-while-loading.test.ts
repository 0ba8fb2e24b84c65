import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { pino } from 'pino';
import { FsArtifactStore } from '../../src/artifacts/fs-artifact-store.ts';
import { initBackend } from '../../src/engine/backend.ts';
import { artifactIOHandler } from '../../src/engine/io/artifact-io-handler.ts';
import { modelSignature } from '../../src/engine/model-signature.ts';
import { ServingService } from '../../src/serving/serving-service.ts';
import type { ServedModelRecord } from '../../src/serving/types.ts';

/** A real store whose reads wait for `open()`: holds a load in the moment a delete can overtake it. */
class GatedStore extends FsArtifactStore {
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  open() {
    this.release();
  }
  override async get(key: string): Promise<Buffer> {
    await this.gate;
    return super.get(key);
  }
}

let root: string;
before(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'kiln-serving-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('a model deleted while a request loads it answers 404 and does not come back into the cache', async () => {
  const store = new GatedStore(root);
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  await model.save(artifactIOHandler(store, 'models/m'));
  const record: ServedModelRecord = {
    id: 'm-1',
    name: 'm',
    version: 1,
    path: 'models/m',
    signature: modelSignature(model),
    labels: null,
    preprocessing: null,
  };
  model.dispose();
  const serving = new ServingService(
    store,
    { cacheBytes: 1 << 20, batchMaxSize: 1, batchTimeoutMs: 0, maxQueue: 64, maxInstances: 8 },
    pino({ level: 'silent' }),
  );
  try {
    const answer = serving.predict(record, { instances: [[0, 1]] });
    serving.unload(record.id); // the delete, between the request's registry read and its load
    store.open();
    await assert.rejects(
      answer,
      (error: { statusCode?: number; status?: number }) => (error.statusCode ?? error.status) === 404,
    );
    assert.equal(serving.loadedRecord(record.id), undefined, 'the deleted model is not served by id');
    assert.equal(serving.state(record.id), undefined);
  } finally {
    serving.close();
  }
});
