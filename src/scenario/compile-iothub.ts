/**
 * Checks and derived values for a fleet's IoT Hub identity (transport.iothub): X.509 authentication and device
 * connection strings as the Azure portal gives them.
 */
import { type DeviceConnectionString, parseConnectionString } from '../iothub/connection-string.js';
import { type DocPath, type Problem, problem } from './issues.js';
import type { FleetSpec } from './schema.js';

/** The endpoint a connection string's device dials: mqtts to its gateway host or hub, on 8883 unless a port is given. */
export function connectionStringUrl(cs: DeviceConnectionString): string {
  const host = cs.gatewayHostName ?? cs.hostName;
  return /:\d+$/.test(host) ? `mqtts://${host}` : `mqtts://${host}:8883`;
}

export function iothubProblems(f: FleetSpec, at: DocPath): Problem[] {
  const t = f.transport;
  const hub = t.iothub;
  if (t.dialect !== 'iothub' || hub === undefined) return [];
  const found: Problem[] = [];
  const hubAt = [...at, 'transport', 'iothub'];
  const x509 = hub.auth === 'x509-self-signed' || hub.auth === 'x509-ca';
  const ownCert = t.tls?.cert !== undefined;
  if (x509 && ownCert && f.count !== 1) {
    found.push(problem([...at, 'transport', 'tls', 'cert'], `one certificate cannot serve ${f.count} X.509 devices (CN = device id)`, 'remove tls cert/key: fleetsim makes one certificate per device'));
  }
  if (x509 && hub.protocol === 'https') {
    found.push(problem([...hubAt, 'protocol'], `fleetsim's HTTPS devices authenticate with SAS tokens only; auth is ${hub.auth}`, 'use protocol: mqtt for X.509 devices, or auth: sas'));
  }
  if (hub.connectionString === undefined) return found;
  let cs: DeviceConnectionString;
  try {
    cs = parseConnectionString(hub.connectionString);
  } catch (err) {
    return [...found, problem([...hubAt, 'connectionString'], (err as Error).message)];
  }
  if (f.count !== 1) found.push(problem([...at, 'count'], `a connection string names one device (${cs.deviceId}); found count ${f.count}`, 'set count: 1'));
  if (cs.moduleId !== undefined) found.push(problem([...hubAt, 'connectionString'], 'module identities (ModuleId=…) are not simulated yet', 'use a device connection string'));
  if (hub.provisioning === 'dps') found.push(problem([...hubAt, 'provisioning'], 'a connection string already names the hub and device; DPS is not used with it', 'remove provisioning'));
  if (hub.hostName !== undefined && hub.hostName.toLowerCase() !== cs.hostName.toLowerCase()) {
    found.push(problem([...hubAt, 'hostName'], `hostName ${hub.hostName} differs from the connection string's HostName ${cs.hostName}`, 'remove hostName'));
  }
  if (cs.sharedAccessKey !== undefined && x509) {
    found.push(problem([...hubAt, 'auth'], `auth ${hub.auth} contradicts the connection string's SharedAccessKey`, 'remove auth, or use a connection string with x509=true'));
  }
  if (cs.x509 === true && hub.auth === 'sas') found.push(problem([...hubAt, 'auth'], 'auth sas contradicts x509=true in the connection string', 'remove auth'));
  if (f.idPattern !== undefined && f.idPattern !== '{fleet}-{index:06}' && f.idPattern !== cs.deviceId) {
    found.push(problem([...at, 'idPattern'], `the connection string names the device (${cs.deviceId})`, 'remove idPattern'));
  }
  return found;
}
