/**
 * Device certificates of a run's X.509 fleets, kept in the data directory so later runs reuse them:
 *   fleets/<fleet>/ca.pem, ca.key                      the fleet CA (x509-ca), made once
 *   fleets/<fleet>/<auth>/<deviceId>.pem, .key         one certificate per device, CN = device id
 *   fleets/<fleet>/x509-self-signed/thumbprints.csv    deviceId,sha1,sha256: what a real hub registers
 * Names are deterministic (fleet and device ids); key material is random, made on first use. A certificate that is
 * missing, unreadable, expiring within a day or (x509-ca) not issued by the fleet CA is made again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetsimError } from '../core/errors.js';
import { compileTemplate } from '../core/template.js';
import { type CertKeyPair, certInfo, createRootCa, createSelfSignedClientCert, issueClientCert, issuedBy, thumbprints } from '../core/x509.js';
import type { FleetPlan, RunPlan } from '../scenario/plan.js';

/** What the embedded hub must know of an X.509 fleet to let its devices in. */
export interface FleetCredentials {
  /** x509-self-signed: SHA-256 thumbprint per device, index order. */
  readonly thumbprints?: readonly string[];
  /** x509-ca: the fleet CA. */
  readonly caPem?: string;
  /** Where the certificates are. */
  readonly dir: string;
  /** Certificates made by this run (the others were reused). */
  readonly made: number;
}

const DAY_MS = 86_400_000;
const BATCH = 32;

export function needsCertificates(f: FleetPlan): boolean {
  const hub = f.transport.iothub;
  return hub !== undefined && hub.auth !== 'sas' && f.transport.tls?.certFile === undefined;
}

/** Make or reuse the certificates of every X.509 fleet; returns the plan with each fleet's certDir set. */
export async function prepareFleetCertificates(plan: RunPlan, dataDir: string | undefined, nowMs = Date.now()): Promise<{ plan: RunPlan; credentials: Map<string, FleetCredentials> }> {
  const credentials = new Map<string, FleetCredentials>();
  for (const f of plan.fleets) {
    // One device with its own certificate (transport.tls cert/key): the hub registers that certificate's thumbprint.
    const own = f.transport.tls?.certFile;
    if (f.transport.iothub !== undefined && f.transport.iothub.auth !== 'sas' && own !== undefined) {
      credentials.set(f.id, { thumbprints: [thumbprints(readFileSync(own, 'utf8')).sha256], dir: '', made: 0 });
    }
  }
  const x509 = plan.fleets.filter(needsCertificates);
  if (x509.length === 0) return { plan, credentials };
  if (dataDir === undefined) throw new FleetsimError('FLEETSIM_E_USAGE', 'X.509 fleets need a data directory for their certificates', { hint: 'pass --data-dir or set FLEETSIM_DATA_DIR' });
  for (const f of x509) credentials.set(f.id, await fleetCertificates(f, dataDir, nowMs));
  const fleets = plan.fleets.map((f) => {
    const c = credentials.get(f.id);
    const hub = f.transport.iothub;
    return c === undefined || hub === undefined ? f : { ...f, transport: { ...f.transport, iothub: { ...hub, certDir: c.dir } } };
  });
  return { plan: { ...plan, fleets }, credentials };
}

async function fleetCertificates(f: FleetPlan, dataDir: string, nowMs: number): Promise<FleetCredentials> {
  const auth = f.transport.iothub?.auth ?? 'sas';
  const fleetDir = join(dataDir, 'fleets', f.id);
  const dir = join(fleetDir, auth);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `cannot create ${dir} for fleet ${f.id}'s certificates: ${(err as Error).message}`, { hint: 'choose another --data-dir' });
  }
  const ca = auth === 'x509-ca' ? await fleetCa(fleetDir, f.id, nowMs) : undefined;
  const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
  const ids = Array.from({ length: f.count }, (_, index) => idOf({ fleet: f.id, index }));
  const prints: string[] = new Array<string>(ids.length);
  const rows: string[] = new Array<string>(ids.length);
  let made = 0;
  for (let start = 0; start < ids.length; start += BATCH) {
    await Promise.all(
      ids.slice(start, start + BATCH).map(async (id, k) => {
        const certFile = join(dir, `${id}.pem`);
        const keyFile = join(dir, `${id}.key`);
        let pem = usable(certFile, keyFile, ca, nowMs);
        if (pem === undefined) {
          const pair = ca === undefined ? await createSelfSignedClientCert({ commonName: id, now: new Date(nowMs) }) : await issueClientCert(ca, { commonName: id, now: new Date(nowMs) });
          writeFileSync(keyFile, pair.key, { mode: 0o600 });
          writeFileSync(certFile, pair.cert);
          pem = pair.cert;
          made++;
        }
        const t = thumbprints(pem);
        prints[start + k] = t.sha256;
        rows[start + k] = `${id},${t.sha1},${t.sha256}`;
      }),
    );
  }
  if (ca === undefined) writeFileSync(join(dir, 'thumbprints.csv'), `deviceId,sha1,sha256\n${rows.join('\n')}\n`);
  return ca === undefined ? { thumbprints: prints, dir, made } : { caPem: ca.cert, dir, made };
}

async function fleetCa(fleetDir: string, fleetId: string, nowMs: number): Promise<CertKeyPair> {
  const certFile = join(fleetDir, 'ca.pem');
  const keyFile = join(fleetDir, 'ca.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    try {
      const pair = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
      if (certInfo(pair.cert).notAfterMs > nowMs + DAY_MS) return pair;
    } catch {
      /* made again below */
    }
  }
  const pair = await createRootCa({ commonName: `fleetsim fleet ${fleetId} CA`, now: new Date(nowMs) });
  writeFileSync(keyFile, pair.key, { mode: 0o600 });
  writeFileSync(certFile, pair.cert);
  return pair;
}

function usable(certFile: string, keyFile: string, ca: CertKeyPair | undefined, nowMs: number): string | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  try {
    const pem = readFileSync(certFile, 'utf8');
    if (certInfo(pem).notAfterMs < nowMs + DAY_MS) return undefined;
    if (ca !== undefined && !issuedBy(pem, ca.cert)) return undefined;
    return pem;
  } catch {
    return undefined;
  }
}
