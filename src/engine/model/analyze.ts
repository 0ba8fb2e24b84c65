import type { Issue } from '../../domain/errors.ts';
import type { GraphNode, ModelGraph, ParseResult } from './graph.ts';
import { isObject } from './graph.ts';
import { showShape, type WeightSpec } from './layer-def.ts';
import { parseKeras } from './parse-keras.ts';
import { parseTransfer } from './parse-transfer.ts';
import { parseNativeFunctional, parseNativeSequential } from './parse-native.ts';
import { resolveLayer, type Resolved } from './resolve-layer.ts';
import { joinPath, layerLabel, layerRuleArg } from './spec-error.ts';
import type { LayerSummary, ModelSummary, Shape } from './types.ts';

export const DEFAULT_MAX_PARAMS = 50_000_000;

/** A node whose layer, shapes and weights are known; what buildModel consumes. */
export interface PlannedNode {
  node: GraphNode;
  layer: Resolved;
  /** Name of the node that owns the layer when this node reuses it. */
  sharesWith?: string;
  inputShapes: Shape[];
  outputShape: Shape;
  /** Weights this node creates (empty when it reuses another node's layer). */
  weights: WeightSpec[];
}

export interface ModelPlan {
  graph: ModelGraph;
  /** Nodes in a valid execution order. */
  order: PlannedNode[];
}

export interface Analysis {
  issues: Issue[];
  summary?: ModelSummary;
  plan?: ModelPlan;
}

function parseSpec(spec: unknown): ParseResult {
  if (!isObject(spec)) return { issues: [{ path: 'model', message: 'model must be an object with a "type"' }] };
  switch (spec.type) {
    case 'sequential':
      return parseNativeSequential(spec);
    case 'functional':
      return parseNativeFunctional(spec);
    case 'keras':
      return parseKeras(spec);
    case 'transfer':
      return parseTransfer(spec);
    default:
      return {
        issues: [
          {
            path: 'model.type',
            message: `type must be "sequential", "functional", "keras" or "transfer", got ${JSON.stringify(spec.type)}`,
          },
        ],
      };
  }
}

/** Names a node waits for: its inputs and the layer it shares. */
function dependencies(node: GraphNode): string[] {
  return node.shares ? [...node.inputs.map((r) => r.name), node.shares.name] : node.inputs.map((r) => r.name);
}

/**
 * Execution order (dependencies first, otherwise listing order), by iterative depth-first search so that deep
 * graphs cannot overflow the stack. Nodes in or behind a cycle are returned as `stuck`.
 */
function orderNodes(
  graph: ModelGraph,
  nodesByName: Map<string, GraphNode>,
): { order: GraphNode[]; stuck: GraphNode[] } {
  const state = new Map<string, 'active' | 'done' | 'blocked'>();
  const order: GraphNode[] = [];
  for (const root of graph.nodes) {
    const stack: Array<{ node: GraphNode; next: number }> = [{ node: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next === 0) {
        if (state.has(top.node.name)) {
          stack.pop();
          continue;
        }
        state.set(top.node.name, 'active');
      }
      const deps = dependencies(top.node);
      if (top.next < deps.length) {
        // Unknown names and model inputs are leaves; dangling references are reported elsewhere.
        const dep = nodesByName.get(deps[top.next++]);
        if (dep && !state.has(dep.name)) stack.push({ node: dep, next: 0 });
        continue;
      }
      stack.pop();
      const blocked = deps.some((d) => state.get(d) === 'active' || state.get(d) === 'blocked');
      state.set(top.node.name, blocked ? 'blocked' : 'done');
      if (!blocked) order.push(top.node);
    }
  }
  return { order, stuck: graph.nodes.filter((n) => state.get(n.name) === 'blocked') };
}

function reportCycles(stuck: GraphNode[], issues: Issue[], typeOf: (n: GraphNode) => string): void {
  const byName = new Map(stuck.map((n) => [n.name, n]));
  const walkOf = new Map<string, number>();
  stuck.forEach((start, walk) => {
    // Follow stuck producers until reaching a node seen before: in this walk it closes a cycle,
    // in an earlier walk that cycle is already reported.
    const trail: GraphNode[] = [];
    let current: GraphNode | undefined = start;
    while (current && !walkOf.has(current.name)) {
      walkOf.set(current.name, walk);
      trail.push(current);
      const next: string | undefined = dependencies(current).find((d) => byName.has(d));
      current = next === undefined ? undefined : byName.get(next);
    }
    if (!current || walkOf.get(current.name) !== walk) return;
    const cycle = trail.slice(trail.indexOf(current));
    // The walk goes consumer → producer; show data-flow order instead.
    const flow = [...cycle].reverse().map((n) => n.name);
    const first = cycle[0];
    issues.push({
      path: first.inputsPath,
      message: `${layerLabel(first.name, typeOf(first))}: inputs form a cycle: ${[...flow, flow[0]].join(' → ')}`,
    });
  });
}

