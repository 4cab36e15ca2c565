import { describe, expect, it } from 'vitest';
import { ThresholdSyntaxError, parseThresholdExpression } from '../../src/metrics/threshold-parse.js';

const parse = parseThresholdExpression;

function failure(source: string, metric: Parameters<typeof parse>[1]): ThresholdSyntaxError {
  try {
    parse(source, metric);
  } catch (err) {
    expect(err).toBeInstanceOf(ThresholdSyntaxError);
    return err as ThresholdSyntaxError;
  }
  throw new Error(`expected "${source}" to be rejected`);
}

describe('parseThresholdExpression', () => {
  it('parses percentiles, including decimals, and keeps the source as written', () => {
    expect(parse('p(99) < 250ms', 'telemetry.latency')).toEqual({
      source: 'p(99) < 250ms',
      aggregation: { kind: 'p', percentile: 99 },
      op: '<',
      value: 250_000,
    });
    expect(parse('p(99.9)<=1s', 'connect.latency').aggregation).toEqual({ kind: 'p', percentile: 99.9 });
    expect(parse('p( 50 ) > 1ms', 'telemetry.latency').aggregation).toEqual({ kind: 'p', percentile: 50 });
    expect(parse('p(100) < 1s', 'telemetry.latency').aggregation).toEqual({ kind: 'p', percentile: 100 });
  });

  it('converts trend values to microseconds; a bare number means milliseconds', () => {
    const value = (s: string) => parse(s, 'telemetry.latency').value;
    expect(value('avg < 500us')).toBe(500);
    expect(value('avg < 500µs')).toBe(500);
    expect(value('avg < 1.1ms')).toBe(1100);
    expect(value('max < 2s')).toBe(2_000_000);
    expect(value('max < 1m')).toBe(60_000_000);
    expect(value('med < 250')).toBe(250_000);
    expect(value('min >= 0.5')).toBe(500);
  });

  it('reads every comparison operator', () => {
    for (const op of ['<', '<=', '>', '>=', '==', '!='] as const) {
      expect(parse(`count ${op} 3`, 'telemetry.sent').op).toBe(op);
    }
  });

  it('takes plain numbers for counts, counters, rates and gauges', () => {
    expect(parse('count < 100', 'telemetry.latency').value).toBe(100);
    expect(parse('count == 0', 'delivery.lost')).toMatchObject({ aggregation: { kind: 'count' }, op: '==', value: 0 });
    expect(parse('rate > 1000', 'telemetry.sent').value).toBe(1000);
    expect(parse('rate > 0.99', 'connect.success')).toMatchObject({ aggregation: { kind: 'rate' }, value: 0.99 });
    expect(parse('max < 5000', 'devices.connected').value).toBe(5000);
  });

  it('rejects an aggregation the metric type does not have, naming the valid ones', () => {
    expect(failure('rate > 0.5', 'telemetry.latency').message).toBe(
      'rate does not apply to telemetry.latency, a trend metric; use p(N), avg, min, max, med or count',
    );
    expect(failure('p(99) < 1', 'connect.success').message).toBe('p(99) does not apply to connect.success, a rate metric; use rate');
    expect(failure('avg < 3', 'telemetry.sent').message).toBe('avg does not apply to telemetry.sent, a counter metric; use count or rate');
  });

  it('says what was expected for malformed expressions', () => {
    expect(failure('', 'telemetry.latency').message).toBe('expected an expression such as "p(99) < 250ms"; found an empty string');
    expect(failure('mean < 5ms', 'telemetry.latency').message).toBe(
      'expected an aggregation (p(N), avg, min, max, med, count or rate) at the start; found "mean"',
    );
    const p99 = failure('p99 < 5ms', 'telemetry.latency');
    expect(p99.hint).toBe('write p(99)');
    expect(failure('p(0) < 5ms', 'telemetry.latency').message).toBe('expected a percentile above 0 and at most 100 in p(N); found "p(0)"');
    expect(failure('p(101) < 5ms', 'telemetry.latency').message).toContain('found "p(101)"');
    expect(failure('p < 5ms', 'telemetry.latency').message).toBe('expected a percentile in parentheses after p, such as p(95) or p(99.9)');
    expect(failure('avg(3) < 5ms', 'telemetry.latency').message).toBe('avg takes no argument; found "avg(3)"');
    const eq = failure('count = 0', 'delivery.lost');
    expect(eq.message).toBe('expected a comparison (<, <=, >, >=, == or !=) after "count"; found "= 0"');
    expect(eq.hint).toBe('write == or != to compare for equality');
    expect(failure('p(95)', 'telemetry.latency').message).toBe('expected a comparison (<, <=, >, >=, == or !=) after "p(95)"; found nothing');
    expect(failure('p(95) <', 'telemetry.latency').message).toBe('expected a number after "<"; found nothing');
    expect(failure('p(95) < fast', 'telemetry.latency').message).toBe('expected a number after "<"; found "fast"');
    expect(failure('p(95) < 5ms or so', 'telemetry.latency').message).toBe('unexpected "or so" after the value "5ms"');
  });

  it('checks units and ranges against the metric', () => {
    expect(failure('avg < 5 sec', 'telemetry.latency').message).toBe('expected a time unit us, µs, ms, s or m after 5; found "sec"');
    const unit = failure('count < 5ms', 'delivery.lost');
    expect(unit.message).toBe('delivery.lost (a counter) takes a plain number; found the unit "ms"');
    expect(unit.hint).toBe('write 5');
    expect(failure('count < 5s', 'telemetry.latency').message).toBe('the count of telemetry.latency takes a plain number; found the unit "s"');
    const pct = failure('rate > 99%', 'connect.success');
    expect(pct.message).toBe('a rate is a fraction from 0 to 1; found "99%"');
    expect(pct.hint).toBe('write 0.99');
    expect(failure('rate > 99', 'connect.success').hint).toBe('write 0.99');
  });
});
