/**
 * What connecting costs a bare Node client here, with none of fleetsim: `net.connect` (noDelay, net's `onread` into
 * one shared buffer), one pre-encoded MQTT CONNECT written, the CONNACK read, at a paced rate against a private
 * Mosquitto; 10,000 connections per rate after an unprinted warm-up run, one thread. Prints the time until all are
 * connected and the CPU per connection (process.cpuUsage, user and system, of this process). Read with the peers
 * table's connect rate: fleetsim (two workers) against this single thread, and the C floor below both.
 *
 *   npm run bench -- --only node-connect [--connections 10000] [--rates 4000,20000]
 */
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { encodeConnect } from '../src/transports/lean/frames.js';
import { startBrokers } from './peers/brokers.js';

const { values: o } = parseArgs({ options: { connections: { type: 'string', default: '10000' }, rates: { type: 'string', default: '4000,20000' } } });
const N = Number(o.connections);
const rates = (o.rates ?? '').split(',').map(Number).filter((r) => r > 0);

/** Protocol 3.1.1, clean session, keepalive 0 (frames.ts: fleetsim's encoder, pure byte layout). */
const connectFrame = (i: number): Buffer =>
  encodeConnect({ protocolVersion: 4, clientId: `node-${i}`, clean: true, keepaliveS: 0, username: undefined, password: undefined });

function run(port: number, rate: number): Promise<{ seconds: number; cpuUs: number; userUs: number }> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  const sockets: Socket[] = [];
  let online = 0;
  let launched = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  return new Promise((resolve) => {
    const onread = {
      buffer: buf,
      callback: (n: number): boolean => {
        if (n >= 4 && buf[0] === 0x20 && ++online === N) {
          const c = process.cpuUsage(c0);
          for (const s of sockets) s.destroy();
          resolve({ seconds: (performance.now() - t0) / 1000, cpuUs: (c.user + c.system) / N, userUs: c.user / N });
        }
        return true;
      },
    };
    const launch = (): void => {
      const due = Math.min(N, Math.floor(((performance.now() - t0) * rate) / 1000));
      for (; launched < due; launched++) {
        const s = connect({ host: '127.0.0.1', port, noDelay: true, onread });
        s.on('error', () => undefined); // counted by the missing CONNACK: the run then waits for the timeout below
        s.write(connectFrame(launched));
        sockets.push(s);
      }
      if (launched < N) setTimeout(launch, 1);
    };
    launch();
  });
}

const brokers = await startBrokers(1);
try {
  console.log(`\nnode-connect: a bare Node client (net.connect + CONNECT + CONNACK), ${N.toLocaleString('en-US')} connections per rate, one thread, Node ${process.version}`);
  const port = brokers.brokers[0]?.port ?? 0;
  const pause = (): Promise<void> => new Promise((res) => setTimeout(res, 2000)); // the broker closes the last run's sockets
  await run(port, 4000); // warm-up (JIT), not printed
  await pause();
  for (const rate of rates) {
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([run(port, rate), new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), 60_000)))]);
    clearTimeout(timer);
    if (r === undefined) console.log(`  asked ${rate.toLocaleString('en-US').padStart(6)}/s: not all connected within 60 s`);
    else
      console.log(
        `  asked ${rate.toLocaleString('en-US').padStart(6)}/s: all connected in ${r.seconds.toFixed(2)} s (${Math.round(N / r.seconds).toLocaleString('en-US')}/s), ${r.cpuUs.toFixed(0)} µs CPU per connection (user ${r.userUs.toFixed(0)})`,
      );
    await pause();
  }
} finally {
  brokers.stop();
}
