import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fleetDeviceKey } from '../../iothub/index.js';
import type { IotHubDevicePlan } from '../../scenario/plan.js';
import { TransportError } from '../transport.js';

/**
 * How one IoT Hub device proves who it is: a symmetric key (its own from a connection string, or derived from the
 * fleet's group key) for SAS tokens, or an X.509 certificate and key (read once from the fleet's certificate folder,
 * then kept) for the TLS handshake. A fleet whose transport.tls gives the one certificate passes it through the TLS
 * options instead (no per-device certificate here).
 */
export class DeviceCredentials {
  private readonly certs = new Map<string, { cert: string; key: string }>();

  constructor(private readonly hub: IotHubDevicePlan) {}

  get x509(): boolean {
    return this.hub.auth !== 'sas';
  }

  /** The symmetric key of a SAS device (registration id = device id before DPS assigns one). */
  key(registrationId: string): string {
    return this.hub.deviceKey ?? fleetDeviceKey(this.hub.groupKey, registrationId);
  }

  /** The client certificate of an X.509 device, or undefined (SAS, or the fleet's own transport.tls certificate). */
  clientCert(registrationId: string): { cert: string; key: string } | undefined {
    const dir = this.hub.certDir;
    if (!this.x509 || dir === undefined) return undefined;
    let c = this.certs.get(registrationId);
    if (c === undefined) {
      try {
        c = { cert: readFileSync(join(dir, `${registrationId}.pem`), 'utf8'), key: readFileSync(join(dir, `${registrationId}.key`), 'utf8') };
      } catch (err) {
        throw new TransportError('CERT_MISSING', `no certificate for ${registrationId} in ${dir}: ${(err as Error).message}`);
      }
      this.certs.set(registrationId, c);
    }
    return c;
  }
}
