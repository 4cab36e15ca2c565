/**
 * The usual `Assign` for the embedded hub: create the device in the IoT Hub registry with the registration's
 * symmetric keys (the device builds its hub connection string from the key it attested with), or re-key and enable
 * an existing one; an enrollment's initial desired properties go into a new device's twin.
 */
import type { DeviceAuthentication, DeviceCreate, DeviceUpdate } from '../iothub/registry.js';
import type { Assign } from './service.js';

/** The part of IotHubGateway this needs (structural, so this module does not import the gateway). */
export interface AssignableHub {
  readonly registry: {
    has(deviceId: string): boolean;
    create(input: DeviceCreate): unknown;
    update(deviceId: string, changes: DeviceUpdate, ifMatch: string): unknown;
  };
  updateDesired(deviceId: string, patch: unknown): number;
  /** The hub's trusted CAs: an X.509 group enrollment's CA is added, verified, for the devices it assigns. */
  readonly certificates?: { get(name: string): unknown; put(name: string, pem: string, isVerified: boolean): unknown };
}

export function assignToHub(hub: AssignableHub): Assign {
  return (_registrationId, deviceId, _key, d) => {
    const authentication = authenticationOf(hub, d);
    if (hub.registry.has(deviceId)) {
      hub.registry.update(deviceId, { authentication, status: 'enabled' }, '*');
      return;
    }
    hub.registry.create({ deviceId, authentication });
    if (d.initialDesired !== undefined && Object.keys(d.initialDesired).length > 0) hub.updateDesired(deviceId, d.initialDesired);
  };
}

/**
 * X.509 registrations become X.509 devices: an individual enrollment's device is `selfSigned` with its certificate's
 * thumbprint; a group's is `certificateAuthority`, and the hub trusts the group's CA (as DPS-provisioned CA devices
 * connect to IoT Hub without the CA being uploaded there by hand).
 */
function authenticationOf(hub: AssignableHub, d: Parameters<Assign>[3]): DeviceAuthentication {
  if (d.certificateThumbprint === undefined) return { type: 'sas', primaryKey: d.primaryKey, secondaryKey: d.secondaryKey };
  const e = d.enrollment;
  if (e.kind === 'individual') return { type: 'selfSigned', primaryThumbprint: d.certificateThumbprint };
  if (e.x509Ca !== undefined && hub.certificates !== undefined) {
    const name = `dps-${e.name}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
    if (hub.certificates.get(name) === undefined) hub.certificates.put(name, e.x509Ca, true);
  }
  return { type: 'certificateAuthority' };
}