function checkRank(node: GraphNode, layer: Resolved, shapes: Shape[], issues: Issue[]): boolean {
  const { rank, type } = layer.def;
  for (const [i, shape] of shapes.entries()) {
    if (shape.length >= rank.min && (rank.max === undefined || shape.length <= rank.max)) continue;
    const expected = rank.max === rank.min ? `rank ${rank.min}` : `rank >= ${rank.min}`;
    const meaning = rank.meaning ? ` ${rank.meaning}` : '';
    issues.push({
      path: node.inputs[i]?.path ?? node.path,
      message: `${layerLabel(node.name, type)}: expects input of ${expected}${meaning} without the batch axis, got ${showShape(shape)} from "${node.inputs[i]?.name}"`,
    });
    return false;
  }
  return true;
}

function sameWeights(a: WeightSpec[], b: WeightSpec[]): boolean {
  return JSON.stringify(a.map((w) => w.shape)) === JSON.stringify(b.map((w) => w.shape));
}

function countParams(weights: WeightSpec[]): number {
  return weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** Parses, checks and sizes a model spec without creating any tensors. */
export function analyzeSpec(spec: unknown, maxParams = DEFAULT_MAX_PARAMS): Analysis {
  const parsed = parseSpec(spec);
  if (!parsed.graph) return { issues: parsed.issues };
  const { graph } = parsed;
  const issues = [...parsed.issues];

  const resolved = new Map<string, Resolved>();
  for (const node of graph.nodes) {
    if (node.shares) continue;
    const layer = resolveLayer({ ...node, lenient: graph.lenient }, issues);
    if (layer) resolved.set(node.name, layer);
  }
  const nodesByName = new Map(graph.nodes.map((n) => [n.name, n]));
  const inputNames = new Set(graph.inputs.map((i) => i.name));
  const known = new Set([...inputNames, ...nodesByName.keys()]);
  const typeOf = (n: GraphNode): string => {
    const owner = n.shares ? nodesByName.get(n.shares.name) : n;
    if (!owner) return `shares "${n.shares?.name}"`;
    return resolved.get(owner.name)?.def.type ?? owner.type;
  };

  // References, sharing and input counts.
  const broken = new Set<string>();
  for (const node of graph.nodes) {
    const label = layerLabel(node.name, typeOf(node));
    for (const ref of node.inputs) {
      if (!known.has(ref.name)) {
        issues.push({ path: ref.path, message: `${label}: input "${ref.name}" does not exist` });
        broken.add(node.name);
      }
    }
    if (node.shares) {
      const target = nodesByName.get(node.shares.name);
      if (!target) {
        issues.push({
          path: node.shares.path,
          message: `${label}: shares "${node.shares.name}", which is not a layer of this model`,
        });
        broken.add(node.name);
      } else if (target.shares) {
        issues.push({
          path: node.shares.path,
          message: `${label}: shares "${target.name}", which itself shares "${target.shares.name}"; share "${target.shares.name}" directly`,
        });
        broken.add(node.name);
      }
    }
    const def = resolved.get(node.shares?.name ?? node.name)?.def;
    if (def?.arity === 'many' && node.inputs.length < 2) {
      issues.push({ path: node.inputsPath, message: `${label}: needs at least 2 inputs, got ${node.inputs.length}` });
      broken.add(node.name);
    } else if (def?.arity === 'one' && node.inputs.length !== 1) {
      issues.push({ path: node.inputsPath, message: `${label}: takes exactly 1 input, got ${node.inputs.length}` });
      broken.add(node.name);
    }
  }

  const { order, stuck } = orderNodes(graph, nodesByName);
  reportCycles(stuck, issues, typeOf);

  // Shapes and weights, in execution order; a node behind a failed one is skipped silently to avoid cascades.
  const shapes = new Map<string, Shape>(graph.inputs.map((i) => [i.name, i.shape]));
  const planned = new Map<string, PlannedNode>();
  const plan: PlannedNode[] = [];
  for (const node of order) {
    const owner = node.shares?.name ?? node.name;
    const layer = resolved.get(owner);
    const inputShapes = node.inputs.map((r) => shapes.get(r.name));
    if (!layer || broken.has(node.name) || inputShapes.some((s) => s === undefined)) continue;
    const defined = inputShapes as Shape[];
    if (!checkRank(node, layer, defined, issues)) continue;
    const label = layerLabel(node.name, layer.def.type);
    try {
      const outputShape = layer.def.outputShape(defined, layer.args);
      const weights = layer.def
        .weights(defined, layer.args)
        .map((w) => ({ ...w, trainable: w.trainable && layer.args.trainable !== false }));
      if (node.shares) {
        const ownerPlan = planned.get(owner);
        if (!ownerPlan) continue;
        if (!sameWeights(weights, ownerPlan.weights)) {
          issues.push({
            path: node.inputsPath,
            message: `${label}: shares "${owner}" but its input ${defined.map(showShape).join(', ')} needs different weights than "${owner}" has (built for ${ownerPlan.inputShapes.map(showShape).join(', ')})`,
          });
          continue;
        }
      }
      const entry: PlannedNode = {
        node,
        layer,
        sharesWith: node.shares ? owner : undefined,
        inputShapes: defined,
        outputShape,
        weights: node.shares ? [] : weights,
      };
      shapes.set(node.name, outputShape);
      planned.set(node.name, entry);
      plan.push(entry);
    } catch (error) {
      const rule = layerRuleArg(error);
      if (!rule) throw error;
      const rawKey = rule.arg ? (layer.rawKeys[rule.arg] ?? rule.arg) : undefined;
      const path = node.shares ? node.inputsPath : rawKey ? joinPath(node.argsPath, rawKey) : node.path;
      issues.push({ path, message: `${label}: ${(error as Error).message}` });
    }
  }

  for (const ref of graph.outputs) {
    if (!nodesByName.has(ref.name) && !inputNames.has(ref.name))
      issues.push({ path: ref.path, message: `output "${ref.name}" does not exist` });
  }
  if (!graph.sequential && issues.length === 0) reportUnused(graph, nodesByName, typeOf, issues);
  if (issues.length > 0) return { issues };

  const summary = summarize(graph, plan);
  if (summary.totalParams > maxParams) {
    const biggest = [...plan].sort((a, b) => countParams(b.weights) - countParams(a.weights))[0];
    issues.push({
      path: 'model',
      message: `model "${graph.name}" has ${summary.totalParams.toLocaleString('en-US')} parameters, over the limit of ${maxParams.toLocaleString('en-US')}; the largest is ${layerLabel(biggest.node.name, biggest.layer.def.type)} with ${countParams(biggest.weights).toLocaleString('en-US')}`,
    });
    return { issues };
  }
  return { issues, summary, plan: { graph, order: plan } };
}

/** Every layer and input must contribute to an output; Keras would silently drop them, which hides wiring mistakes. */
function reportUnused(
  graph: ModelGraph,
  nodesByName: Map<string, GraphNode>,
  typeOf: (n: GraphNode) => string,
  issues: Issue[],
): void {
  const used = new Set<string>();
  const pending = graph.outputs.map((r) => r.name);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (used.has(name)) continue;
    used.add(name);
    const node = nodesByName.get(name);
    if (node) pending.push(...dependencies(node));
  }
  for (const node of graph.nodes) {
    if (!used.has(node.name))
      issues.push({
        path: node.path,
        message: `${layerLabel(node.name, typeOf(node))}: is not connected to any model output`,
      });
  }
  for (const input of graph.inputs) {
    if (!used.has(input.name))
      issues.push({ path: input.path, message: `input "${input.name}" is not used by any model output` });
  }
}

