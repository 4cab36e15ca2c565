/**
 * Phases: names, order rules (connect before use, drain last), which devices each connect phase brings in, and the
 * timeline (startMs, durationMs). A drain phase is appended when the scenario has none.
 */
import { parseDuration, parseRate } from '../core/duration.js';
import { arrivalSpanMs } from './arrivals.js';
import { isMap, rawItems, rawString, type CompileContext } from './compile-context.js';
import type { FleetsResult } from './compile-fleets.js';
import { problem, type DocPath } from './issues.js';
import { checkRollout, rolloutPlan } from './compile-secure-os.js';
import type { FirmwareReleasePlan, FleetPlan, PhasePlan } from './plan.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, PHASE_KINDS, PhaseSchema, type PhaseSpec } from './schema.js';
import { didYouMean, listAnd, quoteAll } from './wording.js';

/** Largest file a file-upload phase sends (the embedded hub's default blob limit). */
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

export interface PhasesResult {
  /** The timeline, or undefined when any phase or fleet is invalid. */
  readonly plans: PhasePlan[] | undefined;
  /** Every phase name, the appended drain included: what {phase:NAME} may refer to. */
  readonly names: readonly string[];
}

const ms = (text: string) => parseDuration(text) as number;
const USES_DEVICES: readonly string[] = ['steady', 'spike', 'disconnect-storm', 'invoke-method', 'twin-update', 'file-upload', 'firmware-rollout'];
const SIZE_UNITS: Readonly<Record<string, number>> = { B: 1, KB: 1000, KiB: 1024, MB: 1_000_000, MiB: 1024 * 1024 };

/** Bytes of a size as written (a number, or e.g. "64KiB"). */
export function parseSize(size: number | string): number {
  if (typeof size === 'number') return size;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB)$/.exec(size);
  return m === null ? Number.NaN : Math.round(Number(m[1]) * (SIZE_UNITS[m[2] as string] as number));
}


export function compilePhases(raw: unknown, fleets: FleetsResult, ctx: CompileContext, firmware: readonly FirmwareReleasePlan[] = []): PhasesResult {
  const items = rawItems(raw);
  const kinds = items.map((item) => rawString(item, 'kind'));
  const names = phaseNames(items, kinds, ctx);
  const appendDrain = items.length > 0 && !kinds.includes('drain');
  if (appendDrain) names.push(uniqueName('drain', names));
  checkOrder(kinds, ctx);

  const specs = items.map((item) => PhaseSchema.safeParse(item));
  const connected = new Map<string, string>();
  const newFleets = items.map((item, i) =>
    kinds[i] === 'connect' ? connectFleets(listedFleets(item), i, names[i] as string, fleets, connected, ctx) : undefined,
  );
  specs.forEach((r, i) => {
    if (r.success) checkPhase(r.data, ['phases', i], ctx);
    if (r.success && r.data.kind === 'file-upload') checkUploadFleets(r.data.fleets, ['phases', i], fleets, ctx);
    if (r.success && r.data.kind === 'firmware-rollout') checkRollout(r.data, ['phases', i], fleets, firmware, ctx);
  });
  if (kinds.includes('connect') && specs.every((r) => r.success)) {
    fleets.ids.forEach((id, f) => {
      if (id !== undefined && !connected.has(id)) {
        ctx.report(problem(['fleets', f, 'id'], `fleet ${JSON.stringify(id)} is never connected: no connect phase includes it`, `add ${id} to a connect phase's fleets, or leave fleets: out to connect every fleet`));
      }
    });
  }

  if (fleets.plans === undefined || !specs.every((r) => r.success)) return { plans: undefined, names: names.filter((n) => n !== '') };
  const fleetPlans = fleets.plans;
  const plans: PhasePlan[] = [];
  let startMs = 0;
  specs.forEach((r, i) => {
    if (!r.success) return;
    const plan = phasePlan(r.data, { name: names[i] as string, index: i, startMs }, newFleets[i] ?? [], fleetPlans);
    plans.push(plan);
    startMs += plan.durationMs;
  });
  if (appendDrain) {
    const timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS;
    plans.push({ kind: 'drain', name: names[names.length - 1] as string, index: plans.length, startMs, durationMs: timeoutMs, timeoutMs });
  }
  return { plans, names: names.filter((n) => n !== '') };
}

/** A connect phase's fleets: as written, or undefined for all (and when mistyped: the schema reports it). */
function listedFleets(item: unknown): readonly string[] | undefined {
  const list = isMap(item) ? item.fleets : undefined;
  return Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : undefined;
}

