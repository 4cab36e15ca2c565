import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../support/brokers.js';
import { fleetsim } from '../support/cli.js';

describe('fleetsim CLI (built, spawned)', () => {
  it('runs the quickstart on the embedded hub: exit 0, reconciled report, JSON result', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fleetsim-e2e-'));
    const r = await fleetsim(['run', 'scenarios/quickstart.yaml', '--out', out]);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ reconciled/);
    expect(r.stdout).toMatch(/thresholds passed/);
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(out, files[0] as string), 'utf8'));
    expect(result.fleetsimResult).toBe(1);
    expect(result.exitCode).toBe(0);
    expect(result.summary.reconciliation.ok).toBe(true);
    expect(result.summary.total.counters['connect.ok']).toBeGreaterThanOrEqual(1000);
    expect(result.summary.total.counters['delivery.lost']).toBe(0);
    expect(Object.keys(result.histograms).length).toBeGreaterThan(0);
    // the result re-renders later
    const again = await fleetsim(['report', join(out, files[0] as string)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/✓ reconciled/);
  }, 120_000);

  it('rejects an invalid scenario with exit 2 and every problem at file:line:col', async () => {
    const r = await fleetsim(['run', 'test/fixtures/e2e/invalid.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid\.yaml:8:7/); // unknown key "evry"
    expect(r.stderr).toMatch(/did you mean "every"/);
    expect(r.stderr).toMatch(/invalid\.yaml:11:11/); // bad rate
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('validate: exit 0 with a summary for a valid scenario', async () => {
    const r = await fleetsim(['validate', 'scenarios/quickstart.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is valid/);
  });

  it('validate: the preflight warns when one endpoint takes more than half the ephemeral range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-e2e-'));
    const file = join(dir, 'big.yaml');
    writeFileSync(file, 'version: 1\nname: big\ntarget: mqtt://127.0.0.1:1883\nfleets:\n  - { id: a, model: thermostat, count: 15000 }\nphases:\n  - { kind: connect, rate: 1000/s }\n');
    const r = await fleetsim(['validate', file, '--no-color']);
    expect(r.code).toBe(0);
    const [low = 0, high = 0] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const half = Math.floor((high - low + 1) / 2);
    if (half < 15_000) expect(r.stdout).toMatch(/\n {2}preflight warning: 15,000 connections per endpoint pass half the ephemeral range .*spread the devices over \d+ or more endpoints/);
    else expect(r.stdout).not.toMatch(/preflight warning/);
  });

  it('exits 99 when a threshold fails, and says which', async () => {
    const r = await fleetsim(['run', 'test/fixtures/e2e/impossible-threshold.yaml', '--quiet']);
    expect(r.code).toBe(99);
    expect(r.stdout).toMatch(/✗.*telemetry\.latency/);
  }, 60_000);

  it('exits 1 naming the target when the broker is unreachable', async () => {
    const url = `mqtt://127.0.0.1:${await closedPort()}`;
    const r = await fleetsim(['run', 'scenarios/smoke.yaml', '--target', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(url);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('on SIGINT stops, drains, prints the report and exits 130', async () => {
    let sent = false;
    const r = await fleetsim(['run', 'test/fixtures/e2e/long.yaml'], {
      onStderr: (chunk, child) => {
        if (!sent && /phase 2\/\d+: steady/.test(chunk)) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 500);
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/reconciled/);
  }, 60_000);

  it('usage errors exit 2; --help teaches with examples', async () => {
    const bad = await fleetsim(['run']);
    expect(bad.code).toBe(2);
    const help = await fleetsim(['run', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/--target/);
    expect(help.stdout).toMatch(/Exit codes/);
  });
});