function summarize(graph: ModelGraph, plan: PlannedNode[]): ModelSummary {
  const shapeOf = new Map<string, Shape>(graph.inputs.map((i) => [i.name, i.shape]));
  for (const p of plan) shapeOf.set(p.node.name, p.outputShape);
  const inputRows: LayerSummary[] = graph.sequential
    ? []
    : graph.inputs.map((i) => ({ name: i.name, type: 'InputLayer', outputShape: i.shape, params: 0 }));
  const layerRows = plan.map((p): LayerSummary => {
    const row: LayerSummary = {
      name: p.node.name,
      type: p.layer.def.type,
      outputShape: p.outputShape,
      params: countParams(p.weights),
    };
    if (!graph.sequential) row.inputs = p.node.inputs.map((r) => r.name);
    if (p.sharesWith) row.sharesWeightsWith = p.sharesWith;
    return row;
  });
  const all = plan.flatMap((p) => p.weights);
  const trainable = countParams(all.filter((w) => w.trainable));
  const total = countParams(all);
  return {
    name: graph.name,
    layers: [...inputRows, ...layerRows],
    totalParams: total,
    trainableParams: trainable,
    nonTrainableParams: total - trainable,
    inputs: graph.inputs.map((i) => ({ name: i.name, shape: i.shape })),
    outputs: graph.outputs.map((r) => ({ name: r.name, shape: shapeOf.get(r.name) as Shape })),
  };
}
