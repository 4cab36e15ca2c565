/**
 * Secure OS in scenarios (issue 5): the firmware list, each fleet's `secureOs:`, `hub.attestation`, and the
 * firmware-rollout phase's cross-field rules. Secure-OS fleets speak IoT Hub over MQTT to the embedded hub (its
 * attestation service issues their credentials), so everything else is refused here with the fix.
 */
import { parseDuration } from '../core/duration.js';
import { isMap, rawItems, rawString, type CompileContext } from './compile-context.js';
import type { FleetsResult } from './compile-fleets.js';
import { parseSize } from './compile-phases.js';
import { problem, type DocPath } from './issues.js';
import type { FirmwareReleasePlan, FirmwareRolloutPhasePlan, FleetPlan, HubAttestationPlan, SecureOsPlan, TargetPlan } from './plan.js';
import {
  FirmwareReleaseSchema,
  HubAttestationSchema,
  SecureOsSchema,
  parseBandwidth,
  parseShare,
  type FirmwareRolloutSpec,
  type SecureOsSpec,
} from './schema-secure-os.js';
import { didYouMean, listAnd, quoteAll } from './wording.js';

const ms = (text: string) => parseDuration(text) as number;
const DAY_MS = 86_400_000;

export interface SecureOsResult {
  readonly firmware: readonly FirmwareReleasePlan[];
  /** Fleet plans with their secureOs attached (undefined when fleets are invalid). */
  readonly fleets: FleetsResult;
  /** The hub's attestation policy; undefined without secure-OS fleets. */
  readonly attestation: HubAttestationPlan | undefined;
}

/** Firmware releases, each fleet's secureOs (checked against them and the fleet's transport), hub.attestation. */
export function compileSecureOs(data: Readonly<Record<string, unknown>>, fleets: FleetsResult, ctx: CompileContext): SecureOsResult {
  const firmware = compileFirmware(data.firmware, ctx);
  const items = rawItems(data.fleets);
  const specs = items.map((item) => (isMap(item) && item.secureOs !== undefined ? SecureOsSchema.safeParse(item.secureOs) : undefined));
  const secure: (SecureOsPlan | undefined)[] = specs.map((r, i) => (r?.success === true ? secureOsPlan(r.data, ['fleets', i, 'secureOs'], firmware, ctx) : undefined));
  items.forEach((item, i) => {
    if (specs[i] === undefined) return;
    const t = isMap(item) ? item.transport : undefined;
    const iothub = isMap(t) ? t.iothub : undefined;
    const at: DocPath = ['fleets', i, 'secureOs'];
    if (rawString(t, 'dialect') !== 'iothub') {
      ctx.report(problem(at, 'secureOs needs an IoT Hub fleet: devices attest to the hub and connect with the credential it issues', 'add transport: { dialect: iothub }'));
      return;
    }
    for (const key of ['connectionString', 'provisioning', 'auth'] as const) {
      if (isMap(iothub) && iothub[key] !== undefined && !(key === 'provisioning' && iothub[key] === 'none') && !(key === 'auth' && iothub[key] === 'sas')) {
        ctx.report(problem(['fleets', i, 'transport', 'iothub', key], `a secureOs fleet gets its credential from attestation, so transport.iothub.${key} does not apply`, `remove ${key}`));
      }
    }
    if (isMap(iothub) && iothub.protocol === 'https') {
      ctx.report(problem(['fleets', i, 'transport', 'iothub', 'protocol'], 'secureOs fleets connect over MQTT for now (attestation, then CONNECT with the credential)', 'remove protocol: https'));
    }
  });
  const anySecure = specs.some((s) => s !== undefined);
  const hub = isMap(data.hub) ? data.hub : undefined;
  const attestation = compileAttestation(hub?.attestation, anySecure, ctx);
  const plans = fleets.plans === undefined ? undefined : fleets.plans.map((f, i): FleetPlan => (secure[i] === undefined ? f : { ...f, secureOs: secure[i] }));
  return { firmware, fleets: { ...fleets, plans }, attestation };
}

/** Secure-OS fleets need the embedded hub (its attestation service); a message naming the fix, else undefined. */
export function secureOsTargetProblem(plans: readonly FleetPlan[], target: TargetPlan): string | undefined {
  const secure = plans.filter((f) => f.secureOs !== undefined).map((f) => f.id);
  if (target.kind === 'embedded' || secure.length === 0) return undefined;
  return `fleet${secure.length > 1 ? 's' : ''} ${listAnd(quoteAll(secure))} ha${secure.length > 1 ? 've' : 's'} secureOs, which needs the embedded hub's attestation service; ${target.url} has none`;
}

/**
 * Firmware rollouts need live time: a download's timing is the network's, and there is none in virtual time. The
 * index of the first firmware-rollout phase and the message, or undefined.
 */
