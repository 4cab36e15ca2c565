/**
 * `fleetsim attestation`: the attestation service alone (HTTP endpoints only, docs/secure-os.md) for a seed and a
 * firmware list, so devices of a scenario with that seed can attest against it while their hub runs elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Verifier, attestationCa, emptyCounts } from '../attestation/index.js';
import { systemClock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { FleetsimError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { TemplateError, compileTemplate } from '../core/template.js';
import { type FirmwareRelease, factoryCa, firmwareCatalog } from '../devices/secure-os/index.js';
import { createAttestationHttp } from '../hub/attestation/routes.js';
import type { Terminal } from './terminal.js';

export interface AttestationArgs {
  readonly host: string;
  readonly port: number;
  readonly seed: string;
  readonly firmware: readonly string[];
  readonly enroll: readonly string[];
  readonly startTime: string | undefined;
  readonly minSvn: number;
  readonly allowDebug: boolean;
  readonly credential: 'sas' | 'x509';
  readonly credentialTtl: string;
  readonly nonceTtl: string;
  readonly quarantine: boolean;
  readonly hubHost: string;
  readonly serviceKey: string | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsCert: string | undefined;
}

/** Default image size when `size=` is not given (must equal the scenario's: the digest covers the bytes). */
export const DEFAULT_FIRMWARE_BYTES = 256 * 1024;

const usage = (message: string, hint?: string): FleetsimError => new FleetsimError('FLEETSIM_E_USAGE', message, hint === undefined ? {} : { hint });

/** `name@version:svn=N[:size=BYTES][:revoked]` → a release. */
export function parseFirmwareSpec(text: string): FirmwareRelease {
  const [head = '', ...opts] = text.split(':');
  const at = head.lastIndexOf('@');
  const hint = 'write --firmware name@version:svn=N[:size=BYTES][:revoked], e.g. thermostat-app@2.3.0:svn=3';
  if (at <= 0 || at === head.length - 1) throw usage(`--firmware ${JSON.stringify(text)}: expected name@version first`, hint);
  let svn: number | undefined;
  let sizeBytes = DEFAULT_FIRMWARE_BYTES;
  let revoked = false;
  for (const o of opts) {
    const [k, v] = o.split('=');
    if (k === 'revoked' && v === undefined) revoked = true;
    else if ((k === 'svn' || k === 'size') && v !== undefined && /^\d+$/.test(v)) {
      if (k === 'svn') svn = Number(v);
      else sizeBytes = Number(v);
    } else throw usage(`--firmware ${JSON.stringify(text)}: unknown or malformed option ${JSON.stringify(o)}`, hint);
  }
  if (svn === undefined) throw usage(`--firmware ${JSON.stringify(text)}: svn=N is required (the release's security version)`, hint);
  if (sizeBytes <= 0) throw usage(`--firmware ${JSON.stringify(text)}: size must be above 0`, hint);
  return { name: head.slice(0, at), version: head.slice(at + 1), svn, sizeBytes, ...(revoked ? { revoked } : {}) };
}

/** `pattern:count` (e.g. sensor-{index:04}:1000) → the enrolled ids. */
export function parseEnroll(text: string): string[] {
  const colon = text.lastIndexOf(':');
  const count = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(count) || count < 1) throw usage(`--enroll ${JSON.stringify(text)}: expected pattern:count, e.g. sensor-{index}:1000`);
  let idOf: ReturnType<typeof compileTemplate>;
  try {
    idOf = compileTemplate(text.slice(0, colon), ['index']);
  } catch (e) {
    throw usage(`--enroll ${JSON.stringify(text)}: ${e instanceof TemplateError ? e.message : String(e)}`);
  }
  return Array.from({ length: count }, (_, index) => idOf({ index }));
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw usage(`${flag}: expected a duration above 0 such as 60s or 24h; found ${JSON.stringify(text)}`);
  return ms;
}

