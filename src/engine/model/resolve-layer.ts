import type { Issue } from '../../domain/errors.ts';
import { normalizeArgs, type Args } from './args.ts';
import { isObject } from './graph.ts';
import type { LayerDef, ResolvedLayer } from './layer-def.ts';
import { findLayerDef, LAYER_TYPES } from './layers/index.ts';
import { kerasLayerEntry } from './parse-keras.ts';
import { layerLabel } from './spec-error.ts';

export interface ResolveInput {
  name: string;
  type: string;
  typePath: string;
  rawArgs: Record<string, unknown>;
  argsPath: string;
  /** Keras documents: unknown null/false fields are ignored and nested layers use {class_name, config}. */
  lenient: boolean;
}

export interface Resolved extends ResolvedLayer {
  rawKeys: Record<string, string>;
}

/** Finds the layer type and checks its arguments; reports issues and returns undefined when anything is wrong. */
export function resolveLayer(input: ResolveInput, issues: Issue[]): Resolved | undefined {
  const def: LayerDef | undefined = findLayerDef(input.type);
  if (!def) {
    const hint =
      input.type === 'InputLayer'
        ? 'InputLayer is only allowed as a model input'
        : `supported types: ${LAYER_TYPES.join(', ')}`;
    issues.push({
      path: input.typePath,
      message: `${layerLabel(input.name, input.type)}: unknown layer type "${input.type}" (${hint})`,
    });
    return undefined;
  }
  const label = layerLabel(input.name, def.type);
  const parseNested = (value: unknown, path: string): ResolvedLayer | undefined => {
    const nestedName = `${input.name}/layer`;
    if (input.lenient) {
      const { entry, issue } = kerasLayerEntry(value, path, nestedName);
      if (!entry) return void issues.push(issue as Issue);
      return resolveLayer({ ...entry, name: entry.name ?? nestedName, lenient: true }, issues);
    }
    if (!isObject(value) || typeof value.type !== 'string') {
      return void issues.push({
        path,
        message: `${label}: layer must be a layer object with a "type", e.g. {"type": "LSTM", "units": 32}`,
      });
    }
    const { type, name, ...rawArgs } = value;
    const nested = typeof name === 'string' ? name : nestedName;
    return resolveLayer(
      { name: nested, type, typePath: `${path}.type`, rawArgs, argsPath: path, lenient: false },
      issues,
    );
  };
  const normalized = normalizeArgs(input.rawArgs, def.args, {
    argsPath: input.argsPath,
    label,
    lenientUnknown: input.lenient,
    parseNested,
    issues,
  });
  return normalized.ok ? { def, args: normalized.args as Args, rawKeys: normalized.rawKeys } : undefined;
}
