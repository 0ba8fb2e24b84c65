import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** Dashed: validation curves, drawn in their training curve's colour. */
  dashed?: boolean;
  color?: string;
}

interface Props {
  /** Names the chart for tests and screen readers: window.__kilnCharts[name], data-chart="name". */
  name: string;
  title: string;
  xLabel: string;
  series: ChartSeries[];
  /** [x values, then one array per series], aligned; null where a series has no point. */
  data: Array<Array<number | null>>;
  logScale?: boolean;
  height?: number;
}

/** What a chart currently plots, readable by tests without looking at pixels. */
export interface ChartState {
  points: number;
  series: string[];
  data: Array<Array<number | null>>;
}

declare global {
  interface Window {
    __kilnCharts?: Record<string, ChartState>;
  }
}

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

/** A line chart (uPlot) that redraws in place as points arrive. */
export function Chart({ name, title, xLabel, series, data, logScale, height = 240 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = `${series.map((s) => s.label).join('|')}|${logScale}`;

  useEffect(() => {
    const el = box.current!;
    const axis = {
      stroke: cssVar('--muted'),
      grid: { stroke: cssVar('--grid'), width: 1 },
      ticks: { stroke: cssVar('--grid') },
    };
    const options: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: { x: { time: false }, y: logScale ? { distr: 3 } : {} },
      // Epochs are whole numbers: no 2.5 on the x axis.
      axes: [
        { ...axis, label: xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        { ...axis, size: 60 },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 2,
          dash: s.dashed ? [6, 4] : undefined,
          points: { show: true, size: 5 },
          spanGaps: true,
        })),
      ],
    };
    plot.current = new uPlot(options, data as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
    // Rebuilt only when the set of series changes; new points go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
    (window.__kilnCharts ??= {})[name] = { points: data[0]?.length ?? 0, series: series.map((s) => s.label), data };
  }, [data, shape]);

  useEffect(() => () => void delete window.__kilnCharts?.[name], [name]);

  return (
    <figure class="chart" data-chart={name} data-points={data[0]?.length ?? 0}>
      <figcaption>{title}</figcaption>
      <div
        ref={box}
        class="chart-canvas"
        role="img"
        aria-label={`${title}: ${data[0]?.length ?? 0} points of ${series.map((s) => s.label).join(', ')}`}
      />
    </figure>
  );
}
