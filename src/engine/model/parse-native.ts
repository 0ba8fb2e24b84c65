import type { Issue } from '../../domain/errors.ts';
import {
  isObject,
  readInputDtype,
  readShape,
  type GraphInput,
  type GraphNode,
  type ParseResult,
  type Ref,
} from './graph.ts';
import { sequentialGraph, type SequentialEntry } from './parse-sequential.ts';
import { isLayerEntry, joinPath, layerLabel } from './spec-error.ts';

const NATIVE_STRUCTURAL = ['type', 'name', 'inputs', 'shares'];

function rest(obj: Record<string, unknown>, drop: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !drop.includes(k)));
}

function modelName(spec: Record<string, unknown>, fallback: string, issues: Issue[]): string {
  if (spec.name === undefined) return fallback;
  if (typeof spec.name === 'string' && spec.name.length > 0) return spec.name;
  issues.push({ path: 'model.name', message: 'name must be a non-empty string' });
  return fallback;
}

function layerList(spec: Record<string, unknown>, issues: Issue[]): unknown[] | undefined {
  if (Array.isArray(spec.layers)) return spec.layers;
  issues.push({ path: 'model.layers', message: 'layers must be a list of layer objects' });
  return undefined;
}

/** Parses a native sequential spec: `{type: "sequential", name?, layers: [{type, ...args}]}`. */
export function parseNativeSequential(spec: Record<string, unknown>): ParseResult {
  const issues: Issue[] = [];
  const name = modelName(spec, 'sequential', issues);
  const layers = layerList(spec, issues);
  if (!layers) return { issues };
  const entries: SequentialEntry[] = [];
  layers.forEach((layer, i) => {
    const path = `model.layers[${i}]`;
    if (!isLayerEntry(layer, i, issues)) return;
    if (layer.name !== undefined && (typeof layer.name !== 'string' || layer.name === '')) {
      issues.push({ path: `${path}.name`, message: `layer ${i} (${layer.type}): name must be a non-empty string` });
      return;
    }
    for (const key of ['inputs', 'shares']) {
      if (key in layer)
        issues.push({
          path: joinPath(path, key),
          message: `layer ${i} (${layer.type}): "${key}" is only allowed in functional models`,
        });
    }
    entries.push({
      name: layer.name as string | undefined,
      namePath: `${path}.name`,
      type: layer.type,
      typePath: `${path}.type`,
      rawArgs: rest(layer, NATIVE_STRUCTURAL),
      argsPath: path,
      path,
    });
  });
  if (issues.length > 0) return { issues };
  return sequentialGraph(name, entries, false, 'model.layers');
}

function stringList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  return Array.isArray(list) && list.length > 0 && list.every((v) => typeof v === 'string') ? list : undefined;
}

function refs(list: string[], path: string, single: boolean): Ref[] {
  return list.map((name, i) => ({ name, path: single ? path : `${path}[${i}]` }));
}

/** Parses a native functional spec: named inputs, named layers wired by `inputs`, `shares` for shared layers, named outputs. */
export function parseNativeFunctional(spec: Record<string, unknown>): ParseResult {
  const issues: Issue[] = [];
  const name = modelName(spec, 'model', issues);
  const names = new Map<string, string>();
  const claim = (n: string, path: string, label: string): void => {
    if (names.has(n)) issues.push({ path, message: `${label}: duplicate name (also used at ${names.get(n)})` });
    else names.set(n, path);
  };

  const inputs: GraphInput[] = [];
  if (!Array.isArray(spec.inputs) || spec.inputs.length === 0) {
    issues.push({ path: 'model.inputs', message: 'inputs must be a non-empty list of {"name": ..., "shape": [...]}' });
  } else {
    spec.inputs.forEach((input, i) => {
      const path = `model.inputs[${i}]`;
      if (!isObject(input) || typeof input.name !== 'string' || input.name === '') {
        issues.push({ path, message: `input ${i}: must be an object with a "name" and a "shape"` });
        return;
      }
      const label = `input "${input.name}"`;
      claim(input.name, `${path}.name`, label);
      const shape = readShape(input.shape, false);
      const dtype = readInputDtype(input.dtype);
      if (!shape)
        issues.push({
          path: `${path}.shape`,
          message: `${label}: shape must be a list of positive integers (null for any size), without the batch axis`,
        });
      if (!dtype) issues.push({ path: `${path}.dtype`, message: `${label}: dtype must be "float32" or "int32"` });
      for (const key of Object.keys(input)) {
        if (!['name', 'shape', 'dtype'].includes(key))
          issues.push({ path: joinPath(path, key), message: `${label}: unknown field "${key}"` });
      }
      if (shape && dtype) inputs.push({ name: input.name, shape, dtype, path });
    });
  }

  const nodes: GraphNode[] = [];
  const layers = layerList(spec, issues) ?? [];
  layers.forEach((layer, i) => {
    const path = `model.layers[${i}]`;
    if (!isObject(layer) || typeof layer.name !== 'string' || layer.name === '') {
      issues.push({ path, message: `layer ${i}: must be an object with a "name"` });
      return;
    }
    const shares = typeof layer.shares === 'string' ? layer.shares : undefined;
    const type = typeof layer.type === 'string' ? layer.type : undefined;
    const label = layerLabel(layer.name, type ?? (shares ? `shares "${shares}"` : '?'));
    claim(layer.name, `${path}.name`, label);
    if (layer.shares !== undefined && shares === undefined)
      issues.push({ path: `${path}.shares`, message: `${label}: shares must be the name of another layer` });
    if (!type && !shares)
      issues.push({ path: `${path}.type`, message: `${label}: needs a "type" (or "shares" to reuse another layer)` });
    const inputList = stringList(layer.inputs);
    if (!inputList)
      issues.push({
        path: `${path}.inputs`,
        message: `${label}: inputs must be a layer or input name, or a list of them`,
      });
    const args = rest(layer, NATIVE_STRUCTURAL);
    if (shares) {
      if (type !== undefined)
        issues.push({
          path: `${path}.type`,
          message: `${label}: a layer that shares another layer takes its type from it; remove "type"`,
        });
      for (const key of Object.keys(args)) {
        issues.push({
          path: joinPath(path, key),
          message: `${label}: a layer that shares "${shares}" takes only name, shares and inputs; "${key}" is not allowed`,
        });
      }
    }
    if (!inputList) return;
    nodes.push({
      name: layer.name,
      type: type ?? '',
      typePath: `${path}.type`,
      rawArgs: args,
      argsPath: path,
      path,
      inputs: refs(inputList, `${path}.inputs`, typeof layer.inputs === 'string'),
      inputsPath: `${path}.inputs`,
      shares: shares ? { name: shares, path: `${path}.shares` } : undefined,
    });
  });

  const outputList = stringList(spec.outputs);
  if (!outputList)
    issues.push({ path: 'model.outputs', message: 'outputs must be a layer name or a non-empty list of layer names' });
  if (issues.length > 0 || !outputList) return { issues };
  const outputs = refs(outputList, 'model.outputs', typeof spec.outputs === 'string');
  return { graph: { name, sequential: false, lenient: false, inputs, nodes, outputs }, issues };
}
