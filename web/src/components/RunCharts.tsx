import { useMemo } from 'preact/hooks';
import type { EpochView } from '../api/types.ts';
import { Chart, PALETTE, type ChartSeries } from './Chart.tsx';
import { metricNames } from '../lib/run-metrics.ts';

/** Training against validation: `loss` solid, `val_loss` dashed in the same colour. */
function pairedSeries(names: string[]): ChartSeries[] {
  const base = names.filter((n) => !n.startsWith('val_'));
  const extra = names.filter((n) => n.startsWith('val_') && !base.includes(n.slice(4)));
  return [...base, ...extra].flatMap((name, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pair: ChartSeries[] = [{ label: name, color }];
    if (names.includes(`val_${name}`)) pair.push({ label: `val_${name}`, color, dashed: true });
    return pair;
  });
}

const column = (epochs: EpochView[], key: string) =>
  epochs.map((e) => (typeof e.metrics[key] === 'number' ? e.metrics[key]! : null));

/** The loss curves, the other metrics' curves and the learning rate, one point per epoch. */
export function RunCharts({ epochs }: { epochs: EpochView[] }) {
  const names = metricNames(epochs);
  const losses = names.filter((n) => /loss/.test(n));
  const others = names.filter((n) => !/loss/.test(n));
  const x = epochs.map((e) => e.epoch);
  const lossSeries = useMemo(() => pairedSeries(losses.length ? losses : ['loss']), [losses.join()]);
  const metricSeries = useMemo(() => pairedSeries(others), [others.join()]);
  const lossData = useMemo(() => [x, ...lossSeries.map((s) => column(epochs, s.label))], [epochs, lossSeries]);
  const metricData = useMemo(() => [x, ...metricSeries.map((s) => column(epochs, s.label))], [epochs, metricSeries]);
  const lrData = useMemo(() => [x, epochs.map((e) => e.lr)], [epochs]);
  return (
    <div class="charts">
      <Chart name="loss" title="Loss" xLabel="epoch" series={lossSeries} data={lossData} />
      {metricSeries.length > 0 && (
        <Chart name="metrics" title="Metrics" xLabel="epoch" series={metricSeries} data={metricData} />
      )}
      <Chart
        name="lr"
        title="Learning rate"
        xLabel="epoch"
        series={[{ label: 'learning rate', color: PALETTE[3] }]}
        data={lrData}
      />
    </div>
  );
}