/** Explicit names as written; others the kind, then kind-2, kind-3… for its later phases. */
function phaseNames(items: readonly unknown[], kinds: readonly (string | undefined)[], ctx: CompileContext): string[] {
  const perKind = new Map<string, number>();
  const names: string[] = [];
  const firstAt = new Map<string, number>();
  items.forEach((item, i) => {
    const kind = kinds[i];
    const explicit = rawString(item, 'name');
    if (kind === undefined || !(PHASE_KINDS as readonly string[]).includes(kind)) {
      names.push(explicit ?? ''); // the schema reports the kind; '' is no name
      return;
    }
    const n = (perKind.get(kind) ?? 0) + 1;
    perKind.set(kind, n);
    const name = explicit ?? (n === 1 ? kind : `${kind}-${n}`);
    const earlier = firstAt.get(name);
    if (earlier !== undefined) {
      const hint = explicit === undefined ? 'give one of them a name: key' : undefined;
      ctx.report(problem(['phases', i, explicit === undefined ? 'kind' : 'name'], `duplicate phase name ${JSON.stringify(name)}; phases[${earlier}] is already called that`, hint));
    } else firstAt.set(name, i);
    names.push(name);
  });
  return names;
}

function uniqueName(base: string, taken: readonly string[]): string {
  let name = base;
  for (let n = 2; taken.includes(name); n++) name = `${base}-${n}`;
  return name;
}

function checkOrder(kinds: readonly (string | undefined)[], ctx: CompileContext): void {
  const last = kinds.length - 1;
  kinds.forEach((kind, i) => {
    if (kind === 'drain' && i < last) {
      ctx.report(problem(['phases', i, 'kind'], `a drain phase must be the last phase; found it at position ${i + 1} of ${kinds.length}`, 'move it to the end: after a drain, devices have stopped sending'));
    }
  });
  const firstConnect = kinds.indexOf('connect');
  if (kinds.length > 0 && firstConnect < 0) {
    ctx.report(problem(['phases'], 'no connect phase: no device would ever connect', 'start with e.g. "- kind: connect" and "rate: 100/s"'));
    return;
  }
  const early = kinds.findIndex((k, i) => k !== undefined && USES_DEVICES.includes(k) && i < firstConnect);
  if (early >= 0) {
    ctx.report(problem(['phases', early, 'kind'], `a ${kinds[early] as string} phase needs connected devices, but no connect phase comes before it`, 'move a connect phase before it'));
  }
}

/** The fleets whose devices arrive in this connect phase (declaration order), recording them as connected. */
function connectFleets(
  listed: readonly string[] | undefined,
  i: number,
  name: string,
  fleets: FleetsResult,
  connected: Map<string, string>,
  ctx: CompileContext,
): string[] {
  const at: DocPath = ['phases', i];
  listed?.forEach((id, j) => {
    if (!fleets.known.includes(id)) {
      ctx.report(problem([...at, 'fleets', j], `unknown fleet ${JSON.stringify(id)}${didYouMean(id, fleets.known)}`, `fleets are ${listAnd(quoteAll(fleets.known))}`));
    }
  });
  const wanted = fleets.known.filter((id) => listed === undefined || listed.includes(id));
  const fresh = wanted.filter((id) => !connected.has(id));
  if (wanted.length > 0 && fresh.length === 0) {
    const by = [...new Set(wanted.map((id) => connected.get(id) as string))];
    const which = listed === undefined ? 'every fleet' : `fleet${wanted.length > 1 ? 's' : ''} ${listAnd(wanted)}`;
    ctx.report(problem(listed === undefined ? [...at, 'kind'] : [...at, 'fleets'], `every device in ${which} is already connected by phase ${listAnd(by)}`, 'remove this phase, or list fleets not connected yet'));
  }
  for (const id of fresh) connected.set(id, name);
  return fresh;
}

/** Rules across fields of one phase. */
function checkPhase(p: PhaseSpec, at: DocPath, ctx: CompileContext): void {
  if (p.kind === 'connect') {
    const r = p.rate;
    if (typeof r === 'string' && (parseRate(r) as number) <= 0) {
      ctx.report(problem([...at, 'rate'], `expected a rate above 0; found ${JSON.stringify(r)}`));
    } else if (typeof r !== 'string' && (parseRate(r.from) as number) + (parseRate(r.to) as number) <= 0) {
      ctx.report(problem([...at, 'rate'], 'a ramp from 0 to 0 never brings any device in; found both from and to at 0', 'raise to, e.g. to: 200/s'));
    }
  } else if (p.kind === 'disconnect-storm' && ms(p.spread) > ms(p.duration)) {
    ctx.report(problem([...at, 'spread'], `expected a spread of at most the phase duration (${p.duration}); found ${JSON.stringify(p.spread)}`));
  } else if (p.kind === 'file-upload') {
    if ((parseRate(p.rate) as number) <= 0) ctx.report(problem([...at, 'rate'], `expected a rate above 0; found ${JSON.stringify(p.rate)}`));
    const bytes = parseSize(p.size);
    if (!(bytes >= 1 && bytes <= MAX_UPLOAD_BYTES)) {
      ctx.report(problem([...at, 'size'], `expected 1 byte to 256MiB (the embedded hub's blob limit); found ${JSON.stringify(p.size)}`));
    }
  } else if (p.kind === 'invoke-method' || p.kind === 'twin-update') {
    if ((parseRate(p.rate) as number) <= 0) ctx.report(problem([...at, 'rate'], `expected a rate above 0; found ${JSON.stringify(p.rate)}`));
    if (p.kind === 'invoke-method' && (ms(p.responseTimeout) < 5000 || ms(p.responseTimeout) > 300_000)) {
      ctx.report(problem([...at, 'responseTimeout'], `expected 5s to 300s, as IoT Hub allows; found ${JSON.stringify(p.responseTimeout)}`));
    }
  }
}

