import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { artifactNotFound, assertSafeKey, type ArtifactStore } from './artifact-store.ts';

/** Artifacts as files under one directory. Writes go to a temporary name and are renamed into place,
 *  so a reader never sees half a file and a crash leaves no partial artifact under its real name. */
export class FsArtifactStore implements ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    assertSafeKey(key);
    return join(this.root, ...key.split('/'));
  }

  private async writeAtomically(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true }).catch(async (error: unknown) => {
      // A recursive mkdir on a read-only mount reports ENOENT; the store's root tells the real cause.
      await access(this.root, constants.W_OK);
      throw error;
    });
    const tmp = `${target}.${randomUUID()}.partial`;
    try {
      await write(tmp);
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    await this.writeAtomically(key, (tmp) => writeFile(tmp, data));
  }

  async putStream(key: string, stream: Readable): Promise<void> {
    await this.writeAtomically(key, (tmp) => pipeline(stream, createWriteStream(tmp)));
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.path(key);
    try {
      await stat(path);
    } catch (error) {
      throw notFoundOr(error, key);
    }
    return createReadStream(path);
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.path(key)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.path(key))).size;
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.path(prefix.replace(/\/$/, ''));
    const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith('.partial'))
      .map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'))
      .sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.path(prefix.replace(/\/$/, '')), { recursive: true, force: true });
  }
}

function notFoundOr(error: unknown, key: string): unknown {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? artifactNotFound(key) : error;
}
