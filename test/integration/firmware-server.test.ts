import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firmwareCatalog } from '../../src/devices/secure-os/index.js';
import { FirmwareServer } from '../../src/hub/attestation/firmware-server.js';
import { createHttpAgents } from '../../src/transports/iothub/http-client.js';
import { downloadOverHttps } from '../../src/transports/secure-os/firmware-download.js';

// The firmware server's HTTP side on a real socket: ranges, errors, and an honest bandwidth limit.
const catalog = firmwareCatalog('fw-test', [{ name: 'app', version: '2.4.0', svn: 4, sizeBytes: 40_000 }]);
const server = new FirmwareServer(catalog);
let http: Server;
let base = '';

beforeAll(async () => {
  http = createServer((req, res) => {
    if (!server.tryHandle(req, res)) res.writeHead(418).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const a = http.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

describe('the firmware server over HTTP', () => {
  it('serves ranges of the catalog image; refuses unknown images and bad ranges; leaves other paths alone', async () => {
    const image = catalog.image('app', '2.4.0').bytes();
    const r = await fetch(`${base}/firmware/app/2.4.0`, { headers: { range: 'bytes=100-199' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 100-199/40000');
    expect(Buffer.from(await r.arrayBuffer()).equals(image.subarray(100, 200))).toBe(true);
    const whole = await fetch(`${base}/firmware/app/2.4.0`);
    expect(whole.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await whole.arrayBuffer())).digest().equals(catalog.image('app', '2.4.0').digest)).toBe(true);
    expect((await fetch(`${base}/firmware/app/9.9.9`)).status).toBe(404);
    expect((await fetch(`${base}/firmware/app/2.4.0`, { headers: { range: 'bytes=50000-' } })).status).toBe(416);
    expect((await fetch(`${base}/devices/x`)).status).toBe(418);
  });

  it('paces the body at the rate the device announces: 40 kB at 200 kB/s take at least 200 ms', async () => {
    const agents = createHttpAgents(undefined);
    const started = performance.now();
    const bytes = await downloadOverHttps(base, agents, { name: 'app', version: '2.4.0', sizeBytes: 40_000, chunkBytes: 16_384, bytesPerS: 200_000, timeoutMs: 5000, now: () => Date.now() });
    const ms = performance.now() - started;
    expect(bytes.equals(catalog.image('app', '2.4.0').bytes())).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(195); // 40,000 B ÷ 200,000 B/s, less timer granularity
    agents.http.destroy();
  });
});
