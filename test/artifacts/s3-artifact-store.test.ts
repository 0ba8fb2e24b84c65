import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { openArtifactStore } from '../../src/artifacts/index.ts';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from '../../src/artifacts/s3-artifact-store.ts';
import { artifactStoreContract } from './contract.ts';
import { startS3rver, type RunningS3rver } from './s3rver-process.ts';

let s3: RunningS3rver;

before(async () => {
  s3 = await startS3rver('kiln-test');
});
after(async () => {
  await s3?.stop();
});

/** Options for a store on the test server, under its own key prefix so tests never see each other's keys. */
function storeOptions(prefix = `kiln/${randomUUID()}`): S3ArtifactStoreOptions {
  const { bucket, endpoint, accessKeyId, secretAccessKey } = s3;
  return { bucket, prefix, endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, forcePathStyle: true };
}

/** Every object key in the test bucket under a key prefix, as an operator browsing the bucket sees them. */
async function bucketKeys(prefix: string): Promise<string[]> {
  const client = new S3Client({
    ...storeOptions(),
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
  } finally {
    client.destroy();
  }
}

artifactStoreContract('S3ArtifactStore', async () => {
  const store = new S3ArtifactStore(storeOptions());
  return { store, cleanup: async () => store.close() };
});

describe('S3ArtifactStore in a shared bucket', () => {
  test('artifacts are stored under the configured prefix', async () => {
    const prefix = `deployments/${randomUUID()}`;
    const store = new S3ArtifactStore(storeOptions(`/${prefix}/`));
    try {
      await store.put('runs/r1/model.json', '{}');
      assert.deepEqual(await bucketKeys(`${prefix}/`), [`${prefix}/runs/r1/model.json`]);
      assert.deepEqual(await store.list('runs'), ['runs/r1/model.json']);
    } finally {
      store.close();
    }
  });

  test('stores with different prefixes do not see or delete each other’s artifacts', async () => {
    const a = new S3ArtifactStore(storeOptions());
    const b = new S3ArtifactStore(storeOptions());
    try {
      await a.put('runs/r1/model.json', 'from a');
      await b.put('runs/r2/model.json', 'from b');

      assert.deepEqual(await a.list('runs'), ['runs/r1/model.json']);
      assert.equal(await b.exists('runs/r1/model.json'), false);
      await b.deletePrefix('runs');
      assert.equal((await a.get('runs/r1/model.json')).toString(), 'from a');
    } finally {
      a.close();
      b.close();
    }
  });

  test('a store without a prefix uses keys as bucket keys', async () => {
    const id = randomUUID();
    const store = new S3ArtifactStore({ ...storeOptions(), prefix: undefined });
    try {
      await store.put(`unprefixed-${id}/a.txt`, 'a');
      assert.deepEqual(await bucketKeys(`unprefixed-${id}/`), [`unprefixed-${id}/a.txt`]);
      assert.deepEqual(await store.list(`unprefixed-${id}`), [`unprefixed-${id}/a.txt`]);
    } finally {
      store.close();
    }
  });

  test("openArtifactStore with kind 's3' stores artifacts in the bucket", async () => {
    const prefix = `opened/${randomUUID()}`;
    const store = openArtifactStore({ dataDir: '/nonexistent', kind: 's3', s3: storeOptions(prefix) });
    try {
      await store.put('runs/r1/model.json', '{}');
      assert.deepEqual(await bucketKeys(`${prefix}/`), [`${prefix}/runs/r1/model.json`]);
    } finally {
      store.close?.();
    }
  });

  test('a bucket that does not exist is an error, not a missing artifact', async () => {
    const store = new S3ArtifactStore({ ...storeOptions(), bucket: 'no-such-bucket' });
    try {
      await assert.rejects(store.get('runs/r1/model.json'), (error: Error) => error.name === 'NoSuchBucket');
      await assert.rejects(store.list('runs'), (error: Error) => error.name === 'NoSuchBucket');
    } finally {
      store.close();
    }
  });
});