export function virtualRolloutProblem(phases: unknown): { readonly index: number; readonly message: string } | undefined {
  const index = rawItems(phases).findIndex((p) => rawString(p, 'kind') === 'firmware-rollout');
  if (index < 0) return undefined;
  return { index, message: 'firmware-rollout phases run in live time only (downloads over the hub); virtual time has no network to download over' };
}

function compileFirmware(raw: unknown, ctx: CompileContext): FirmwareReleasePlan[] {
  const out: FirmwareReleasePlan[] = [];
  const seen = new Map<string, number>();
  rawItems(raw).forEach((item, i) => {
    const r = FirmwareReleaseSchema.safeParse(item);
    if (!r.success) return; // the scenario schema reports it
    const key = `${r.data.name}@${r.data.version}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      ctx.report(problem(['firmware', i, 'version'], `duplicate release ${key}; firmware[${earlier}] already is that release`));
      return;
    }
    seen.set(key, i);
    const sizeBytes = parseSize(r.data.size);
    if (!(sizeBytes >= 1 && sizeBytes <= 64 * 1024 * 1024)) {
      ctx.report(problem(['firmware', i, 'size'], `expected an image of 1 byte to 64MiB; found ${JSON.stringify(r.data.size)}`));
      return;
    }
    out.push({ name: r.data.name, version: r.data.version, svn: r.data.svn, sizeBytes, revoked: r.data.revoked });
  });
  return out;
}

/** The fleet's release must be in firmware:, under its app (default: the only app name there). */
function resolveApp(app: string | undefined, version: string, at: DocPath, key: string, firmware: readonly FirmwareReleasePlan[], ctx: CompileContext): string | undefined {
  const names = [...new Set(firmware.map((f) => f.name))];
  if (names.length === 0) {
    ctx.report(problem(at, `no release ${version}: the scenario has no firmware: list`, `add firmware: [{ name: my-app, version: "${version}", svn: 1 }] at the top level`));
    return undefined;
  }
  if (app === undefined && names.length > 1) {
    ctx.report(problem(at, `firmware: has several apps (${listAnd(names)}); say which one`, `add app: ${names[0] as string}`));
    return undefined;
  }
  const name = app ?? (names[0] as string);
  if (!names.includes(name)) {
    ctx.report(problem([...at.slice(0, -1), 'app'], `unknown app ${JSON.stringify(name)}${didYouMean(name, names)}`, `firmware: names ${listAnd(names)}`));
    return undefined;
  }
  const versions = firmware.filter((f) => f.name === name).map((f) => f.version);
  if (!versions.includes(version)) {
    ctx.report(problem(at, `${name} has no release ${JSON.stringify(version)}${didYouMean(version, versions)}`, `${key}: one of ${listAnd(versions)}, or add it to firmware:`));
    return undefined;
  }
  return name;
}

function secureOsPlan(s: SecureOsSpec, at: DocPath, firmware: readonly FirmwareReleasePlan[], ctx: CompileContext): SecureOsPlan | undefined {
  const app = resolveApp(s.app, s.firmware, [...at, 'firmware'], 'firmware', firmware, ctx);
  if (app === undefined) return undefined;
  const c = s.compromise;
  const compromise = {
    tampered: parseShare(c?.tampered ?? 0),
    debug: parseShare(c?.debug ?? 0),
    rollback: parseShare(c?.rollback ?? 0),
    cloned: parseShare(c?.cloned ?? 0),
  };
  const sum = compromise.tampered + compromise.debug + compromise.rollback + compromise.cloned;
  if (sum > 1) ctx.report(problem([...at, 'compromise'], `the compromise shares add up to ${Math.round(sum * 1000) / 10}%; a device has one compromise at most`, 'keep their sum at most 100%'));
  if (compromise.rollback > 0 && !firmware.some((f) => f.name === app && f.revoked)) {
    const shipped = firmware.find((f) => f.name === app && f.version === s.firmware);
    const lower = firmware.some((f) => f.name === app && shipped !== undefined && f.svn < shipped.svn);
    if (!lower) ctx.report(problem([...at, 'compromise', 'rollback'], `rollback needs an older release of ${app} to downgrade to: a revoked one, or one with a lower svn`, `add e.g. { name: ${app}, version: "1.0.0", svn: 0, revoked: true } to firmware:`));
  }
  const period = s.attestation === 'daily' ? DAY_MS : s.attestation === 'boot' ? null : ms(s.attestation);
  return { app, firmware: s.firmware, attestationPeriodMs: period, credential: s.credential, debug: s.debug, compromise };
}

function compileAttestation(raw: unknown, anySecure: boolean, ctx: CompileContext): HubAttestationPlan | undefined {
  if (raw !== undefined && !anySecure) {
    ctx.report(problem(['hub', 'attestation'], 'hub.attestation applies to secure-OS devices, and no fleet has secureOs', 'add secureOs to a fleet, or remove hub.attestation'));
  }
  if (!anySecure) return undefined;
  const r = HubAttestationSchema.safeParse(raw ?? {});
  if (!r.success) return undefined; // reported by the scenario schema
  const a = r.data;
  return { require: a.require ?? 'refuse', minSvn: a.minSvn ?? 0, allowDebug: a.allowDebug, credentialTtlMs: ms(a.credentialTtl), nonceTtlMs: ms(a.nonceTtl) };
}

/** Cross-field rules of a firmware-rollout phase: secure-OS fleets of one app, a known release, waves in order, room for them. */
export function checkRollout(p: FirmwareRolloutSpec, at: DocPath, fleets: FleetsResult, firmware: readonly FirmwareReleasePlan[], ctx: CompileContext): void {
  const plans = fleets.plans ?? [];
  const secure = plans.filter((f) => f.secureOs !== undefined);
  p.fleets?.forEach((id, j) => {
    const f = plans.find((x) => x.id === id);
    if (!fleets.known.includes(id)) ctx.report(problem([...at, 'fleets', j], `unknown fleet ${JSON.stringify(id)}${didYouMean(id, fleets.known)}`, `fleets are ${listAnd(quoteAll(fleets.known))}`));
    else if (f !== undefined && f.secureOs === undefined) ctx.report(problem([...at, 'fleets', j], `fleet ${JSON.stringify(id)} has no secureOs: it has no A/B slots to update`, `add secureOs: { firmware: … } to fleet ${id}`));
  });
  if (p.fleets === undefined && fleets.plans !== undefined && secure.length === 0) {
    ctx.report(problem([...at, 'kind'], 'a firmware-rollout phase needs a fleet with a valid secureOs, and no fleet has one', 'add secureOs: { firmware: "…" } to a fleet'));
  }
  const targeted = secure.filter((f) => p.fleets === undefined || p.fleets.includes(f.id));
  const apps = [...new Set(targeted.map((f) => (f.secureOs as SecureOsPlan).app))];
  if (apps.length > 1) ctx.report(problem([...at, 'fleets'], `the fleets run different apps (${listAnd(apps)}); one rollout updates one app`, 'split it into one phase per app'));
  if (apps.length === 1) resolveApp(apps[0], p.to, [...at, 'to'], 'to', firmware, ctx);
  const waves = p.waves.map(parseShare);
  waves.forEach((w, k) => {
    if (w <= 0) ctx.report(problem([...at, 'waves', k], 'a wave must update some devices; found 0', 'remove it, or give it a share above 0'));
    else if (k > 0 && w < (waves[k - 1] as number)) ctx.report(problem([...at, 'waves', k], `waves are cumulative shares and must not shrink; found ${JSON.stringify(p.waves[k])} after ${JSON.stringify(p.waves[k - 1])}`, 'e.g. [1%, 10%, 100%]'));
  });
  const needMs = (waves.length - 1) * ms(p.waveInterval) + ms(p.spread);
  if (ms(p.duration) < needMs) {
    ctx.report(problem([...at, 'duration'], `the waves start over ${needMs / 1000}s ((waves − 1) × waveInterval + spread); the phase lasts only ${p.duration}`, `make duration at least ${Math.ceil(needMs / 1000)}s plus the time an update takes`));
  }
  const chunk = parseSize(p.download.chunkSize);
  if (!(chunk >= 256 && chunk <= 1024 * 1024)) ctx.report(problem([...at, 'download', 'chunkSize'], `expected 256B to 1MiB; found ${JSON.stringify(p.download.chunkSize)}`));
  if (!(parseBandwidth(p.download.bandwidth) > 0)) ctx.report(problem([...at, 'download', 'bandwidth'], `expected a bandwidth above 0; found ${JSON.stringify(p.download.bandwidth)}`));
}

interface Base {
  readonly name: string;
  readonly index: number;
  readonly startMs: number;
}

export function rolloutPlan(p: FirmwareRolloutSpec, base: Base, fleets: readonly FleetPlan[]): FirmwareRolloutPhasePlan {
  const targeted = fleets.filter((f) => f.secureOs !== undefined && (p.fleets === undefined || p.fleets.includes(f.id)));
  return {
    kind: 'firmware-rollout',
    ...base,
    durationMs: ms(p.duration),
    fleets: targeted.map((f) => f.id),
    app: targeted[0]?.secureOs?.app ?? '',
    to: p.to,
    waves: p.waves.map(parseShare),
    waveIntervalMs: ms(p.waveInterval),
    spreadMs: ms(p.spread),
    download: { via: p.download.via, chunkBytes: parseSize(p.download.chunkSize), bytesPerS: parseBandwidth(p.download.bandwidth) },
    faults: { powerLoss: parseShare(p.faults.powerLoss), corruptDownload: parseShare(p.faults.corruptDownload), healthCheckFailure: parseShare(p.faults.healthCheckFailure) },
    quarantined: p.quarantined,
  };
}
