import type { FastifyInstance } from 'fastify';
import { scanTensors, type TensorPath } from '../../serving/scan-tensors.ts';
import { guardedJsonParser } from '../plugins/infra/input-guards.ts';

/**
 * Makes the calling (encapsulated) scope read JSON predict bodies with serving's tensor scanner: the
 * number arrays of `instances`, `inputs` and v2's `data` go straight into flat tensors, and the rest of
 * the body through the app's guarded JSON parser. A body the scanner gives up on, or whose rest the
 * parser refuses, is parsed whole by the guarded parser, so malformed bodies get the errors they always
 * got. This scope only: every other route keeps the app's parser.
 */
export function readTensorsFast(app: FastifyInstance): void {
  const parseGuarded = guardedJsonParser(app.getDefaultJsonParser('error', 'error'));
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    const bytes = raw as Buffer;
    const scanned = scanTensors(bytes);
    if (!scanned) return parseGuarded(request, bytes.toString('utf8'), done);
    parseGuarded(request, scanned.rest, (error, parsed) => {
      // The error of the body as sent (its positions are the client's), not of the rest.
      if (error) return parseGuarded(request, bytes.toString('utf8'), done);
      for (const { path, tensor } of scanned.tensors) placeAt(parsed, path, tensor);
      done(null, parsed);
    });
  });
}

/** Puts a tensor where the scanner left `null` for it. */
function placeAt(body: unknown, path: TensorPath, value: unknown): void {
  let node = body as Record<string | number, unknown> | null;
  for (const key of path.slice(0, -1)) {
    node = node?.[key] as Record<string | number, unknown> | null;
    if (typeof node !== 'object' || node === null) return;
  }
  const last = path[path.length - 1]!;
  if (node && node[last] === null) node[last] = value;
}
