import { Value } from '@sinclair/typebox/value';
import { KilnError } from '../errors.ts';
import { normalizeRunSpec } from './normalize.ts';
import { RunSpecSchema, type RunSpec } from './schema.ts';

/** `/fit/epochs` → `fit.epochs`, `/layers/2/units` → `layers[2].units`. */
export function pointerToPath(pointer: string): string {
  const segments = pointer
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'spec';
}

/**
 * A run spec as a client wrote it (Keras spellings welcome) → the typed, defaulted RunSpec, or a
 * KilnError (`invalid_spec`) naming each field that does not fit the schema. The api does the same
 * through Fastify's validator (routes/runs); this is the edge for everything else that takes a spec
 * as JSON: the CLI's checks, scripts and tests. Deep checks (the model graph, shapes) are
 * validateRunSpec's, in the engine.
 */
export function parseRunSpec(body: unknown): RunSpec {
  const spec = Value.Default(RunSpecSchema, normalizeRunSpec(body));
  if (Value.Check(RunSpecSchema, spec)) return spec;
  const issues = [...Value.Errors(RunSpecSchema, spec)]
    .slice(0, 20)
    .map((e) => ({ path: pointerToPath(e.path), message: e.message }));
  throw KilnError.invalid(issues, 'invalid_spec');
}
