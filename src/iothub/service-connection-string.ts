/** A hub's service connection string: `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…` (as the portal shows it). */
export interface ServiceConnectionString {
  readonly hostName: string;
  readonly policyName: string;
  readonly key: string;
}

/** Throws an Error naming what is missing or wrong (never echoing the key). */
export function parseServiceConnectionString(s: string): ServiceConnectionString {
  const v = new Map<string, string>();
  for (const part of s.trim().split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`Invalid service connection string: '${part.trim()}' has no '='`);
    v.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const hostName = v.get('HostName');
  const policyName = v.get('SharedAccessKeyName');
  const key = v.get('SharedAccessKey');
  const shape = 'expected HostName=…;SharedAccessKeyName=…;SharedAccessKey=…';
  if (hostName === undefined || hostName === '') throw new Error(`Invalid service connection string: missing 'HostName'; ${shape}`);
  if (policyName === undefined || policyName === '') throw new Error(`Invalid service connection string: missing 'SharedAccessKeyName'; ${shape}`);
  if (key === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) throw new Error(`Invalid service connection string: 'SharedAccessKey' missing or not base64; ${shape}`);
  return { hostName, policyName, key };
}
