import type { Issue } from '../../domain/errors.ts';
import { isObject, type GraphNode, type ModelGraph, type ParseResult } from './graph.ts';
import { findLayerDef } from './layers/index.ts';
import { NameAllocator } from './naming.ts';
import { parseKeras } from './parse-keras.ts';
import { isLayerEntry, joinPath } from './spec-error.ts';

/** Keys of a head layer that are structure, not arguments. */
const HEAD_STRUCTURAL = ['type', 'name'];

const stringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Issues found inside the base model point at it: `model.base…` rather than a config the user never wrote. */
const inBase = (issues: Issue[]): Issue[] =>
  issues.map((i) => ({ ...i, path: i.path.replace(/^model\.config(\.config)?/, 'model.base') }));

/** Every node `top` depends on, itself included (the part of the base a transfer keeps). */
function ancestors(graph: ModelGraph, top: string): Set<string> {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const kept = new Set<string>();
  const visit = (name: string) => {
    const node = byName.get(name);
    if (!node || kept.has(name)) return;
    kept.add(name);
    for (const ref of node.inputs) visit(ref.name);
    if (node.shares) visit(node.shares.name);
  };
  visit(top);
  return kept;
}

/**
 * Parses a transfer-learning spec: a registered model as the base (its Keras config resolved by the api
 * into `resolved.config`), optionally cut after the layer `upTo`, frozen or not (`trainable`, with
 * `freeze` / `unfreeze` by layer name), with new `layers` stacked on top as in a Sequential model.
 * The base's layers keep their names, so its weights find them; new layers get fresh ones.
 */
export function parseTransfer(spec: Record<string, unknown>): ParseResult {
  const issues: Issue[] = [];
  const resolved = spec.resolved;
  if (!isObject(resolved) || !isObject(resolved.config)) {
    return {
      issues: [
        {
          path: 'model.base',
          message:
            'the base model was not resolved (name a registered model: <id>, <name>, <name>@<version> or <name>@<alias>)',
        },
      ],
    };
  }
  const base = parseKeras({ type: 'keras', config: resolved.config });
  if (!base.graph) return { issues: inBase(base.issues) };
  const graph = base.graph;
  const nodeNames = graph.nodes.map((n) => n.name);

  let top: string[] = graph.outputs.map((r) => r.name);
  if (spec.upTo !== undefined) {
    if (typeof spec.upTo !== 'string' || !nodeNames.includes(spec.upTo)) {
      return {
        issues: [
          {
            path: 'model.upTo',
            message: `the base model has no layer ${JSON.stringify(spec.upTo)} (its layers: ${nodeNames.join(', ')})`,
          },
        ],
      };
    }
    top = [spec.upTo];
  }
  const kept = new Set(top.flatMap((name) => [...ancestors(graph, name)]));
  const nodes = graph.nodes.filter((n) => kept.has(n.name));
  const used = new Set(nodes.flatMap((n) => n.inputs.map((r) => r.name)));

  // Freezing: the whole base (trainable: false, as Keras' base.trainable = False), then by name.
  for (const key of ['freeze', 'unfreeze'] as const) {
    const names = spec[key];
    if (names === undefined) continue;
    if (!stringList(names)) issues.push({ path: `model.${key}`, message: `${key} must be a list of layer names` });
    else
      for (const name of names.filter((n) => !kept.has(n)))
        issues.push({ path: `model.${key}`, message: `the base model (as kept) has no layer "${name}"` });
  }
  if (spec.trainable !== undefined && typeof spec.trainable !== 'boolean')
    issues.push({ path: 'model.trainable', message: 'trainable must be true or false' });
  const frozen = (name: string) =>
    spec.trainable === false
      ? !(stringList(spec.unfreeze) && spec.unfreeze.includes(name))
      : stringList(spec.freeze) && spec.freeze.includes(name);
  const baseNodes: GraphNode[] = nodes.map((n) =>
    frozen(n.name) ? { ...n, rawArgs: { ...n.rawArgs, trainable: false } } : n,
  );

  // The head: new layers stacked on the kept top, each fed by the one before.
  const head: GraphNode[] = [];
  if (spec.layers !== undefined) {
    if (!Array.isArray(spec.layers))
      return { issues: [{ path: 'model.layers', message: 'layers must be a list of layer objects' }] };
    if (top.length !== 1) {
      issues.push({
        path: 'model.upTo',
        message: `the base model has ${top.length} outputs: name the layer to put new layers on with upTo`,
      });
    }
    const names = new NameAllocator([...nodeNames, ...graph.inputs.map((i) => i.name)]);
    let previous = top[0]!;
    spec.layers.forEach((layer, i) => {
      const path = `model.layers[${i}]`;
      if (!isLayerEntry(layer, i, issues)) return;
      const name =
        typeof layer.name === 'string' && layer.name
          ? layer.name
          : names.next(findLayerDef(layer.type)?.type ?? layer.type);
      if (kept.has(name) || head.some((h) => h.name === name)) {
        issues.push({
          path: `${path}.name`,
          message: `layer name "${name}" is already used by the base model or another new layer`,
        });
        return;
      }
      const rawArgs = Object.fromEntries(Object.entries(layer).filter(([k]) => !HEAD_STRUCTURAL.includes(k)));
      head.push({
        name,
        type: layer.type,
        typePath: `${path}.type`,
        rawArgs,
        argsPath: path,
        path,
        inputs: [{ name: previous, path: joinPath(path, 'type') }],
        inputsPath: path,
      });
      previous = name;
    });
  }
  if (issues.length) return { issues };
  const outputs = head.length ? [head.at(-1)!.name] : top;
  return {
    issues: [],
    graph: {
      name: typeof spec.name === 'string' && spec.name ? spec.name : graph.name,
      sequential: false,
      lenient: true,
      inputs: graph.inputs.filter((i) => used.has(i.name) || top.includes(i.name)),
      nodes: [...baseNodes, ...head],
      outputs: outputs.map((name) => ({ name, path: head.length ? 'model.layers' : 'model.base' })),
    },
  };
}
