/**
 * runPlan over shard processes against the embedded hub: the parent merges every process's threads as it merges its
 * own; Ctrl-C (abort) still drains and reports; a shard process that dies is a warning with partial figures.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/collector.js';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';

const scenario = (steady: string): string => `
version: 1
name: multiprocess-it
seed: 3
fleets:
  - { id: m, model: thermostat, count: 60, telemetry: { every: 250ms }, transport: { qos: 1 } }
phases:
  - { kind: connect, rate: 300/s, settle: 300ms }
  - { kind: steady, duration: ${steady} }
  - { kind: drain, timeout: 3s }
`;

/** Shard processes forked by this test process (from source, they run the tsx bootstrap; built, process-child.js). */
function childPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => /ts-worker\.mjs|process-child\.js/.test(l))
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((n) => n > 0);
}

describe('a run in several processes', () => {
  it('merges two shard processes into one reconciled result', async () => {
    const plan = compileScenarioText(scenario('1500ms'), 'mp.yaml');
    const out = await runPlan(plan, { processes: 2, workers: 2 });
    expect(out.processes).toBe(2);
    expect(out.workers).toBe(2);
    const c = out.summary.total.counters;
    expect(c['connect.ok']).toBe(60);
    expect(c['telemetry.sent']).toBeGreaterThan(60 * 3);
    expect(c['telemetry.acked']).toBe(c['telemetry.sent']);
    expect(c['delivery.received']).toBe(c['telemetry.acked']);
    expect(c['delivery.lost']).toBe(0);
    expect(out.summary.reconciliation.ok).toBe(true);
  });

  it('drains and reports on abort, and turns a dead shard process into a warning', async () => {
    const plan = compileScenarioText(scenario('30s'), 'mp.yaml');
    const controller = new AbortController();
    const warnings: string[] = [];
    let killed = 0;
    const onEvent = (e: EngineEvent): void => {
      if (e.type === 'warn') warnings.push(e.message);
      if (e.type === 'phase' && e.name === 'steady') {
        setTimeout(() => {
          const [victim] = childPids();
          if (victim !== undefined) {
            process.kill(victim, 'SIGKILL');
            killed = victim;
          }
          setTimeout(() => controller.abort(), 700);
        }, 700);
      }
    };
    const started = Date.now();
    const out = await runPlan(plan, { processes: 2, workers: 2, signal: controller.signal, onEvent });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(killed).toBeGreaterThan(0);
    expect(out.interrupted).toBe(true);
    expect(out.abortReason).toBe('interrupted');
    expect(warnings.some((w) => /shard \d crashed: shard process \d \(pid \d+\) was killed by SIGKILL; its devices' figures are partial/.test(w))).toBe(true);
    // The survivor's half is all there: 30 devices connected, its sends reconciled.
    expect(out.summary.total.counters['connect.ok']).toBe(60);
    expect(out.summary.total.counters['telemetry.acked']).toBeGreaterThan(0);
  });
});
