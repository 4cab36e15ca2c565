/**
 * The scenario schema's secure-OS parts (issue 5, docs/secure-os.md): the vendor's firmware releases (top-level
 * `firmware:`), a fleet's `secureOs:` (firmware it ships with, attestation period, credential kind, compromise
 * injection), the embedded hub's `hub.attestation` policy, and the `firmware-rollout` phase. Part of schema.ts, split
 * by concern; compile-secure-os.ts checks what crosses fields.
 */
import { z } from '../core/zod.js';
import { describeFound } from './wording.js';
import { duration, identifier } from './fields.js';

/** "1%", "0.5%" or a fraction 0…1. */
export const PERCENT_PATTERN = '^\\d+(\\.\\d+)?%$';
const PERCENT_RE = new RegExp(PERCENT_PATTERN);

/** A share of devices: "2%" or a number from 0 to 1. */
export function share(what: string) {
  const error = (iss: { input?: unknown }) =>
    iss.input === undefined ? undefined : `expected a share such as 2% or 0.02 (0 to 1); found ${describeFound(iss.input)}`;
  return z
    .union([z.number({ error }).min(0, { error }).max(1, { error }), z.string({ error }).regex(PERCENT_RE, { error }).refine((s) => parsePercent(s) <= 1, { error })], { error })
    .describe(what);
}

/** The fraction a share stands for ("2%" → 0.02). */
export function parseShare(value: number | string): number {
  return typeof value === 'number' ? value : parsePercent(value);
}

function parsePercent(s: string): number {
  return Number(s.slice(0, -1)) / 100;
}

export const SIZE_PATTERN = '^\\d+(\\.\\d+)?\\s*(B|KB|KiB|MB|MiB)$';
const size = (what: string) =>
  z
    .union([
      z.int().positive(),
      z.string().regex(new RegExp(SIZE_PATTERN), { error: (iss) => `expected a size such as 256KiB, 1MB or 512B; found ${describeFound(iss.input)}` }),
    ])
    .describe(what);

export const BANDWIDTH_PATTERN = '^\\d+(\\.\\d+)?\\s*(bit|kbit|Mbit|Gbit|B|KB|KiB|MB|MiB)/s$';
const BANDWIDTH_UNITS: Readonly<Record<string, number>> = {
  bit: 1 / 8,
  kbit: 1000 / 8,
  Mbit: 1_000_000 / 8,
  Gbit: 1_000_000_000 / 8,
  B: 1,
  KB: 1000,
  KiB: 1024,
  MB: 1_000_000,
  MiB: 1024 * 1024,
};

/** Bytes per second of a bandwidth such as "1 Mbit/s" or "64KiB/s"; NaN when it is not one. */
export function parseBandwidth(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(bit|kbit|Mbit|Gbit|B|KB|KiB|MB|MiB)\/s$/.exec(text.trim());
  return m === null ? Number.NaN : Number(m[1]) * (BANDWIDTH_UNITS[m[2] as string] as number);
}

const VERSION_RE = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;
const version = (what: string) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? undefined : `expected a version such as "2.3.0"; found ${describeFound(iss.input)}`) })
    .regex(VERSION_RE, { error: (iss) => `expected a semantic version such as "2.3.0" (quote it in YAML); found ${describeFound(iss.input)}` })
    .describe(what);

export const FirmwareReleaseSchema = z
  .strictObject({
    name: identifier().describe('application image name, e.g. thermostat-app'),
    version: version('release version, e.g. "2.4.0"'),
    svn: z.int().min(0).max(1_000_000).describe('security version number: the anti-rollback counter a device advances to when it commits this release'),
    size: size('image size: bytes, or e.g. 256KiB').default('256KiB'),
    revoked: z.boolean().default(false).describe('the vendor revoked this release: the verifier refuses devices running it (SVN_REVOKED)'),
  })
  .describe('a firmware release of the simulated vendor: deterministic image bytes from the seed, signed by the vendor release key');

export const FirmwareListSchema = z
  .array(FirmwareReleaseSchema)
  .default([])
  .describe('the firmware releases secure-OS fleets run and roll out (secureOs.firmware, firmware-rollout to:)');

const CompromiseSchema = z
  .strictObject({
    tampered: share('share of the fleet running a tampered application image (its digest is no reference value)').default(0),
    debug: share('share of the fleet booting in debug mode').default(0),
    rollback: share('share of the fleet downgraded to a revoked or lower-SVN release (the attacker bypassed anti-rollback)').default(0),
    cloned: share("share of the fleet presenting another device's identity (a cloned DeviceID certificate)").default(0),
  })
  .describe('compromise injection: which devices is seeded from the seed and device index; the hub should shut every one out');

