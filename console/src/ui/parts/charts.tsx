/**
 * Two small inline-SVG charts for the dashboard: horizontal bars (one per encryption mode) and a
 * sparkline (requests and errors over the last 10 minutes). Each is one image with a text
 * alternative; the numbers are also printed in the cards next to them.
 */

export interface Bar {
  label: string;
  value: number;
  /** How the value is printed, e.g. "1.5 MiB". */
  text: string;
  tone: string;
}

/**
 * Rows of label, bar and value: the labels and values are text (legible at any width), each bar
 * a tiny SVG scaled to its share of the largest value. One image to assistive technology.
 */
export function BarChart({ title, bars }: { title: string; bars: Bar[] }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <div class="chart" role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.text}`).join(', ')}`}>
      {bars.map((bar) => {
        const percent = bar.value > 0 ? Math.max(1, (bar.value / max) * 100) : 0;
        return [
          <span key={`${bar.label}-label`}>{bar.label}</span>,
          <svg key={`${bar.label}-bar`} class="chart-bar" viewBox="0 0 100 10" preserveAspectRatio="none">
            <rect x={0} y={0} width={100} height={10} rx={1.5} class="chart-track" />
            <rect x={0} y={0} width={percent} height={10} rx={1.5} class={bar.tone} />
          </svg>,
          <span key={`${bar.label}-value`} class="chart-value">
            {bar.text}
          </span>,
        ];
      })}
    </div>
  );
}

export interface SparkSeries {
  label: string;
  values: number[];
  tone: string;
}

const SPARK_WIDTH = 300;
const SPARK_HEIGHT = 60;

/** Lines over a shared scale; `summary` is the text alternative. */
export function Sparkline({ series, summary }: { series: SparkSeries[]; summary: string }) {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const points = (values: number[]): string =>
    values
      .map((v, i) => {
        const x = values.length > 1 ? (i / (values.length - 1)) * SPARK_WIDTH : SPARK_WIDTH;
        const y = SPARK_HEIGHT - 2 - (v / max) * (SPARK_HEIGHT - 4);
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      })
      .join(' ');
  return (
    <svg class="sparkline" viewBox={`0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={summary}>
      <line x1={0} y1={SPARK_HEIGHT - 1} x2={SPARK_WIDTH} y2={SPARK_HEIGHT - 1} class="sparkline-axis" />
      {series.map((s) => (
        <polyline key={s.label} points={points(s.values)} class={`sparkline-line ${s.tone}`} fill="none" vector-effect="non-scaling-stroke" />
      ))}
    </svg>
  );
}
