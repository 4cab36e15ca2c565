import { compileTemplate } from '../core/template.js';
import { fleetDeviceKey } from '../iothub/index.js';
import type { DpsGateway } from './dps/index.js';
import type { EmbeddedFleet } from './embedded.js';
import type { IotHubGateway } from './iothub-gateway.js';
import type { DeviceCreate } from './iothub/registry.js';
import { ATTESTATION_CA_NAME, secureDeviceCreate } from './attestation/register.js';
import type { AttestationService } from '../attestation/service.js';

/**
 * Register a run's IoT Hub fleets in the embedded hub. Without DPS, every device is created up front: SAS with its key
 * derived from the fleet's group key, X.509 self-signed with its certificate's thumbprint, or X.509 CA-signed (the hub
 * then trusts the fleet's CA). With DPS, the fleet becomes an enrollment: a symmetric-key group, individual X.509
 * enrollments by thumbprint, or an X.509 group enrollment with the fleet CA. Secure-OS fleets that require attestation
 * are registered so that only the attestation service's credentials authenticate them (attestation/register.ts).
 */
export function registerFleets(gateway: IotHubGateway, dps: DpsGateway, fleets: readonly EmbeddedFleet[], attestation?: AttestationService): void {
  for (const f of fleets) {
    if (f.secureOs !== undefined && registerSecure(gateway, f, attestation)) continue;
    const auth = f.auth ?? 'sas';
    const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
    const ids = Array.from({ length: f.count }, (_, index) => idOf({ fleet: f.id, index }));
    if (auth === 'x509-ca' && f.caPem === undefined) throw new Error(`fleet ${f.id}: x509-ca needs the fleet CA`);
    if (auth === 'x509-self-signed' && f.thumbprints?.length !== f.count) throw new Error(`fleet ${f.id}: x509-self-signed needs one thumbprint per device`);
    if (f.provisioning === 'dps') {
      if (auth === 'sas') dps.enrollments.addGroup({ name: f.id, primaryKey: f.groupKey });
      else if (auth === 'x509-ca') dps.enrollments.addX509Group(f.id, f.caPem as string);
      else ids.forEach((id, i) => dps.enrollments.addX509Individual(id, [f.thumbprints?.[i] as string]));
      continue;
    }
    if (auth === 'x509-ca') gateway.certificates.put(`fleet-${f.id}`, f.caPem as string, true);
    const devices = ids.map((deviceId, i): DeviceCreate => {
      if (auth === 'x509-ca') return { deviceId, authentication: { type: 'certificateAuthority' } };
      if (auth === 'x509-self-signed') return { deviceId, authentication: { type: 'selfSigned', primaryThumbprint: f.thumbprints?.[i] as string } };
      const key = fleetDeviceKey(f.groupKey, deviceId);
      return { deviceId, authentication: { type: 'sas', primaryKey: key, secondaryKey: key } };
    });
    gateway.registry.createMany(devices);
  }
}

/** True when the fleet was registered for attestation (false: `require: off`, registered as any other fleet). */
function registerSecure(gateway: IotHubGateway, f: EmbeddedFleet, attestation: AttestationService | undefined): boolean {
  if (attestation === undefined) throw new Error(`fleet ${f.id}: secureOs devices need the hub's attestation service (EmbeddedIotHub.attestation)`);
  const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
  const first = attestation.policyOf(idOf({ fleet: f.id, index: 0 }));
  if (first === undefined || first.require === 'off') return false;
  if (f.provisioning === 'dps') throw new Error(`fleet ${f.id}: secureOs devices get their credential from attestation, not DPS: set provisioning to none`);
  if (first.credential === 'x509') gateway.certificates.put(ATTESTATION_CA_NAME, attestation.ca.certPem, true);
  const devices = Array.from({ length: f.count }, (_, index) => {
    const deviceId = idOf({ fleet: f.id, index });
    return secureDeviceCreate(deviceId, attestation.policyOf(deviceId) ?? first, attestation.serviceKey);
  });
  gateway.registry.createMany(devices);
  return true;
}
