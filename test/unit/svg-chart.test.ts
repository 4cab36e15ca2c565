import { describe, expect, it } from 'vitest';
import {
  type ChartInput,
  type ChartPoint,
  PALETTE,
  chartValue,
  downsampleMinMax,
  niceTicks,
  renderChart,
  renderChartGrid,
  timeTicks,
} from '../../src/report/svg-chart.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

interface XmlElement {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly text: string;
}

/**
 * A small XML well-formedness check for what the chart emits: an optional declaration, one root element, matched
 * open/close tags, quoted unique attributes, no raw '<' or stray '&' in text or attribute values. Throws on the first
 * fault; returns every element (document order) with its attributes and its own text.
 */
function parseXml(xml: string): XmlElement[] {
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const elements: Array<{ name: string; attributes: Record<string, string>; text: string }> = [];
  const open: Array<{ name: string; index: number }> = [];
  let roots = 0;
  const checkEntities = (text: string, where: string): void => {
    for (let k = text.indexOf('&'); k >= 0; k = text.indexOf('&', k + 1)) {
      const semi = text.indexOf(';', k);
      const ref = semi < 0 ? '' : text.slice(k + 1, semi);
      if (!['amp', 'lt', 'gt', 'quot', 'apos'].includes(ref) && !/^#(\d+|x[0-9a-fA-F]+)$/.test(ref)) {
        throw new Error(`bad entity reference in ${where}: ${text.slice(k, k + 10)}`);
      }
    }
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    checkEntities(text, 'text');
    const top = open[open.length - 1];
    if (top === undefined) {
      if (text.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(text.slice(0, 20))}`);
    } else {
      const element = elements[top.index];
      if (element) element.text += text;
    }
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    // Find the tag's end, skipping quoted attribute values.
    let j = lt + 1;
    let quote: string | undefined;
    for (; j < xml.length; j++) {
      const c = xml[j];
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
        else if (c === '<') throw new Error(`'<' inside an attribute value at ${j}`);
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
      else if (c === '<') throw new Error(`'<' inside a tag at ${j}`);
    }
    if (j >= xml.length) throw new Error('unterminated tag');
    const tag = xml.slice(lt + 1, j);
    i = j + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const last = open.pop();
      if (last?.name !== name) throw new Error(`</${name}> closes <${last?.name ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const nameMatch = /^[A-Za-z_][\w.:-]*/.exec(body);
    if (!nameMatch) throw new Error(`bad tag <${tag}>`);
    const name = nameMatch[0];
    const attributes: Record<string, string> = {};
    let rest = body.slice(name.length);
    while (rest.trim() !== '') {
      const m = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(rest);
      if (!m || m[1] === undefined) throw new Error(`bad attributes in <${name}>: ${rest.slice(0, 30)}`);
      if (m[1] in attributes) throw new Error(`duplicate attribute ${m[1]} in <${name}>`);
      const value = m[3] ?? m[4] ?? '';
      checkEntities(value, `attribute ${m[1]}`);
      attributes[m[1]] = value;
      rest = rest.slice(m[0].length);
    }
    if (open.length === 0 && ++roots > 1) throw new Error('more than one root element');
    elements.push({ name, attributes, text: '' });
    if (!selfClosing) open.push({ name, index: elements.length - 1 });
  }
  if (open.length > 0) throw new Error(`unclosed <${open.map((o) => o.name).join('>, <')}>`);
  if (roots !== 1) throw new Error('no root element');
  return elements;
}

function unescape(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

function texts(elements: XmlElement[]): string[] {
  return elements.filter((e) => e.name === 'text').map((e) => unescape(e.text));
}

/** The series lines: paths inside the chart (legend swatches are <line>s). */
function paths(elements: XmlElement[]): string[] {
  return elements.filter((e) => e.name === 'path').map((e) => e.attributes.d ?? '');
}

function coordinates(d: string): Array<[number, number]> {
  return [...d.matchAll(/[ML](-?\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

function minutes(count: number, value: (i: number) => number | null, stepMs = MIN): ChartPoint[] {
  return Array.from({ length: count }, (_, i): ChartPoint => [T0 + i * stepMs, value(i)]);
}

const demo: ChartInput = {
  title: 'temperature',
  unit: '°C',
  series: [
    { name: 'freezer-000', points: minutes(24 * 60, (i) => -18 + Math.sin(i / 100)) },
    { name: 'freezer-001', points: minutes(24 * 60, (i) => -17 + Math.cos(i / 80)) },
    { name: 'freezer-002', points: minutes(24 * 60, (i) => -17.5 + Math.sin(i / 50) / 2) },
  ],
};

describe('renderChart: the document', () => {
  it('is well-formed XML with one <svg> root carrying xmlns, width, height and a viewBox', () => {
    const svg = renderChart(demo);
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')).toBe(true);
    const elements = parseXml(svg);
    const root = elements[0];
    expect(root?.name).toBe('svg');
    expect(root?.attributes).toMatchObject({
      xmlns: 'http://www.w3.org/2000/svg',
      width: '800',
      height: '300',
      viewBox: '0 0 800 300',
    });
    expect(elements.filter((e) => e.name === 'svg')).toHaveLength(1);
    // Self-contained: no scripts, stylesheets, external references or web fonts.
    expect(elements.map((e) => e.name).filter((n) => !['svg', 'title', 'rect', 'g', 'line', 'path', 'circle', 'text'].includes(n))).toEqual([]);
    expect(svg).not.toMatch(/<script|<style|href=|@import|url\(/);
  });

  it('honours width and height', () => {
    const root = parseXml(renderChart({ ...demo, width: 640, height: 240 }))[0];
    expect(root?.attributes).toMatchObject({ width: '640', height: '240', viewBox: '0 0 640 240' });
  });

  it('has the title, the unit as the y-axis label, a legend entry per series, one line per series in distinct colours', () => {
    const elements = parseXml(renderChart(demo));
    const t = texts(elements);
    expect(t).toContain('temperature');
    expect(t).toContain('°C');
    expect(t).toEqual(expect.arrayContaining(['freezer-000', 'freezer-001', 'freezer-002']));
    const lines = elements.filter((e) => e.name === 'path');
    expect(lines).toHaveLength(3);
    const colours = lines.map((e) => e.attributes.stroke);
    expect(new Set(colours).size).toBe(3);
    expect(colours.every((c) => (PALETTE as readonly string[]).includes(c ?? ''))).toBe(true);
    expect(elements.find((e) => e.name === 'title')?.text).toBe('temperature (°C)');
  });

  it('labels the time axis in UTC and the value axis with nice ticks', () => {
    const t = texts(parseXml(renderChart(demo)));
    expect(t).toEqual(expect.arrayContaining(['Jan 01', '03:00', '12:00', '21:00', 'time (UTC)']));
    expect(t).toEqual(expect.arrayContaining(['-19.0', '-18.5', '-16.0']));
  });

  it('rounds every number in the document to at most 1 decimal', () => {
    const svg = renderChart(demo);
    const attributeValues = [...svg.matchAll(/="([^"]*)"/g)].map((m) => m[1] ?? '');
    const numbers = attributeValues.flatMap((v) => v.match(/-?\d+(\.\d+)?/g) ?? []);
    expect(numbers.length).toBeGreaterThan(100);
    expect(numbers.filter((n) => /\.\d{2,}/.test(n))).toEqual([]);
  });

  it('escapes XML in the title, unit and series names, and survives characters XML forbids', () => {
    const svg = renderChart({
      title: 'a <b> & "c" \'d\'',
      unit: '<&>',
      series: [{ name: 'dev<1>&\u0001', points: minutes(3, (i) => i) }],
    });
    const elements = parseXml(svg);
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;');
    expect(svg).toContain('&lt;&amp;&gt;');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('\u0001');
    expect(texts(elements)).toEqual(expect.arrayContaining(['a <b> & "c" \'d\'', '<&>', 'dev<1>&\uFFFD']));
  });

  it('says "no data" for no series, empty series and all-null series', () => {
    for (const series of [[], [{ name: 'a', points: [] }], [{ name: 'a', points: minutes(10, () => null) }]]) {
      const elements = parseXml(renderChart({ title: 'humidity', unit: '%', series }));
      expect(texts(elements)).toContain('no data');
      expect(paths(elements)).toEqual([]);
    }
  });

  it('marks a series without data in the legend when others have data', () => {
    const t = texts(parseXml(renderChart({ ...demo, series: [...demo.series, { name: 'quiet', points: [] }] })));
    expect(t).toContain('quiet (no data)');
  });

  it('rejects a non-positive size', () => {
    expect(() => renderChart({ ...demo, width: 0 })).toThrow(RangeError);
    expect(() => renderChart({ ...demo, height: Number.NaN })).toThrow(RangeError);
  });
});

describe('renderChart: lines', () => {
  it('breaks the line at a null: two segments, two M commands', () => {
    const d = paths(parseXml(renderChart({ title: 't', unit: 'u', series: [{ name: 's', points: minutes(9, (i) => (i === 4 ? null : i)) }] })));
    expect(d).toHaveLength(1);
    expect(d[0]?.match(/M/g)).toHaveLength(2);
    expect(coordinates(d[0] ?? '')).toHaveLength(8);
    // Runs of nulls make one gap; leading and trailing nulls none.
    const d2 = paths(parseXml(renderChart({ title: 't', unit: 'u', series: [{ name: 's', points: minutes(12, (i) => ([0, 4, 5, 6, 11].includes(i) ? null : i)) }] })));
    expect(d2[0]?.match(/M/g)).toHaveLength(2);
  });

  it('draws a lone point (nulls or the end on both sides) as a dot in the series colour', () => {
    const points = minutes(9, (i) => ([0, 3, 4, 8].includes(i) ? i : null));
    const elements = parseXml(renderChart({ title: 't', unit: 'u', series: [{ name: 's', points }] }));
    expect(paths(elements)).toEqual([expect.stringMatching(/^M[\d.]+ [\d.]+L[\d.]+ [\d.]+$/)]);
    const dots = elements.filter((e) => e.name === 'circle');
    expect(dots).toHaveLength(2);
    expect(dots.map((e) => e.attributes.fill)).toEqual([PALETTE[0], PALETTE[0]]);
    const single = parseXml(renderChart({ title: 't', unit: 'u', series: [{ name: 's', points: [[T0, 3.3]] }] }));
    expect(single.filter((e) => e.name === 'circle')).toHaveLength(1);
    expect(texts(single)).not.toContain('no data');
  });

  it('plots points in time order even when given out of order', () => {
    const points: ChartPoint[] = [[T0 + 2 * MIN, 2], [T0, 0], [T0 + MIN, 1]];
    const xs = coordinates(paths(parseXml(renderChart({ title: 't', unit: 'u', series: [{ name: 's', points }] })))[0] ?? '').map(([x]) => x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
  });

  it('downsamples a long series to min/max per pixel column and keeps a one-sample spike', () => {
    const points = minutes(20_000, (i) => (i === 12_345 ? 100 : Math.sin(i / 300)), 5_000);
    const elements = parseXml(renderChart({ title: 't', unit: 'u', series: [{ name: 's', points }] }));
    const xy = coordinates(paths(elements)[0] ?? '');
    expect(xy.length).toBeLessThanOrEqual(2 * 800);
    expect(xy.length).toBeGreaterThan(800);
    // The spike is the maximum, so it must reach the top tick's grid line (the y axis ends at 100).
    const gridYs = elements
      .filter((e) => e.name === 'line' && e.attributes.stroke === undefined && e.attributes.y1 === e.attributes.y2)
      .map((e) => Number(e.attributes.y1));
    const topGrid = Math.min(...gridYs);
    const ys = xy.map(([, y]) => y).sort((a, b) => a - b);
    expect(Math.abs((ys[0] ?? 0) - topGrid)).toBeLessThanOrEqual(1);
    // …and it is one sample: everything else stays near the bottom (values in [-1, 1] on a 0…100 axis).
    expect((ys[1] ?? 0) - (ys[0] ?? 0)).toBeGreaterThan(100);
    expect(texts(elements)).toContain('100');
  });
});

describe('downsampleMinMax', () => {
  it('keeps the min and max of each column in time order', () => {
    const points: ChartPoint[] = [[0, 5], [1, 9], [2, 1], [3, 4], [10, 3], [11, 8], [12, 2]];
    expect(downsampleMinMax(points, 0, 20, 2)).toEqual([[1, 9], [2, 1], [12, 2], [11, 8]].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)));
  });

  it('keeps a single-point spike among thousands', () => {
    const points = Array.from({ length: 10_000 }, (_, i): ChartPoint => [i, i === 5_001 ? 1e6 : 0]);
    const out = downsampleMinMax(points, 0, 9_999, 100);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out).toContainEqual([5_001, 1e6]);
  });

  it('keeps a gap (once) inside a column and across columns', () => {
    const points: ChartPoint[] = [[0, 1], [1, null], [2, null], [3, 2], [4, 3], [5, null], [6, null], [7, 1]];
    expect(downsampleMinMax(points, 0, 7, 1)).toEqual([[0, 1], [1, null], [3, 2], [4, 3], [5, null], [7, 1]]);
  });

  it('keeps a flat run as one point per column', () => {
    expect(downsampleMinMax(minutes(100, () => 3), T0, T0 + 99 * MIN, 10)).toHaveLength(10);
  });
});

describe('timeTicks', () => {
  it('10 minutes: 2-minute steps labelled HH:MM', () => {
    const start = T0 + 10 * HOUR;
    const r = timeTicks(start, start + 10 * MIN);
    expect(r.stepMs).toBe(2 * MIN);
    expect(r.labels).toEqual(['10:00', '10:02', '10:04', '10:06', '10:08', '10:10']);
  });

  it('24 hours: 6-hour steps, midnight shown as the date', () => {
    const r = timeTicks(T0, T0 + DAY);
    expect(r.stepMs).toBe(6 * HOUR);
    expect(r.labels).toEqual(['Jan 01', '06:00', '12:00', '18:00', 'Jan 02']);
    // A day of one-minute samples ends at 23:59: 3-hour steps fit.
    expect(timeTicks(T0, T0 + DAY - MIN).labels).toEqual(['Jan 01', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00']);
  });

  it('7 days: 1-day steps labelled "Jan 02"', () => {
    const r = timeTicks(T0, T0 + 7 * DAY);
    expect(r.stepMs).toBe(DAY);
    expect(r.labels).toEqual(['Jan 01', 'Jan 02', 'Jan 03', 'Jan 04', 'Jan 05', 'Jan 06', 'Jan 07', 'Jan 08']);
  });

  it('ticks sit on whole steps in UTC, not at the start of the data', () => {
    const r = timeTicks(T0 + 7 * MIN + 13_000, T0 + 37 * MIN);
    expect(r.stepMs).toBe(5 * MIN);
    expect(r.labels).toEqual(['00:10', '00:15', '00:20', '00:25', '00:30', '00:35']);
    expect(r.ticks.every((t) => t % r.stepMs === 0)).toBe(true);
  });

  it('gives 4–8 ticks for any span from 4 seconds to months, wherever it starts', () => {
    for (let span = 4_000; span < 400 * DAY; span *= 1.09) {
      for (const offset of [0, 1_234_567, 43_210_000, 333_333_333]) {
        const n = timeTicks(T0 + offset, T0 + offset + span).ticks.length;
        expect(n, `span ${span} ms from +${offset}`).toBeGreaterThanOrEqual(4);
        expect(n, `span ${span} ms from +${offset}`).toBeLessThanOrEqual(8);
      }
    }
  });

  it('shows seconds under a minute', () => {
    expect(timeTicks(T0 + 30_000, T0 + 60_000).labels[0]).toBe('00:00:30');
  });
});

describe('niceTicks', () => {
  it('[-18.3, -16.9] → -18.5 … -16.5 by 0.5', () => {
    const r = niceTicks(-18.3, -16.9);
    expect(r.ticks).toEqual([-18.5, -18, -17.5, -17, -16.5]);
    expect(r.labels).toEqual(['-18.5', '-18.0', '-17.5', '-17.0', '-16.5']);
    expect([r.min, r.max, r.step]).toEqual([-18.5, -16.5, 0.5]);
  });

  it('[0, 1234] → 0 … 1400 by 200', () => {
    const r = niceTicks(0, 1234);
    expect(r.ticks).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400]);
    expect(r.labels[7]).toBe('1400');
  });

  it('steps are 1, 2 or 5 × 10^k, cover the range, and stay within maxTicks', () => {
    for (const [lo, hi] of [[0.001, 0.0023], [-5, 5], [19.95, 20.05], [0, 1], [-1e6, 3e6], [42, 42.7]] as const) {
      for (const maxTicks of [4, 6, 8]) {
        const r = niceTicks(lo, hi, maxTicks);
        const mantissa = r.step / 10 ** Math.floor(Math.log10(r.step));
        expect([1, 2, 5].some((m) => Math.abs(m - mantissa) < 1e-9)).toBe(true);
        expect(r.min).toBeLessThanOrEqual(lo);
        expect(r.max).toBeGreaterThanOrEqual(hi);
        expect(r.ticks.length).toBeLessThanOrEqual(maxTicks);
        expect(r.ticks.length).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('copes with extreme magnitudes (no hang, no RangeError, distinct labels)', () => {
    for (const [lo, hi] of [[1e-200, 2e-200], [1e300, 1.5e300], [1e15, 1e15 + 3]] as const) {
      const r = niceTicks(lo, hi);
      expect(r.ticks.length).toBeGreaterThanOrEqual(2);
      expect(new Set(r.labels).size).toBe(r.labels.length);
    }
  });

  it('widens a zero-width range and shortens big labels', () => {
    expect(niceTicks(5, 5).ticks).toEqual([4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]);
    expect(niceTicks(0, 0).ticks).toEqual([-1, -0.5, 0, 0.5, 1].filter((v) => v >= -1));
    expect(niceTicks(0, 123_456).labels).toEqual(['0', '20k', '40k', '60k', '80k', '100k', '120k', '140k']);
  });
});

describe('chartValue', () => {
  it('plots booleans as 0/1 and drops what is not a finite number', () => {
    expect([true, false, 2.5, 'on', null, undefined, Number.NaN].map(chartValue)).toEqual([1, 0, 2.5, null, null, null, null]);
  });

  it('a 0/1 channel gets exactly the ticks 0 and 1', () => {
    const t = texts(parseXml(renderChart({ title: 'heating', unit: 'on/off', series: [{ name: 'a', points: minutes(60, (i) => (i % 20 < 10 ? 1 : 0)) }] })));
    expect(t).toEqual(expect.arrayContaining(['0', '1']));
    expect(t).not.toContain('0.5');
  });
});

describe('renderChartGrid', () => {
  it('stacks charts in one well-formed SVG, columns per row', () => {
    const charts = [demo, { ...demo, title: 'humidity', unit: '%' }, { ...demo, title: 'power', unit: 'W', height: 200 }];
    const svg = renderChartGrid(charts, 2);
    expect(svg.match(/<\?xml/g)).toHaveLength(1);
    const elements = parseXml(svg);
    expect(elements[0]?.attributes).toMatchObject({ width: '1600', height: '500', viewBox: '0 0 1600 500' });
    expect(elements.filter((e) => e.name === 'svg')).toHaveLength(1);
    const cells = elements.filter((e) => e.name === 'g' && e.attributes.transform !== undefined).map((e) => e.attributes.transform);
    expect(cells).toEqual(['translate(0 0)', 'translate(800 0)', 'translate(0 300)']);
    expect(texts(elements)).toEqual(expect.arrayContaining(['temperature', 'humidity', 'power']));
    expect(paths(elements)).toHaveLength(9);
  });

  it('defaults to one column', () => {
    const elements = parseXml(renderChartGrid([demo, { ...demo, height: 200 }]));
    expect(elements[0]?.attributes).toMatchObject({ width: '800', height: '500' });
  });

  it('says "no data" for no charts and rejects a bad column count', () => {
    expect(texts(parseXml(renderChartGrid([])))).toContain('no data');
    expect(() => renderChartGrid([demo], 0)).toThrow(RangeError);
    expect(() => renderChartGrid([demo], 1.5)).toThrow(RangeError);
  });
});
