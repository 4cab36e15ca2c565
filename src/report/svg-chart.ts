/**
 * Line charts of telemetry channels as standalone SVG, for `fleetsim preview --plot`. Pure: data in, SVG text out.
 *
 * One chart per channel: a line per series (device), a gap where a value is null (a dropout), time on x (UTC ticks
 * at a step chosen from 1 s … 28 d), "nice" value ticks on y (1/2/5 × 10^k) with the unit as the axis label, a legend
 * and the title. No fonts, scripts or stylesheets: presentation attributes only, generic sans-serif. Coordinates
 * are rounded to 1 decimal. A series with more than 2 points per horizontal pixel is reduced to the min and max of
 * each pixel column, so a one-sample spike survives.
 */

import { downsampleMinMax } from './chart/downsample.js';
import { MINUTE, clamp, niceTicks, timeTicks } from './chart/ticks.js';
import type { ChartInput, ChartSeries, ChartPoint } from './chart/types.js';

export type { ChartInput, ChartPoint, ChartSeries, TimeTicks, ValueTicks } from './chart/types.js';
export { chartValue, niceTicks, timeTicks } from './chart/ticks.js';
export { downsampleMinMax } from './chart/downsample.js';


/**
 * Okabe–Ito, the colour-blind-safe palette, in the order used for series; its yellow (#F0E442) is left out, too pale
 * on white. Series past the 7th reuse the colours with a dash pattern.
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000'] as const;
const DASHES = ['', '6 3', '2 2', '8 3 2 3'] as const;

export const DEFAULT_WIDTH = 800;
export const DEFAULT_HEIGHT = 300;


const PAD = 10;
const TITLE_SIZE = 14;
const LEGEND_SIZE = 12;
const TICK_SIZE = 11;
const LEGEND_ROW = 17;
const MAX_LEGEND_ROWS = 3;
/** Rough advance of one character of sans-serif, as a fraction of the font size (no font metrics here). */
const CHAR_WIDTH = 0.6;

/** A standalone SVG document: one chart of one channel. */
export function renderChart(input: ChartInput): string {
  const chart = chartBody(input);
  return svgDocument(chart.width, chart.height, chart.body);
}

/**
 * Several charts in one SVG document, `columns` per row, in order. Each column is as wide as its widest chart, each
 * row as tall as its tallest. No charts → a "no data" document.
 */
export function renderChartGrid(charts: readonly ChartInput[], columns = 1): string {
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`renderChartGrid: columns must be a whole number ≥ 1, got ${columns}`);
  if (charts.length === 0) return renderChart({ title: '', unit: '', series: [] });
  const bodies = charts.map(chartBody);
  const cols = Math.min(columns, bodies.length);
  const widths = new Array<number>(cols).fill(0);
  const heights = new Array<number>(Math.ceil(bodies.length / cols)).fill(0);
  bodies.forEach((b, i) => {
    widths[i % cols] = Math.max(widths[i % cols] ?? 0, b.width);
    heights[Math.floor(i / cols)] = Math.max(heights[Math.floor(i / cols)] ?? 0, b.height);
  });
  const offset = (sizes: number[], index: number): number => sizes.slice(0, index).reduce((a, b) => a + b, 0);
  const cells = bodies.map((b, i) => {
    const x = offset(widths, i % cols);
    const y = offset(heights, Math.floor(i / cols));
    return `<g transform="translate(${num(x)} ${num(y)})">\n${b.body}</g>\n`;
  });
  return svgDocument(offset(widths, cols), offset(heights, heights.length), cells.join(''));
}

interface ChartBody {
  readonly width: number;
  readonly height: number;
  /** SVG elements, each on its own line, in the chart's own coordinates (0,0 top left). */
  readonly body: string;
}

interface PreparedSeries {
  readonly name: string;
  readonly points: ChartPoint[];
  readonly hasData: boolean;
}

function svgDocument(width: number, height: number, body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}" font-family="sans-serif">\n${body}</svg>\n`
  );
}

