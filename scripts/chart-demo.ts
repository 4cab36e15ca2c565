/**
 * Renders a demo chart: two sine-like series over 24 h of model time, one with a dropout gap, and a one-sample spike.
 *   node --import tsx scripts/chart-demo.ts /tmp/demo.svg [grid]
 * With "grid", writes three charts (temperature, humidity, heating as 0/1) stacked in one file instead.
 */
import { writeFileSync } from 'node:fs';
import { type ChartInput, type ChartPoint, renderChart, renderChartGrid } from '../src/report/svg-chart.js';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node --import tsx scripts/chart-demo.ts OUT.svg [grid]\n');
  process.exit(2);
}

const START = Date.UTC(2026, 0, 1);
const STEP = 60_000;
const COUNT = 24 * 60;
const HOUR = 3_600_000;

function series(f: (hour: number, i: number) => number | null): ChartPoint[] {
  return Array.from({ length: COUNT }, (_, i): ChartPoint => [START + i * STEP, f((i * STEP) / HOUR, i)]);
}

const daily = (hour: number, phase: number): number => Math.sin(((hour - phase) / 24) * 2 * Math.PI);
const temperature: ChartInput = {
  title: 'temperature — freezer & cold room <demo>',
  unit: '°C',
  series: [
    { name: 'freezer-000', points: series((h, i) => (h >= 9 && h < 11 ? null : -18 + 0.8 * daily(h, 6) + 0.15 * Math.sin(i / 7))) },
    { name: 'freezer-001', points: series((h, i) => (i === 1000 ? -12.5 : -17.4 + 0.5 * daily(h, 9) + 0.1 * Math.cos(i / 5))) },
  ],
};

let svg: string;
if (process.argv[3] === 'grid') {
  const humidity: ChartInput = {
    title: 'humidity',
    unit: '%RH',
    series: ['room-a', 'room-b', 'room-c'].map((name, k) => ({ name, points: series((h) => 45 + 10 * daily(h, 4 * k)) })),
  };
  const heating: ChartInput = {
    title: 'heating',
    unit: 'on/off',
    series: [{ name: 'room-a', points: series((h) => (daily(h, 3) < -0.3 ? 1 : 0)) }],
    height: 200,
  };
  svg = renderChartGrid([temperature, humidity, heating], 1);
} else {
  svg = renderChart(temperature);
}
writeFileSync(out, svg);
process.stdout.write(`wrote ${out} (${svg.length} bytes)\n`);
