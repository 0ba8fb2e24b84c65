import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { waitFor } from './http.ts';

/** The real MNIST test set shipped beside the repository (../shared/datasets/mnist). */
export const MNIST_DIR = fileURLToPath(new URL('../../../shared/datasets/mnist/', import.meta.url));
export const MNIST_FILES = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** POSTs files as multipart/form-data to /datasets, with extra form fields. */
export async function uploadDataset(
  base: string,
  files: Array<{ name: string; data: Uint8Array }>,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const file of files) form.append('files', new Blob([file.data]), file.name);
  const response = await fetch(`${base}/datasets`, { method: 'POST', body: form, headers });
  return { status: response.status, body: (await response.json()) as any };
}

/** Reads the real MNIST files. */
export async function mnistFiles() {
  return Promise.all(
    MNIST_FILES.map(async (name) => ({ name, data: new Uint8Array(await readFile(`${MNIST_DIR}${name}`)) })),
  );
}

/** Waits until a dataset leaves `ingesting` and returns it. */
export function waitForDataset(base: string, id: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const body = (await (await fetch(`${base}/datasets/${id}`)).json()) as any;
      return body.status !== 'ingesting' ? body : undefined;
    },
    timeoutMs,
    `dataset ${id} to be ingested`,
  );
}
