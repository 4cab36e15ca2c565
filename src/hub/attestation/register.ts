/**
 * How a secure-OS fleet's devices are registered in the hub's registry while attestation is required: SAS devices with
 * both keys = base64(HMAC-SHA256(attestation secret, deviceId)) (only the attestation service can mint their tokens;
 * quarantine tokens use another key and fail here, so enforcement.ts admits them separately); X.509 devices as
 * certificateAuthority devices under the attestation CA (only the service issues their leaf certificates).
 */
import { attestedDeviceKey } from '../../attestation/credentials.js';
import type { DeviceCreate } from '../iothub/registry.js';
import type { SecureDevicePolicy } from '../../attestation/service.js';

export const ATTESTATION_CA_NAME = 'fleetsim-attestation-ca';

export function secureDeviceCreate(deviceId: string, policy: SecureDevicePolicy, attestationSecret: string): DeviceCreate {
  if (policy.credential === 'x509') return { deviceId, authentication: { type: 'certificateAuthority' } };
  const key = attestedDeviceKey(attestationSecret, deviceId);
  return { deviceId, authentication: { type: 'sas', primaryKey: key, secondaryKey: key } };
}
