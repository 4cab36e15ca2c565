import { mkdtempSync, rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { Agent, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { type Broker, startBroker } from '../../src/hub/broker.js';
import { type DeviceHttp, createDeviceHttp, fileNotificationRoutes } from '../../src/hub/device-http/index.js';
import { IotHubGateway } from '../../src/hub/iothub-gateway.js';
import { createServiceApi } from '../../src/hub/service-api/index.js';
import { HUB_HOST, SERVICE_KEY, localhostCert } from './iothub.js';

export interface HttpHub {
  readonly gateway: IotHubGateway;
  readonly device: DeviceHttp;
  readonly cert: Buffer;
  /** https://127.0.0.1:port: device endpoints, blob endpoint and service API on one TLS server. */
  readonly httpsUrl: string;
  readonly httpsPort: number;
  /** mqtt://127.0.0.1:port: the broker HTTPS telemetry is published into (service consumers subscribe here). */
  readonly mqttUrl: string;
  readonly blobDir: string;
}

/**
 * The embedded hub's HTTP face as hub-thread.ts mounts it, but on a node:https server (the SDKs insist on https) with a
 * localhost certificate, plus a plain MQTT listener for telemetry consumers. One per test file.
 */
export function useHttpHub(): HttpHub {
  let broker: Broker | undefined;
  let server: HttpServer | undefined;
  let hub: HttpHub | undefined;
  beforeAll(async () => {
    const tls = localhostCert();
    const gateway = new IotHubGateway({ hostName: HUB_HOST, serviceKey: SERVICE_KEY, clock: systemClock, timers: { setTimeout, clearTimeout } });
    const b = await startBroker([{ scheme: 'mqtt', host: '127.0.0.1', port: 0 }], { hooks: gateway.hooks() });
    broker = b;
    const blobDir = mkdtempSync(join(tmpdir(), 'fleetsim-test-blobs-'));
    let host = '';
    const device = createDeviceHttp(gateway, {
      hostName: HUB_HOST,
      clock: systemClock,
      blobDir,
      blobKey: Buffer.from('blob key for the tests, 32 bytes!').toString('base64'),
      blobHost: () => host,
      maxBlobBytes: 1024 * 1024,
      // As hub-thread.ts: the device endpoints have the gateway count and stamp HTTPS telemetry, then it goes into the broker.
      publish: (topic, body) => void b.publish(topic, body, 1),
    });
    const service = createServiceApi(gateway, { hostName: HUB_HOST, serviceKey: SERVICE_KEY, clock: systemClock, extraRoutes: (r) => fileNotificationRoutes(r, device.uploads) });
    const s = createHttpsServer(tls, (req, res) => {
      if (!device.tryHandle(req, res)) service(req, res);
    });
    server = s;
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    host = `127.0.0.1:${port}`;
    hub = { gateway, device, cert: tls.cert, httpsUrl: `https://${host}`, httpsPort: port, mqttUrl: b.listening[0]?.url as string, blobDir };
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await broker?.close();
    if (hub !== undefined) rmSync(hub.blobDir, { recursive: true, force: true });
  });
  const get = (): HttpHub => hub as HttpHub;
  return {
    get gateway() { return get().gateway; },
    get device() { return get().device; },
    get cert() { return get().cert; },
    get httpsUrl() { return get().httpsUrl; },
    get httpsPort() { return get().httpsPort; },
    get mqttUrl() { return get().mqttUrl; },
    get blobDir() { return get().blobDir; },
  }; // prettier-ignore
}

/** An https Agent that sends every request for any host to 127.0.0.1:port (the SDK dials its HostName on 443). */
export function redirectingAgent(port: number, ca: Buffer): Agent {
  class Redirect extends Agent {
    override createConnection(): TLSSocket {
      return tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    }
  }
  return new Redirect({ keepAlive: false });
}


export interface HubResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request to the test hub's https server (trusting its certificate). */
export async function hubRequest(hub: HttpHub, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<HubResponse> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(`${hub.httpsUrl}${path}`, { method, headers, ca: hub.cert, servername: 'localhost' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
