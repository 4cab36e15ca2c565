import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { type Broker, startBroker } from '../../src/hub/broker.js';
import { IotHubGateway } from '../../src/hub/iothub-gateway.js';

export const HUB_HOST = 'fleetsim-test.azure-devices.net';
export const SERVICE_KEY = Buffer.from('fleetsim service key for tests, 32b').toString('base64');

/** A self-signed certificate for localhost / 127.0.0.1 (openssl, as the TLS tests make theirs). */
export function localhostCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-iothub-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TestHub {
  readonly gateway: IotHubGateway;
  readonly cert: Buffer;
  /** mqtts port on 127.0.0.1. */
  readonly port: number;
  readonly wssPort: number;
  /** A second wss listener on 127.0.0.1:443 when this process may bind it (the SDK's WS transport dials 443). */
  readonly wss443: number | undefined;
}

/**
 * An IoT Hub gateway on aedes (mqtts and wss listeners) for the whole test file. `port443`: also listen on 443 when
 * this process may (the SDK's WebSocket transport dials 443); one test file asks for it, so files never compete.
 */
export function useIotHub(options: { port443?: boolean } = {}): TestHub {
  let broker: Broker | undefined;
  let hub: TestHub | undefined;
  beforeAll(async () => {
    const tls = localhostCert();
    const gateway = new IotHubGateway({ hostName: HUB_HOST, serviceKey: SERVICE_KEY, clock: systemClock, timers: { setTimeout, clearTimeout } });
    const listeners = [
      { scheme: 'mqtts' as const, host: '127.0.0.1', port: 0, tls },
      { scheme: 'wss' as const, host: '127.0.0.1', port: 0, tls },
    ];
    // The SDK's WebSocket transport always dials 443: add it on the same broker when this process may bind it.
    const with443 = [...listeners, { scheme: 'wss' as const, host: '127.0.0.1', port: 443, tls }];
    broker = await startBroker(options.port443 === true ? with443 : listeners, { hooks: gateway.hooks() }).catch(() =>
      startBroker(listeners, { hooks: gateway.hooks() }),
    );
    const port = broker.listening.find((l) => l.scheme === 'mqtts')?.port as number;
    const wssPort = broker.listening.find((l) => l.scheme === 'wss')?.port as number;
    const wss443 = broker.listening.some((l) => l.port === 443) ? 443 : undefined;
    hub = { gateway, cert: tls.cert, port, wssPort, wss443 };
  });
  afterAll(async () => {
    await broker?.close();
  });
  return {
    get gateway() {
      return (hub as TestHub).gateway;
    },
    get cert() {
      return (hub as TestHub).cert;
    },
    get port() {
      return (hub as TestHub).port;
    },
    get wssPort() {
      return (hub as TestHub).wssPort;
    },
    get wss443() {
      return (hub as TestHub).wss443;
    },
  };
}