export const SecureOsSchema = z
  .strictObject({
    firmware: version('the release (version) the fleet ships with, from the top-level firmware: list'),
    app: identifier().optional().describe('application image name of that release; default: the only name in firmware:'),
    attestation: z
      .union([z.literal(['daily', 'boot']), duration({ positive: true })])
      .default('daily')
      .describe('when devices attest: at every boot and then daily (24 h), at boot only (and before the credential expires), or every <duration> (e.g. 2m, for demos)'),
    credential: z.enum(['sas', 'x509']).default('sas').describe('what the attestation service issues: a short-lived SAS token, or a 24 h X.509 client certificate'),
    debug: z.boolean().default(false).describe('every device boots in debug mode (the verifier refuses it unless hub.attestation.allowDebug)'),
    compromise: CompromiseSchema.optional(),
  })
  .describe('Azure Sphere-style secure OS: measured boot, attestation before every hub connection (dialect iothub, embedded hub)');

export const HubAttestationSchema = z
  .strictObject({
    require: z
      .enum(['refuse', 'quarantine', 'off'])
      .optional()
      .describe('refuse: a device without a valid attestation credential gets CONNACK 5; quarantine: refused devices may only fetch firmware; off; default refuse when a fleet has secureOs'),
    minSvn: z.int().min(0).optional().describe('lowest security version number the verifier accepts (SVN_REVOKED below it)'),
    allowDebug: z.boolean().default(false).describe('accept devices booted in debug mode'),
    credentialTtl: duration({ positive: true }).default('24h').describe('lifetime of an issued credential; devices attest again before it ends'),
    nonceTtl: duration({ positive: true }).default('60s').describe('how long a challenge nonce is valid'),
  })
  .describe('the attestation service of the embedded hub and how the hub enforces it');

const DownloadSchema = z
  .strictObject({
    via: z.enum(['mqtt', 'https']).default('mqtt').describe('mqtt: chunks over the device connection ($fleetsim/firmware/…); https: GET /firmware/{name}/{version} with Range'),
    chunkSize: size('bytes per chunk (MQTT) or per Range request (HTTPS)').default('16KiB'),
    bandwidth: z
      .string()
      .regex(new RegExp(BANDWIDTH_PATTERN), { error: (iss) => `expected a bandwidth such as "1 Mbit/s" or "64KiB/s"; found ${describeFound(iss.input)}` })
      .default('1 Mbit/s')
      .describe("each device's download bandwidth, e.g. 1 Mbit/s, 256 kbit/s, 64KiB/s"),
  })
  .prefault({})
  .describe('how devices fetch the image');

const FaultsSchema = z
  .strictObject({
    powerLoss: share('share of updating devices that lose power while installing: they boot the old slot and retry').default(0),
    corruptDownload: share('share whose download arrives corrupted: secure boot refuses it, the device downloads again').default(0),
    healthCheckFailure: share('share whose new image fails its health check after the trial boot: rolled back').default(0),
  })
  .prefault({})
  .describe('faults injected at seeded rates (per device, from the seed and device index)');

export const FirmwareRolloutPhase = z
  .strictObject({
    kind: z.literal('firmware-rollout').describe('phase kind'),
    name: identifier().optional().describe('unique phase name; default firmware-rollout, then firmware-rollout-2…'),
    fleets: z.array(identifier()).min(1).optional().describe('secure-OS fleets to update; default: every fleet with secureOs'),
    to: version('the release to install, from firmware:'),
    waves: z
      .array(share('cumulative share of the fleet updated by the end of this wave'))
      .min(1)
      .default(['100%'])
      .describe('staged waves as cumulative shares, e.g. [1%, 10%, 100%]; which devices is seeded'),
    waveInterval: duration({ positive: true }).default('10s').describe('time between the starts of two waves'),
    spread: duration().default('1s').describe("each device starts at its wave's start plus a seeded offset within this"),
    duration: duration({ positive: true }).describe('how long the phase lasts; at least (waves − 1) × waveInterval + spread'),
    download: DownloadSchema,
    faults: FaultsSchema,
    quarantined: z
      .enum(['skip', 'update'])
      .default('skip')
      .describe(
        'skip: quarantined devices are not updated; update: they download over their update-only connection too (remediation: a device that then attests clean counts as remediated)',
      ),
  })
  .describe('a staged firmware update: waves of devices download, verify, install to the inactive slot, reboot, health-check, commit or roll back, and attest again');

export type FirmwareReleaseSpec = z.output<typeof FirmwareReleaseSchema>;
export type SecureOsSpec = z.output<typeof SecureOsSchema>;
export type HubAttestationSpec = z.output<typeof HubAttestationSchema>;
export type FirmwareRolloutSpec = z.output<typeof FirmwareRolloutPhase>;
