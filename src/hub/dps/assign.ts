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
}

export function assignToHub(hub: AssignableHub): Assign {
  return (_registrationId, deviceId, _key, d) => {
    const authentication: DeviceAuthentication = { type: 'sas', primaryKey: d.primaryKey, secondaryKey: d.secondaryKey };
    if (hub.registry.has(deviceId)) {
      hub.registry.update(deviceId, { authentication, status: 'enabled' }, '*');
      return;
    }
    hub.registry.create({ deviceId, authentication });
    if (d.initialDesired !== undefined && Object.keys(d.initialDesired).length > 0) hub.updateDesired(deviceId, d.initialDesired);
  };
}
