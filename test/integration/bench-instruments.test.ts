/**
 * The peers benchmark's instruments measure what they claim (bench/peers/): broker-side connection counts, Mosquitto's
 * message counter, CPU and RSS of a process tree (detached members included), and a whole measurement of a real tool.
 * Real Mosquitto instances on free loopback ports, real sockets, real child processes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerSet, type CounterSample, HOST, MessageCounter, sleep, startBrokers } from '../../bench/peers/brokers.js';
import { connections } from '../../bench/peers/measure.js';
import { mqttjs } from '../../bench/peers/mqttjs.js';
import { processTree, sampleTree } from '../../bench/peers/proc.js';
import { spawnTool } from '../../bench/peers/tool.js';
import { NOT_INSTALLED, tsung, tsungXml } from '../../bench/peers/tsung.js';
import { mqtt } from '../../src/transports/mqtt/lib.js';

const hasMosquitto = ((): boolean => {
  try {
    execFileSync('sh', ['-c', 'command -v mosquitto'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function until(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

const open = (port: number, n: number): Promise<Socket[]> =>
  Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: HOST, port }, () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );

describe.skipIf(!hasMosquitto)('bench instruments (needs the mosquitto binary)', () => {
  let brokers: BrokerSet;
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-test-bench-'));
  beforeAll(async () => {
    brokers = await startBrokers(2);
  });
  afterAll(() => {
    brokers.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts established connections per broker from the broker side, monitors excluded', async () => {
    const [a, b] = brokers.brokers;
    if (a === undefined || b === undefined) throw new Error('two brokers expected');
    const first = await open(a.port, 30);
    const second = await open(b.port, 20);
    await until(async () => (await brokers.connections()).join() === '30,20');
    const counter = await MessageCounter.start(a, () => {});
    expect(await brokers.connections()).toEqual([30, 20]);
    for (const s of first.slice(0, 10)) s.destroy();
    await until(async () => (await brokers.connections()).join() === '20,20');
    await counter.stop();
    for (const s of [...first, ...second]) s.destroy();
    await until(async () => (await brokers.connections()).join() === '0,0');
  });

  it("follows Mosquitto's received-PUBLISH counter", async () => {
    const broker = brokers.brokers[0];
    if (broker === undefined) throw new Error('no broker');
    const samples: CounterSample[] = [];
    const counter = await MessageCounter.start(broker, (s) => samples.push(s));
    await until(() => samples.length > 0, 3000);
    const before = samples[samples.length - 1]?.received ?? 0;
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    for (let i = 0; i < 500; i++) await client.publishAsync(`t/${i % 7}`, 'x'.repeat(40), { qos: 1 });
    await client.endAsync();
    await until(() => (samples[samples.length - 1]?.received ?? 0) - before >= 500, 4000);
    expect((samples[samples.length - 1]?.received ?? 0) - before).toBe(500);
    await counter.stop();
  });

  it('measures CPU and RSS of a whole process tree, a detached member included, and stops all of it', async () => {
    // A child that touches 64 MiB, spins 600 ms of CPU, and leaves an orphan (started by a shell that exits at once, so it is
    // re-parented away from the tree, as Erlang's -detached VMs are) that idles.
    const script = `
      const { execFileSync } = require('node:child_process');
      const orphan = execFileSync('sh', ['-c', '"$0" -e "setInterval(() => {}, 1000)" >/dev/null 2>&1 & echo $!', process.execPath]).toString().trim();
      const big = Buffer.alloc(64 * 1024 * 1024, 1);
      while (process.cpuUsage().user < 600000) {} // 600 ms of its own CPU, however busy the machine
      console.log('ready', orphan, big.length);
      setInterval(() => {}, 1000);`;
    const run = spawnTool(process.execPath, ['-e', script]);
    const before = sampleTree(run.pid, run.marker);
    await until(() => run.tail().startsWith('ready'), 10_000);
    const grandchild = Number(run.tail().split(' ')[1]);
    await until(() => processTree(-1, run.marker).includes(grandchild), 3000);
    const after = sampleTree(run.pid, run.marker);
    expect(after.pids).toBeGreaterThanOrEqual(2);
    expect(processTree(run.pid)).not.toContain(grandchild); // not a descendant any more: found by the marker
    expect(after.rssBytes - before.rssBytes).toBeGreaterThan(50 * 2 ** 20);
    expect(after.cpuMicros - before.cpuMicros).toBeGreaterThan(500_000);
    await run.stop(500);
    await until(() => processTree(-1, run.marker).length === 0, 3000);
  });

  it('a broker with several listeners counts the connections on every one of its ports', async () => {
    const multi = await startBrokers(1, 2);
    try {
      const [b] = multi.brokers;
      expect(b?.ports.length).toBe(2);
      expect(b?.urls).toEqual(b?.ports.map((p) => `mqtt://${HOST}:${p}`));
      const sockets = [...(await open(b?.ports[0] ?? 0, 3)), ...(await open(b?.ports[1] ?? 0, 4))];
      await until(async () => (await multi.connections()).join() === '7');
      for (const s of sockets) s.destroy();
      await until(async () => (await multi.connections()).join() === '0');
    } finally {
      multi.stop();
    }
  });

  it('measures a real tool end to end: 300 mqtt.js connections, counted by the broker', async () => {
    const w = { name: 'test', connections: 300, connectRate: 1000, brokers: brokers.brokers, sourceAddresses: [], holdS: 60 };
    const r = await connections(mqttjs, w, brokers, dir, { pollMs: 100, stallS: 5, timeoutS: 60 });
    expect(r.ended).toBe('target');
    expect(r.live).toBe(300);
    expect(r.mqttLive).toBe(300);
    expect(r.perBroker).toEqual([150, 150]); // device i → broker i mod 2
    expect(r.connectRate).toBeGreaterThan(0);
    expect(r.kibPerConn).toBeGreaterThan(0);
    await until(async () => (await brokers.connections()).join() === '0,0');
  });

  it('drives Tsung from a generated tsung.xml (skipped when tsung is not installed)', async (ctx) => {
    const missing = await tsung.unavailable();
    if (missing !== undefined) {
      expect(missing).toBe(NOT_INSTALLED);
      ctx.skip();
    }
    const w = { name: 'test', connections: 200, connectRate: 500, brokers: brokers.brokers.slice(0, 1), sourceAddresses: [], holdS: 60 };
    expect(tsungXml(w)).toContain('maxnumber="200"');
    const r = await connections(tsung, w, brokers, dir, { pollMs: 100, stallS: 10, timeoutS: 60 });
    expect(r.live).toBe(200);
    expect(r.perBroker).toEqual([200, 0]);
    await until(async () => (await brokers.connections()).join() === '0,0', 10_000);
  });
});

describe('bench peers: generated Tsung configuration', () => {
  const broker = (port: number) => ({ port, pid: 0, url: `mqtt://${HOST}:${port}`, ports: [port], urls: [`mqtt://${HOST}:${port}`] });
  it('uses one VM up to 19,000 users, several above, and lists every broker', () => {
    const small = tsungXml({ name: 'a', connections: 1000, connectRate: 500, brokers: [broker(1)], sourceAddresses: [], holdS: 5 });
    expect(small).toContain('use_controller_vm="true"');
    expect(small).toContain('<thinktime value="5" random="false"/>');
    const big = tsungXml({
      name: 'b',
      connections: 40_000,
      connectRate: 5000,
      brokers: [broker(1), broker(2), broker(3)],
      sourceAddresses: ['127.0.0.2'],
      holdS: 5,
      publish: { qos: 1, everyMs: 1000 },
      rampLimitS: 150,
    });
    expect(big).toContain('maxusers="19000" cpu="3"');
    expect(big.match(/<server /g)?.length).toBe(3);
    expect(big).toContain('<ip value="127.0.0.2"/>');
    expect(big).toContain('duration="150"');
    expect(big).toMatch(/<mqtt type="publish" topic="fleetsim\/d\/%%_tsung_userid%%\/telemetry" qos="1">x{120}<\/mqtt>/);
  });
});
