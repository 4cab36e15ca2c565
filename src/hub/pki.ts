/**
 * The embedded hub's TLS identity, kept in its data directory: a root CA made on first start (`ca.pem`, `ca.key`,
 * the key 0600) and a server certificate it issues (`server.pem`, `server.key`) for localhost, 127.0.0.1 and the hub's
 * names. Later starts reuse both; the server certificate is issued again when it expires within a day or its names
 * changed. Clients trust `ca.pem` (`--cafile`, NODE_EXTRA_CA_CERTS, or the scenario's `transport.tls.ca`).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetsimError } from '../core/errors.js';
import { type CertKeyPair, certInfo, createRootCa, issueServerCert } from '../core/x509.js';

export interface HubPki {
  readonly dir: string;
  /** Path of the CA certificate clients must trust. */
  readonly caFile: string;
  readonly ca: CertKeyPair;
  readonly server: CertKeyPair;
  /** What this start did: made a new CA, issued a new server certificate, or reused both. */
  readonly created: { readonly ca: boolean; readonly server: boolean };
}

const DAY_MS = 86_400_000;

/** Load or create the hub's CA and server certificate in `dir` for `names` (DNS names or IP addresses). */
export async function ensureHubPki(dir: string, names: readonly string[], nowMs = Date.now()): Promise<HubPki> {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `cannot create the hub data directory ${dir}: ${(err as Error).message}`, {
      hint: 'choose another one with --data-dir or FLEETSIM_DATA_DIR',
    });
  }
  const caFile = join(dir, 'ca.pem');
  const caKeyFile = join(dir, 'ca.key');
  let ca = readPair(caFile, caKeyFile);
  const newCa = ca === undefined || certInfo(ca.cert).notAfterMs < nowMs + DAY_MS;
  if (newCa || ca === undefined) {
    ca = await createRootCa({ commonName: 'fleetsim embedded hub CA', now: new Date(nowMs) });
    writePair(caFile, caKeyFile, ca);
  }
  const serverFile = join(dir, 'server.pem');
  const serverKeyFile = join(dir, 'server.key');
  const altNames = [...new Set(['localhost', '127.0.0.1', ...names])];
  let server = newCa ? undefined : readPair(serverFile, serverKeyFile);
  const newServer = server === undefined || !serverFits(server.cert, altNames, nowMs);
  if (newServer || server === undefined) {
    server = await issueServerCert(ca, { commonName: altNames.find((n) => n !== 'localhost' && !/^[\d.]+$/.test(n)) ?? 'localhost', altNames, now: new Date(nowMs) });
    writePair(serverFile, serverKeyFile, server);
  }
  return { dir, caFile, ca, server, created: { ca: newCa, server: newServer } };
}

function serverFits(pem: string, altNames: readonly string[], nowMs: number): boolean {
  const info = certInfo(pem);
  if (info.notAfterMs < nowMs + DAY_MS) return false;
  const have = new Set(info.altNames.map((n) => n.replace(/^(DNS|IP Address):/, '')));
  return altNames.every((n) => have.has(n));
}

function readPair(certFile: string, keyFile: string): CertKeyPair | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  try {
    const pair = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    certInfo(pair.cert);
    return pair;
  } catch {
    return undefined; // unreadable or not a certificate: made again
  }
}

function writePair(certFile: string, keyFile: string, pair: CertKeyPair): void {
  writeFileSync(keyFile, pair.key, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, pair.cert, { mode: 0o644 });
}
