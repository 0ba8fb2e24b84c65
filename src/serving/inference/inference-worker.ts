// Entry point of an inference thread: its own TensorFlow.js backend (its own wasm heap) and its own copy
// of each model it is sent, running the batches the api's micro-batchers hand it, so that the event
// loop only parses, routes and answers.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../engine/backend.ts';
import '../../engine/model/index.ts'; // registers Kiln's own layer classes, which loading needs
import type { ModelSignature } from '../../domain/model.ts';
import { runBatch } from '../run-batch.ts';
import type { InferenceReply, InferenceRequest } from './protocol.ts';

const port = parentPort!;
const models = new Map<string, { model: tf.LayersModel; signature: ModelSignature }>();

async function handle(request: InferenceRequest): Promise<void> {
  switch (request.type) {
    case 'init':
      await initBackend(request.backend);
      return;
    case 'load': {
      const model = await tf.loadLayersModel(tf.io.fromMemory(request.artifacts));
      models.get(request.id)?.model.dispose();
      models.set(request.id, { model, signature: request.signature });
      return;
    }
    case 'unload':
      models.get(request.id)?.model.dispose();
      models.delete(request.id);
      return;
    case 'run': {
      try {
        const loaded = models.get(request.id);
        if (!loaded) throw new Error(`model ${request.id} is not loaded in this inference thread`);
        const outputs = (await runBatch(loaded.model, loaded.signature, request.batch)).map((o) => ({
          ...o,
          // A buffer of its own (never a view into a backend's heap), so it can be moved, not copied.
          data: o.data.byteLength === o.data.buffer.byteLength ? o.data : o.data.slice(),
        }));
        const reply: InferenceReply = { type: 'done', seq: request.seq, outputs };
        port.postMessage(
          reply,
          outputs.map((o) => o.data.buffer as ArrayBuffer),
        );
      } catch (error) {
        port.postMessage({ type: 'failed', seq: request.seq, message: (error as Error)?.message ?? String(error) });
      }
    }
  }
}

// One request at a time, in the order sent: a load is done before the runs after it.
let chain = Promise.resolve();
port.on('message', (request: InferenceRequest) => {
  chain = chain
    .then(() => handle(request))
    .catch((error: unknown) => {
      // A failed init or load: the runs that follow fail on their own with a message saying why.
      console.error('inference thread:', (error as Error)?.message ?? error);
    });
});
port.postMessage({ type: 'listening' } satisfies InferenceReply);
