/**
 * Device / module connection strings as the Azure device SDKs read them (§1.1, §1.4, §3):
 * `HostName=…;DeviceId=…[;ModuleId=…];SharedAccessKey=…[;GatewayHostName=…]` or `…;x509=true`.
 */

export interface DeviceConnectionString {
  hostName: string;
  deviceId: string;
  moduleId?: string;
  sharedAccessKey?: string;
  x509?: boolean;
  /** Where the socket really goes (§1.1 emulator trick); the SAS and username still name `hostName`. */
  gatewayHostName?: string;
}

const SHAPE = 'expected HostName=…;DeviceId=…;SharedAccessKey=… (or x509=true; optional ModuleId=…, GatewayHostName=…)';
const KNOWN = ['HostName', 'DeviceId', 'ModuleId', 'SharedAccessKey', 'x509', 'GatewayHostName'] as const;
type Known = (typeof KNOWN)[number];

function fail(what: string): never {
  throw new Error(`Invalid IoT Hub device connection string: ${what}; ${SHAPE}`);
}

/**
 * Parses a device or module connection string (keys case-sensitive, as the SDKs read them; values may
 * contain `=`). Throws an Error naming the missing, empty, duplicate or unknown key and showing the
 * expected shape; never echoes the key material.
 */
export function parseConnectionString(s: string): DeviceConnectionString {
  const v = new Map<Known, string>();
  for (const part of s.trim().split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (!(KNOWN as readonly string[]).includes(key)) fail(`unknown key '${key}'`);
    const k = key as Known;
    if (v.has(k)) fail(`duplicate key '${k}'`);
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (value === '') fail(`empty value for '${k}'`);
    v.set(k, value);
  }
  const hostName = v.get('HostName');
  const deviceId = v.get('DeviceId');
  if (hostName === undefined) fail("missing 'HostName'");
  if (deviceId === undefined) fail("missing 'DeviceId'");
  const out: DeviceConnectionString = { hostName, deviceId };
  const moduleId = v.get('ModuleId');
  if (moduleId !== undefined) out.moduleId = moduleId;
  const key = v.get('SharedAccessKey');
  if (key !== undefined) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) fail("'SharedAccessKey' is not base64");
    out.sharedAccessKey = key;
  }
  const x509 = v.get('x509');
  if (x509 !== undefined) {
    const lower = x509.toLowerCase();
    if (lower !== 'true' && lower !== 'false') fail(`'x509' must be true or false`);
    out.x509 = lower === 'true';
  }
  if (key === undefined && out.x509 !== true) fail("missing 'SharedAccessKey' (or x509=true)");
  const gw = v.get('GatewayHostName');
  if (gw !== undefined) out.gatewayHostName = gw;
  return out;
}

/** Formats a connection string in the portal's key order (HostName, DeviceId, ModuleId, SharedAccessKey, x509, GatewayHostName); throws if a value contains `;`. */
export function formatConnectionString(c: DeviceConnectionString): string {
  const parts: Array<[string, string | undefined]> = [
    ['HostName', c.hostName],
    ['DeviceId', c.deviceId],
    ['ModuleId', c.moduleId],
    ['SharedAccessKey', c.sharedAccessKey],
    ['x509', c.x509 === true ? 'true' : undefined],
    ['GatewayHostName', c.gatewayHostName],
  ];
  return parts
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, val]) => {
      if (val.includes(';')) throw new Error(`connection string value for '${k}' must not contain ';'`);
      return `${k}=${val}`;
    })
    .join(';');
}
