import { KilnError } from '../../../domain/errors.ts';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { NUL_MESSAGE } from '../../schemas/common.ts';
import type { Issue } from '../../../domain/errors.ts';

/**
 * The deepest a JSON body may nest arrays and objects. Real bodies stay far below it: an inline
 * image dataset is `dataset.inline.x[n][h][w][c]` (7 levels), a Keras `to_json()` model with
 * `inbound_nodes: [[["name", 0, 0, {}]]]` and a nested sub-model about 20. Code further in (the
 * spec's normaliser, Ajv's validators, the JSON written to PostgreSQL) walks bodies recursively, and
 * 64 keeps it thousands of stack frames away from "Maximum call stack size exceeded".
 */
const MAX_JSON_DEPTH = 64;

/**
 * Where `text` opens its (limit+1)-th nested array or object, or -1. One pass, no recursion: a regex
 * jumps between the characters that matter (`"[]{}`) so the digits of a 15 MB inline dataset cost
 * ~10 ms, a tenth of JSON.parse. Strings are skipped whole (a `[` inside one is text); malformed
 * JSON is left for JSON.parse to report.
 */
export function excessiveDepthAt(text: string, limit = MAX_JSON_DEPTH): number {
  const structural = /["[\]{}]/g;
  let depth = 0;
  for (let m = structural.exec(text); m; m = structural.exec(text)) {
    const c = text.charCodeAt(m.index);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, m.index);
      if (end < 0) return -1;
      structural.lastIndex = end + 1;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return m.index;
    } else {
      depth--;
    }
  }
  return -1;
}

/** The index of the quote closing the string that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/**
 * The field that holds offset `at` of a JSON text, as the app names fields (`compile.metrics`,
 * `model.layers[0].kernelSize`): only to word the error once a body was refused, so it may be slow.
 * The path ends at the last object key: the array indices below it would only repeat `[0]`.
 */
function fieldAt(text: string, at: number): string {
  const stack: Array<{ array: boolean; key: string | number | undefined; expectKey: boolean }> = [];
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (top && !top.array && top.expectKey) {
        const raw = text.slice(i + 1, end);
        try {
          top.key = JSON.parse(`"${raw}"`) as string;
        } catch {
          top.key = raw; // a bad escape: JSON.parse would refuse the body anyway
        }
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x5b) stack.push({ array: true, key: 0, expectKey: false });
    else if (c === 0x7b) stack.push({ array: false, key: undefined, expectKey: true });
    else if (c === 0x5d || c === 0x7d) stack.pop();
    else if (c === 0x2c /* , */ && top) {
      if (top.array) top.key = (top.key as number) + 1;
      else top.expectKey = true;
    }
  }
  // At most 16 levels: deeper, a path of `.a.a.a…` names nothing better than its ancestor does.
  const segments = stack
    .map((frame) => frame.key)
    .filter((key) => key !== undefined)
    .slice(0, 16);
  const lastKey = segments.findLastIndex((key) => typeof key === 'string');
  return formatPath(segments.slice(0, lastKey + 1)) || 'body';
}

/** `['model', 'layers', 0, 'name']` → `model.layers[0].name`, as the error handler names body fields. */
function formatPath(segments: Array<string | number>): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

const hasNul = (s: string) => s.includes('\0');
const printable = (s: string) => s.replace(/\0/g, '\\u0000');

/**
 * Every string and key holding a NUL in a parsed value (at most `max`), walked with an explicit
 * stack. PostgreSQL can hold NUL neither in text (22021) nor in jsonb (22P05).
 */
function nulFields(value: unknown, prefix: Array<string | number> = [], max = 10): Array<Array<string | number>> {
  const found: Array<Array<string | number>> = [];
  const stack: Array<[unknown, Array<string | number>]> = [[value, prefix]];
  while (stack.length && found.length < max) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (hasNul(node)) found.push(path);
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], [...path, i]]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node).reverse()) {
        if (hasNul(key)) found.push([...path, printable(key)]);
        else stack.push([child, [...path, key]]);
      }
    }
  }
  return found.slice(0, max);
}

type ParseDone = (error: Error | null, body: unknown) => void;

/**
 * The app's JSON body parser: refuses bodies nested deeper than MAX_JSON_DEPTH (before parsing) and
 * NULs anywhere in them (after), then answers like Fastify's own parser. Exported for the scopes that
 * read predict bodies their own way first (api/routes/tensor-body.ts) and fall back on it.
 */
export function guardedJsonParser(
  parseJson: (request: FastifyRequest, body: string, done: ParseDone) => void,
): (request: FastifyRequest, body: string, done: ParseDone) => void {
  return (request, body, done) => {
    const at = excessiveDepthAt(body);
    if (at >= 0)
      return done(
        KilnError.invalid([
          { path: fieldAt(body, at), message: `nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep` },
        ]),
        undefined,
      );
    parseJson(request, body, (error, parsed) => {
      if (error) return done(error, undefined);
      // JSON can only carry a NUL as the escape \u0000, so a body without one needs no walk.
      const nul = body.includes('\\u0000') ? nulFields(parsed) : [];
      if (nul.length)
        return done(
          KilnError.invalid(nul.map((path) => ({ path: formatPath(path) || 'body', message: NUL_MESSAGE }))),
          undefined,
        );
      done(null, parsed);
    });
  };
}

/**
 * Input no route should ever see, refused at the edge for every route at once with a 400 naming the
 * field: JSON bodies nested deeper than MAX_JSON_DEPTH (checked before parsing, so no recursive code
 * meets them), and the NUL character in a JSON body, a path parameter or a query value (checked
 * before validation, so it never reaches the database).
 */
export default fp(
  async (app) => {
    const parseGuarded = guardedJsonParser(app.getDefaultJsonParser('error', 'error'));
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string' },
      (request: FastifyRequest, text: string | Buffer, done) => parseGuarded(request, String(text), done),
    );

    app.addHook('preValidation', async (request) => {
      const details: Issue[] = [];
      for (const [part, value] of [
        ['params', request.params],
        ['querystring', request.query],
      ] as const) {
        for (const path of nulFields(value))
          details.push({ path: `${part}.${formatPath(path)}`, message: NUL_MESSAGE });
      }
      if (details.length) throw KilnError.invalid(details);
    });
  },
  { name: 'input-guards', dependencies: ['error-handler'] },
);
