import type { LayerSummary, ModelSummary, Shape } from './types.ts';

/** Keras prints shapes with the batch axis as None: (None, 26, 26, 32). */
function kerasShape(shape: Shape): string {
  return `(${['None', ...shape.map((d) => (d === null ? 'None' : String(d)))].join(', ')})`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Keras' "(511.29 KB)" float32 memory hint. */
function memory(params: number): string {
  const bytes = params * 4;
  const units = ['Byte', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}

function connections(layer: LayerSummary): string {
  const from = (layer.inputs ?? []).join(', ');
  return layer.sharesWeightsWith ? `${from} (shares ${layer.sharesWeightsWith})` : from;
}

/** Renders a summary as the table Keras' model.summary() prints (with a "Connected to" column for functional models). */
export function formatSummary(summary: ModelSummary): string {
  const functional = summary.layers.some((l) => l.inputs !== undefined);
  const header = ['Layer (type)', 'Output Shape', 'Param #', ...(functional ? ['Connected to'] : [])];
  const rows = summary.layers.map((l) => [
    `${l.name} (${l.type})`,
    kerasShape(l.outputShape),
    count(l.params),
    ...(functional ? [connections(l)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
  const line = (cells: string[]) => ` ${cells.map((c, i) => c.padEnd(widths[i])).join('')}`.trimEnd();
  const width = widths.reduce((a, b) => a + b, 1);
  return [
    `Model: "${summary.name}"`,
    '_'.repeat(width),
    line(header),
    '='.repeat(width),
    rows.map(line).join('\n\n'),
    '='.repeat(width),
    `Total params: ${count(summary.totalParams)} (${memory(summary.totalParams)})`,
    `Trainable params: ${count(summary.trainableParams)} (${memory(summary.trainableParams)})`,
    `Non-trainable params: ${count(summary.nonTrainableParams)} (${memory(summary.nonTrainableParams)})`,
    '_'.repeat(width),
  ].join('\n');
}