function chartBody(input: ChartInput): ChartBody {
  const width = input.width ?? DEFAULT_WIDTH;
  const height = input.height ?? DEFAULT_HEIGHT;
  for (const [name, size] of [['width', width], ['height', height]] as const) {
    if (!Number.isFinite(size) || size <= 0) throw new RangeError(`renderChart: ${name} must be a positive number, got ${size}`);
  }
  const series = input.series.map(prepareSeries);
  const lines: string[] = [
    `<title>${esc(input.unit ? `${input.title} (${input.unit})` : input.title)}</title>`,
    `<rect width="${num(width)}" height="${num(height)}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="${PAD + TITLE_SIZE}" font-size="${TITLE_SIZE}" font-weight="bold" fill="#222222">${esc(input.title)}</text>`,
  ];

  let tMin = Infinity;
  let tMax = -Infinity;
  let vMin = Infinity;
  let vMax = -Infinity;
  let binary = true;
  for (const s of series) {
    for (const [t, v] of s.points) {
      if (v === null) continue;
      tMin = Math.min(tMin, t);
      tMax = Math.max(tMax, t);
      vMin = Math.min(vMin, v);
      vMax = Math.max(vMax, v);
      if (v !== 0 && v !== 1) binary = false;
    }
  }
  if (tMin > tMax) {
    lines.push(
      `<text x="${num(width / 2)}" y="${num(height / 2)}" font-size="${LEGEND_SIZE + 2}" fill="#777777" text-anchor="middle">no data</text>`,
    );
    return { width, height, body: `${lines.join('\n')}\n` };
  }
  // The x range spans every point with a time, nulls included: a dropout at either end shows as a gap.
  for (const s of series) {
    for (const [t] of s.points) {
      tMin = Math.min(tMin, t);
      tMax = Math.max(tMax, t);
    }
  }
  if (tMin === tMax) {
    tMin -= MINUTE;
    tMax += MINUTE;
  }

  const legend = legendLayout(series, width);
  const top = PAD + TITLE_SIZE + 8 + legend.rows * LEGEND_ROW + 6;
  const bottom = PAD + TICK_SIZE + 6 + TICK_SIZE + 8;
  const provisionalPlotHeight = Math.max(20, height - top - bottom);
  const y = binary && vMax > vMin
    ? { min: 0, max: 1, step: 1, ticks: [0, 1], labels: ['0', '1'] }
    : niceTicks(vMin, vMax, clamp(Math.floor(provisionalPlotHeight / 28) + 1, 3, 8));
  const labelWidth = Math.max(...y.labels.map((l) => l.length)) * TICK_SIZE * CHAR_WIDTH;
  const left = PAD + (input.unit ? TICK_SIZE + 8 : 0) + labelWidth + 6;
  const right = PAD + 18;
  const plotW = Math.max(20, width - left - right);
  const plotH = provisionalPlotHeight;
  const plotBottom = top + plotH;
  const x = timeTicks(tMin, tMax, clamp(Math.floor(plotW / 75) + 1, 2, 8));
  const px = (t: number): number => left + ((t - tMin) / (tMax - tMin)) * plotW;
  const py = (v: number): number => plotBottom - ((v - y.min) / (y.max - y.min)) * plotH;

  lines.push(...legend.elements);
  // Grid, then axes, then tick labels, then axis labels.
  const grid = [
    ...y.ticks.map((v) => `<line x1="${num(left)}" x2="${num(left + plotW)}" y1="${num(crisp(py(v)))}" y2="${num(crisp(py(v)))}"/>`),
    ...x.ticks.map((t) => `<line x1="${num(crisp(px(t)))}" x2="${num(crisp(px(t)))}" y1="${num(top)}" y2="${num(plotBottom)}"/>`),
  ];
  lines.push(`<g stroke="#e4e4e4" stroke-width="1">`, ...grid, '</g>');
  lines.push(
    `<g stroke="#777777" stroke-width="1">`,
    `<line x1="${num(crisp(left))}" x2="${num(crisp(left))}" y1="${num(top)}" y2="${num(plotBottom)}"/>`,
    `<line x1="${num(left)}" x2="${num(left + plotW)}" y1="${num(crisp(plotBottom))}" y2="${num(crisp(plotBottom))}"/>`,
    ...x.ticks.map((t) => `<line x1="${num(crisp(px(t)))}" x2="${num(crisp(px(t)))}" y1="${num(plotBottom)}" y2="${num(plotBottom + 4)}"/>`),
    '</g>',
  );
  lines.push(
    `<g font-size="${TICK_SIZE}" fill="#444444" text-anchor="end">`,
    ...y.ticks.map((v, i) => `<text x="${num(left - 5)}" y="${num(py(v) + TICK_SIZE * 0.35)}">${esc(y.labels[i] ?? '')}</text>`),
    '</g>',
    `<g font-size="${TICK_SIZE}" fill="#444444" text-anchor="middle">`,
    ...x.ticks.map((t, i) => `<text x="${num(px(t))}" y="${num(plotBottom + 6 + TICK_SIZE)}">${esc(x.labels[i] ?? '')}</text>`),
    `<text x="${num(left + plotW / 2)}" y="${num(plotBottom + 6 + 2 * TICK_SIZE + 6)}" fill="#666666">time (UTC)</text>`,
    '</g>',
  );
  if (input.unit) {
    const ux = PAD + TICK_SIZE;
    const uy = top + plotH / 2;
    lines.push(
      `<text x="${num(ux)}" y="${num(uy)}" transform="rotate(-90 ${num(ux)} ${num(uy)})" font-size="${TICK_SIZE + 1}" fill="#444444" text-anchor="middle">${esc(input.unit)}</text>`,
    );
  }

  const shapes = series.flatMap((s, i) => {
    const points = s.points.length > 2 * plotW ? downsampleMinMax(s.points, tMin, tMax, Math.round(plotW)) : s.points;
    const { d, dots } = seriesShapes(points, px, py);
    const colour = PALETTE[i % PALETTE.length] ?? '#000000';
    return [
      ...(d ? [`<path d="${d}"${strokeAttributes(i)}/>`] : []),
      ...dots.map(([cx, cy]) => `<circle cx="${num(cx)}" cy="${num(cy)}" r="2.5" fill="${colour}"/>`),
    ];
  });
  lines.push(`<g fill="none" stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round">`, ...shapes, '</g>');
  return { width, height, body: `${lines.join('\n')}\n` };
}