export async function attestationCommand(args: AttestationArgs, term: Terminal): Promise<number> {
  if (args.firmware.length === 0) throw usage('name the firmware releases devices may run: --firmware name@version:svn=N (repeatable)');
  const releases = args.firmware.map(parseFirmwareSpec);
  const enrolled = args.enroll.length === 0 ? undefined : new Set(args.enroll.flatMap(parseEnroll));
  const startTimeMs = args.startTime === undefined ? systemClock.now() : Date.parse(args.startTime);
  if (Number.isNaN(startTimeMs)) throw usage(`--start-time: expected an ISO 8601 time; found ${JSON.stringify(args.startTime)}`);
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw usage(`--port: expected 0 to 65535; found ${args.port}`);
  if ((args.tlsKey === undefined) !== (args.tlsCert === undefined)) throw usage('--tls-key and --tls-cert go together');
  const serviceKey = args.serviceKey ?? randomBytes(32).toString('base64');
  const ca = attestationCa(args.seed, startTimeMs);
  const verifier = new Verifier({
    factoryCaDer: factoryCa(args.seed, startTimeMs).certDer,
    // Without --enroll: any device whose DeviceID certificate the seed's factory CA issued.
    enrolled: enrolled ?? (() => true),
    referenceValues: firmwareCatalog(args.seed, releases).referenceValues(),
    policy: {
      minSvn: args.minSvn,
      allowDebug: args.allowDebug,
      credential: args.credential,
      credentialTtlMs: duration('--credential-ttl', args.credentialTtl),
      nonceTtlMs: duration('--nonce-ttl', args.nonceTtl),
      onRefusal: args.quarantine ? 'quarantine' : 'refuse',
    },
    serviceKey,
    hubHost: args.hubHost,
    attestationCa: ca,
    clock: systemClock,
    rng: createRng(randomBytes(16).toString('hex')),
  });
  const http = createAttestationHttp(verifier);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!http.tryHandle(req, res)) {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errorCode: 404000, message: `no such endpoint: ${req.method ?? '?'} ${req.url ?? ''} (POST /attestation/challenge, POST /attestation/evidence)` }));
    }
  };
  const tls = args.tlsKey === undefined || args.tlsCert === undefined ? undefined : { key: readFileSync(args.tlsKey), cert: readFileSync(args.tlsCert) };
  const server: Server = tls === undefined ? createServer(handler) : createHttpsServer(tls, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new FleetsimError('FLEETSIM_E_TARGET', `cannot listen on ${args.host}:${args.port}: ${e.message}`, e.code === 'EADDRINUSE' ? { hint: 'choose another --port, or stop what is listening there' } : {})),
    );
    server.listen(args.port, args.host, resolve);
  });
  const address = server.address();
  const url = `${tls === undefined ? 'http' : 'https'}://${args.host}:${typeof address === 'object' && address !== null ? address.port : args.port}`;
  term.err(
    [
      `fleetsim attestation listening on ${url}`,
      `  POST ${url}/attestation/challenge {"deviceId": "…"} → {nonce, expiresAtUtc}`,
      `  POST ${url}/attestation/evidence <evidence JSON> → 200 {credential} | 403 {errorCode 403100, reason, message}`,
      `Seed ${JSON.stringify(args.seed)}; releases: ${releases.map((r) => `${r.name}@${r.version} (svn ${r.svn}${r.revoked === true ? ', revoked' : ''})`).join(', ')}.`,
      `Enrolled: ${enrolled === undefined ? "any device with a DeviceID certificate from this seed's factory CA" : `${enrolled.size} device ids`}.`,
      `Policy: minSvn ${args.minSvn}, debug ${args.allowDebug ? 'allowed' : 'refused'}, ${args.credential} credentials for ${args.credentialTtl}, nonces for ${args.nonceTtl}${args.quarantine ? ', refused devices quarantined' : ''}.`,
      args.credential === 'sas'
        ? `SAS tokens are for ${args.hubHost}/devices/<id>, signed with base64(HMAC-SHA256(key, deviceId)), key = ${serviceKey}`
        : `X.509 credentials are issued by this CA (trust it in the hub):\n${ca.certPem.trimEnd()}`,
      'Ctrl-C to stop.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.closeAllConnections();
  server.close();
  const c = { ...emptyCounts(), ...verifier.counts() };
  const refused = Object.entries(c.refused).map(([k, n]) => `${k} ${n ?? 0}`).join(', ') || 'none';
  term.err(`attestations: ${c.attestations} (passed ${c.passed}; refused: ${refused}); credentials: sas ${c.credentials.sas}, x509 ${c.credentials.x509}, quarantine ${c.credentials.quarantine}`);
  return 0;
}
