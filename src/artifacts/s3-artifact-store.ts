import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { artifactNotFound, isArtifactNotFound, assertSafeKey, type ArtifactStore } from './artifact-store.ts';

/** Where an S3ArtifactStore keeps its objects and how it reaches them. */
export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix inside the bucket under which every artifact lives, e.g. `kiln/prod`. */
  prefix?: string;
  /** For S3-compatible servers (MinIO, Ceph, R2, ...); omit for AWS. */
  endpoint?: string;
  region: string;
  /** Omit both to use the SDK's default credential chain (env, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `bucket` in the path instead of the host name, which most self-hosted servers need. */
  forcePathStyle?: boolean;
}

// DeleteObjects accepts at most this many keys per request.
const DELETE_BATCH = 1000;

/**
 * Artifacts as objects in an S3 bucket. Streams are uploaded in parts (multipart upload); S3 only
 * makes an object visible when the upload completes, and a failed upload is aborted, so like the
 * filesystem store a reader never sees half an artifact.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(opts: S3ArtifactStoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix?.replace(/^\/+|\/+$/g, '') ?? '';
    if (this.prefix) assertSafeKey(this.prefix);
    const { accessKeyId, secretAccessKey } = opts;
    // Since SDK 3.729 every upload carries CRC32 checksum headers by default, which several S3-compatible
    // servers (R2, B2, older MinIO/Ceph) reject (aws/aws-sdk-js-v3#6810). AWS itself keeps the default.
    const checksums = opts.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      requestChecksumCalculation: checksums,
      responseChecksumValidation: checksums,
    });
  }

  /** The bucket key of an artifact key. */
  private objectKey(key: string): string {
    assertSafeKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** The bucket key prefix that everything under an artifact prefix starts with (`a/b` → `<prefix>/a/b/`),
   *  so `runs/a` does not also match `runs/ab`. */
  private folderKey(prefix: string): string {
    return `${this.objectKey(prefix.replace(/\/$/, ''))}/`;
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    // An explicit length: the SDK cannot infer one for an empty body and would warn about "unknown length".
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: body,
        ContentLength: body.byteLength,
      }),
    );
  }

  async putStream(key: string, stream: Readable): Promise<void> {
    const objectKey = this.objectKey(key);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: stream },
      // We abort ourselves below, so that a server that cannot abort does not hide why the upload failed.
      leavePartsOnError: true,
    });
    try {
      await upload.done();
    } catch (error) {
      // Like stream.pipeline in the fs store: a failed write releases its source (file handles, sockets).
      stream.destroy();
      if (upload.uploadId) await this.abortUpload(objectKey, upload.uploadId);
      throw error;
    }
  }

  /** Discards the parts of a failed multipart upload. The real key is only ever written by
   *  CompleteMultipartUpload, so this is about storage left behind, not about readers. */
  private async abortUpload(objectKey: string, uploadId: string): Promise<void> {
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId: uploadId }))
      // Leftover parts cost storage until a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes them.
      .catch(() => undefined);
  }

  async get(key: string): Promise<Buffer> {
    const body = await this.getBody(key);
    return Buffer.concat(await body.toArray());
  }

  async getStream(key: string): Promise<Readable> {
    return this.getBody(key);
  }

  private async getBody(key: string): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      // In Node the SDK hands back the HTTP response itself, a Readable.
      if (!(Body instanceof Readable)) throw new Error(`S3 returned no readable body for ${objectKey}`);
      return Body;
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    return this.size(key).then(
      () => true,
      (error: unknown) => {
        // Only "not there" means false; a wrong bucket or bad credentials should not look like a missing file.
        if (isArtifactNotFound(error)) return false;
        throw error;
      },
    );
  }

  async size(key: string): Promise<number> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return head.ContentLength ?? 0;
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys = await this.listObjectKeys(this.folderKey(prefix));
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    return keys.map((k) => k.slice(strip)).sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    // The prefix itself as a key too: the fs store's deletePrefix of a file's path removes that file.
    const keys = [this.objectKey(prefix.replace(/\/$/, '')), ...(await this.listObjectKeys(this.folderKey(prefix)))];
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const { Errors } = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (Errors?.length) {
        const first = Errors[0];
        throw new Error(
          `could not delete ${Errors.length} artifact(s), first ${first.Key}: ${first.Code} ${first.Message}`,
        );
      }
    }
  }

  /** Every object key in the bucket under a key prefix, across all ListObjectsV2 pages (1000 keys each). */
  private async listObjectKeys(keyPrefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: keyPrefix, ContinuationToken: token }),
      );
      for (const { Key } of page.Contents ?? []) {
        // Zero-byte "folder" markers made by consoles and other tools are not artifacts.
        if (Key && !Key.endsWith('/')) keys.push(Key);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}

/** artifactNotFound for S3's ways of saying "no such key", the error itself otherwise. */
function notFoundOr(error: unknown, key: string): unknown {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const missing =
    name === 'NoSuchKey' || name === 'NotFound' || ($metadata?.httpStatusCode === 404 && name !== 'NoSuchBucket');
  return missing ? artifactNotFound(key) : error;
}
