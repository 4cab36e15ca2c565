/**
 * The report's Secure OS section (issue 5) as plain data: attestations by outcome and refusal reason, credentials,
 * compromised devices injected by kind against how the hub shut them out, and each firmware rollout's outcome and
 * convergence. Each shard keeps one (SecureOsTally) and returns it with its result; the main thread merges them
 * (sums, max for convergence, the first device ids in id order), so it crosses threads and goes into result.json.
 * Counts here are exact end-of-run totals; the live counters of the same names are in names.ts.
 */

/** How many device ids the report lists per compromise kind. */
export const FIRST_IDS = 5;

export interface AttestationTotals {
  /** Attestations answered with a full credential. */
  ok: number;
  /** Refused, answered with an update-only credential (quarantine). */
  quarantined: number;
  /** Refused (403). */
  refused: number;
  /** No answer (network error, timeout, HTTP 5xx). */
  failed: number;
  /** Refusals (quarantined or refused) by reason code, e.g. MEASUREMENT_UNKNOWN. */
  byReason: Record<string, number>;
}

/** Compromised devices of one kind: how many were injected, and how the hub treated each one (its first attestation). */
export interface CompromiseOutcome {
  injected: number;
  refused: number;
  quarantined: number;
  /** Got a full credential at least once, without a genuine update first: the hub let a compromised device in. */
  admitted: number;
  /** Got a full credential only after installing a genuine release (firmware-rollout with quarantined: update). */
  remediated: number;
  /** Not yet attested when the run ended (e.g. never reached its connect phase). */
  unattested: number;
  /** Devices by the reason of their first refusal. */
  byReason: Record<string, number>;
  /** The first device ids of this kind, in id order. */
  firstIds: string[];
}

export interface RolloutOutcome {
  readonly phase: string;
  /** Target release, e.g. thermostat-app 2.4.0. */
  readonly app: string;
  readonly to: string;
  /** Devices the waves selected. */
  targeted: number;
  /** Selected devices that were online at their turn and began the update. */
  started: number;
  /** Selected devices not online at their turn (refused, quarantined, offline): not updated. */
  skipped: number;
  committed: number;
  rolledBack: number;
  /** Started, neither committed nor rolled back when the run ended (still updating, or gave up). */
  unfinished: number;
  /** Failed steps by reason (CORRUPT_DOWNLOAD, POWER_LOSS, DOWNLOAD_…); the device retries them. */
  failedByReason: Record<string, number>;
  /**
   * Convergence: ms from the phase start to the last commit among the devices that committed (per shard the max,
   * merged as the max); null when none committed.
   */
  convergeMs: number | null;
}

export interface SecureOsReport {
  attestations: AttestationTotals;
  credentials: { issued: number; expired: number };
  compromise: Record<string, CompromiseOutcome>;
  rollouts: RolloutOutcome[];
}

/**
 * Virtual time only: the time of the secure-OS work, performance.now() around each step in its shard thread (ms): the
 * step's CPU time on an idle machine, plus any preemption on a loaded one. There is no network in virtual time, so
 * this stands in for attestation latency and is never called one.
 */
export interface SecureOsCpu {
  /** Measured boots (DICE layers, DeviceID and Alias keys and certificates). */
  boots: number;
  bootMs: number;
  /** Attestations: challenge + evidence (Alias signature) + verification (chain, signature, measurements, credential). */
  attestations: number;
  attestMs: number;
}

export function emptySecureOsCpu(): SecureOsCpu {
  return { boots: 0, bootMs: 0, attestations: 0, attestMs: 0 };
}

export function addSecureOsCpu(a: SecureOsCpu, b: SecureOsCpu): SecureOsCpu {
  return { boots: a.boots + b.boots, bootMs: a.bootMs + b.bootMs, attestations: a.attestations + b.attestations, attestMs: a.attestMs + b.attestMs };
}

export function emptySecureOsReport(): SecureOsReport {
  return { attestations: { ok: 0, quarantined: 0, refused: 0, failed: 0, byReason: {} }, credentials: { issued: 0, expired: 0 }, compromise: {}, rollouts: [] };
}

export function emptyCompromise(): CompromiseOutcome {
  return { injected: 0, refused: 0, quarantined: 0, admitted: 0, remediated: 0, unattested: 0, byReason: {}, firstIds: [] };
}

export function emptyRollout(phase: string, app: string, to: string): RolloutOutcome {
  return { phase, app, to, targeted: 0, started: 0, skipped: 0, committed: 0, rolledBack: 0, unfinished: 0, failedByReason: {}, convergeMs: null };
}

function add(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Adds the ids, keeps the first FIRST_IDS in id order. */
export function firstIds(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort(byId).slice(0, FIRST_IDS);
}

/** Merges shard (or machine) reports: sums, convergence as the max, first ids in id order. */
export function mergeSecureOsReports(reports: readonly SecureOsReport[]): SecureOsReport {
  const out = emptySecureOsReport();
  for (const r of reports) {
    const a = out.attestations;
    a.ok += r.attestations.ok;
    a.quarantined += r.attestations.quarantined;
    a.refused += r.attestations.refused;
    a.failed += r.attestations.failed;
    add(a.byReason, r.attestations.byReason);
    out.credentials.issued += r.credentials.issued;
    out.credentials.expired += r.credentials.expired;
    for (const [kind, c] of Object.entries(r.compromise)) {
      const into = (out.compromise[kind] ??= emptyCompromise());
      into.injected += c.injected;
      into.refused += c.refused;
      into.quarantined += c.quarantined;
      into.admitted += c.admitted;
      into.remediated += c.remediated;
      into.unattested += c.unattested;
      add(into.byReason, c.byReason);
      into.firstIds = firstIds(into.firstIds, c.firstIds);
    }
    for (const ro of r.rollouts) {
      let into = out.rollouts.find((x) => x.phase === ro.phase);
      if (into === undefined) out.rollouts.push((into = emptyRollout(ro.phase, ro.app, ro.to)));
      into.targeted += ro.targeted;
      into.started += ro.started;
      into.skipped += ro.skipped;
      into.committed += ro.committed;
      into.rolledBack += ro.rolledBack;
      into.unfinished += ro.unfinished;
      add(into.failedByReason, ro.failedByReason);
      if (ro.convergeMs !== null) into.convergeMs = Math.max(into.convergeMs ?? 0, ro.convergeMs);
    }
  }
  return out;
}