/** Points in time order, without points that have no finite time; non-finite values become null. */
function prepareSeries(series: ChartSeries): PreparedSeries {
  let points = series.points
    .filter(([t]) => Number.isFinite(t))
    .map(([t, v]): ChartPoint => [t, v !== null && Number.isFinite(v) ? v : null]);
  if (points.some((p, i) => i > 0 && p[0] < (points[i - 1]?.[0] ?? p[0]))) {
    points = points.map((p, i) => [p, i] as const).sort((a, b) => a[0][0] - b[0][0] || a[1] - b[1]).map(([p]) => p);
  }
  return { name: series.name, points, hasData: points.some(([, v]) => v !== null) };
}

/**
 * The series as a path, "M x yL x y…" with a new M after every null (a gap), and its lone points (a value with a
 * null or the end on both sides), which a path cannot show, as dots.
 */
function seriesShapes(
  points: readonly ChartPoint[],
  px: (t: number) => number,
  py: (v: number) => number,
): { d: string; dots: Array<[number, number]> } {
  let d = '';
  const dots: Array<[number, number]> = [];
  let run: string[] = [];
  let first: [number, number] = [0, 0];
  const flush = (): void => {
    if (run.length === 1) dots.push(first);
    else if (run.length > 1) d += `M${run.join('L')}`;
    run = [];
  };
  for (const [t, v] of points) {
    if (v === null) {
      flush();
      continue;
    }
    if (run.length === 0) first = [px(t), py(v)];
    run.push(`${num(px(t))} ${num(py(v))}`);
  }
  flush();
  return { d, dots };
}

function strokeAttributes(index: number): string {
  const colour = PALETTE[index % PALETTE.length] ?? '#000000';
  const dash = DASHES[Math.floor(index / PALETTE.length) % DASHES.length] ?? '';
  return ` stroke="${colour}"${dash ? ` stroke-dasharray="${dash}"` : ''}`;
}

/** Legend items flow left to right under the title, wrapping; past MAX_LEGEND_ROWS the rest is "+N more". */
function legendLayout(series: readonly PreparedSeries[], width: number): { rows: number; elements: string[] } {
  const available = width - 2 * PAD;
  const itemWidth = (label: string): number => 18 + label.length * LEGEND_SIZE * CHAR_WIDTH + 16;
  const placed: Array<{ row: number; x: number; width: number; label: string; index: number }> = [];
  let row = 0;
  let x = 0;
  for (const [index, s] of series.entries()) {
    const label = s.hasData ? s.name : `${s.name} (no data)`;
    const w = itemWidth(label);
    if (x > 0 && x + w > available) {
      row++;
      x = 0;
    }
    if (row >= MAX_LEGEND_ROWS) break;
    placed.push({ row, x, width: w, label, index });
    x += w;
  }
  let hidden = series.length - placed.length;
  if (hidden > 0) {
    // Make room for "+N more" at the end of the last row.
    for (;;) {
      const last = placed[placed.length - 1];
      if (!last || last.x + last.width + itemWidth(`+${hidden} more`) <= available || placed.length === 1) break;
      placed.pop();
      hidden++;
    }
  }
  const baseline = (r: number): number => PAD + TITLE_SIZE + 8 + r * LEGEND_ROW + LEGEND_SIZE;
  const elements = placed.map((p) => {
    const lx = PAD + p.x;
    const ly = baseline(p.row) - LEGEND_SIZE * 0.35;
    return (
      `<line x1="${num(lx)}" x2="${num(lx + 14)}" y1="${num(ly)}" y2="${num(ly)}" stroke-width="2.5"${strokeAttributes(p.index)}/>` +
      `<text x="${num(lx + 18)}" y="${num(baseline(p.row))}" font-size="${LEGEND_SIZE}" fill="#333333">${esc(p.label)}</text>`
    );
  });
  const last = placed[placed.length - 1];
  if (hidden > 0 && last) {
    elements.push(
      `<text x="${num(PAD + last.x + last.width)}" y="${num(baseline(last.row))}" font-size="${LEGEND_SIZE}" fill="#666666">+${hidden} more</text>`,
    );
  }
  return { rows: last ? last.row + 1 : 0, elements };
}

/** XML-escaped text, with characters XML 1.0 forbids (controls, lone surrogates) replaced by U+FFFD. */
function esc(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') // eslint-disable-line no-control-regex
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** A coordinate rounded to 1 decimal, without a trailing ".0" or a "-0". */
function num(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** The centre of the pixel row/column holding v, so 1-pixel lines are sharp. */
function crisp(v: number): number {
  return Math.floor(v) + 0.5;
}