/** A file-upload phase's fleets must exist and speak IoT Hub (file upload is an IoT Hub feature); at least one must. */
function checkUploadFleets(listed: readonly string[] | undefined, at: DocPath, fleets: FleetsResult, ctx: CompileContext): void {
  const iothub = (fleets.plans ?? []).filter((f) => f.transport.dialect === 'iothub').map((f) => f.id);
  listed?.forEach((id, j) => {
    if (!fleets.known.includes(id)) {
      ctx.report(problem([...at, 'fleets', j], `unknown fleet ${JSON.stringify(id)}${didYouMean(id, fleets.known)}`, `fleets are ${listAnd(quoteAll(fleets.known))}`));
    } else if (fleets.plans !== undefined && !iothub.includes(id)) {
      ctx.report(problem([...at, 'fleets', j], `fleet ${JSON.stringify(id)} does not speak IoT Hub; file upload is an IoT Hub feature`, 'give that fleet transport.dialect: iothub, or leave it out'));
    }
  });
  if (listed === undefined && fleets.plans !== undefined && iothub.length === 0) {
    ctx.report(problem([...at, 'kind'], 'a file-upload phase needs an IoT Hub fleet, and no fleet has transport.dialect: iothub', 'add dialect: iothub to a fleet\'s transport'));
  }
}

interface Base {
  readonly name: string;
  readonly index: number;
  readonly startMs: number;
}

function phasePlan(p: PhaseSpec, base: Base, fresh: readonly string[], fleets: readonly FleetPlan[]): PhasePlan {
  switch (p.kind) {
    case 'connect': {
      const [from, to] = typeof p.rate === 'string' ? [p.rate, p.rate] : [p.rate.from, p.rate.to];
      const fromPerS = parseRate(from) as number;
      const toPerS = parseRate(to) as number;
      const devices = fleets.filter((f) => fresh.includes(f.id)).reduce((n, f) => n + f.count, 0);
      const span = arrivalSpanMs(devices, fromPerS, toPerS);
      const settleMs = ms(p.settle);
      return { kind: 'connect', ...base, durationMs: span + settleMs, fleets: [...fresh], fromPerS, toPerS, devices, arrivalSpanMs: span, settleMs };
    }
    case 'steady':
      return { kind: 'steady', ...base, durationMs: ms(p.duration) };
    case 'spike':
      return { kind: 'spike', ...base, durationMs: ms(p.duration), multiplier: p.multiplier };
    case 'disconnect-storm':
      return { kind: 'disconnect-storm', ...base, durationMs: ms(p.duration), fraction: p.fraction, spreadMs: ms(p.spread) };
    case 'invoke-method':
    case 'twin-update': {
      const call = {
        ...base,
        durationMs: ms(p.duration),
        fleets: p.fleets ?? fleets.filter((f) => f.transport.dialect === 'iothub').map((f) => f.id),
        fraction: p.fraction,
        ratePerS: parseRate(p.rate) as number,
      };
      return p.kind === 'invoke-method'
        ? { kind: 'invoke-method', ...call, method: p.method, payload: p.payload ?? null, responseTimeoutMs: ms(p.responseTimeout) }
        : { kind: 'twin-update', ...call, desired: p.desired };
    }
    case 'file-upload':
      return {
        kind: 'file-upload',
        ...base,
        durationMs: ms(p.duration),
        fleets: p.fleets ?? fleets.filter((f) => f.transport.dialect === 'iothub').map((f) => f.id),
        fraction: p.fraction,
        ratePerS: parseRate(p.rate) as number,
        sizeBytes: parseSize(p.size),
        blobName: p.blobName,
      };
    case 'firmware-rollout':
      return rolloutPlan(p, base, fleets);
    case 'drain':
      return { kind: 'drain', ...base, durationMs: ms(p.timeout), timeoutMs: ms(p.timeout) };
  }
}
