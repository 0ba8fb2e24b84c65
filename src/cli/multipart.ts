import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { CliError } from './errors.ts';
import { EXIT } from './exit-codes.ts';

/**
 * A multipart upload as the api reads it: the text fields given (undefined ones left out) first, then
 * each file as a `fileField` part named by its base name, streamed from disk. A path that is not a
 * readable file is a usage error, before anything is sent.
 */
export async function uploadForm(
  fields: Record<string, string | undefined>,
  fileField: string,
  paths: string[],
): Promise<FormData> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) form.append(key, value);
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new CliError(`${path} is not a readable file`, EXIT.usage);
    form.append(fileField, await openAsBlob(path), basename(path));
  }
  return form;
}
