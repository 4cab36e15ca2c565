import { createRng } from '../core/rng.js';
import { compileTemplate } from '../core/template.js';
import { createSasToken } from '../iothub/index.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { InvokeMethodPhasePlan, RunPlan, TwinUpdatePhasePlan } from '../scenario/plan.js';

/** Where the hub's service side is: its REST API and the owner key service calls are signed with. */
export interface ServiceAccess {
  readonly url: string;
  readonly hostName: string;
  readonly serviceKey: string;
}

type ServicePhase = InvokeMethodPhasePlan | TwinUpdatePhasePlan;

const TICK_MS = 5;
const API_VERSION = '2021-04-12';

/**
 * The service side of a run: invoke-method and twin-update phases call devices through the hub's service REST API
 * (the same calls a back end makes to IoT Hub), each device selected with the phase's fraction and called once, in a
 * seeded order, at the phase's rate; round trips go to method.latency / twin.latency. Runs in the main thread on an
 * absolute timeline from the run's t0, like the shards.
 */
export class ServiceCalls {
  private readonly recorder = new MetricsRecorder();
  private readonly phases: Array<{ phase: ServicePhase; devices: string[]; next: number }>;
  private readonly inflight = new Set<Promise<void>>();
  private readonly auth: string;
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;

  constructor(
    plan: RunPlan,
    private readonly access: ServiceAccess,
    private readonly now: () => number,
  ) {
    this.phases = plan.phases
      .filter((p): p is ServicePhase => p.kind === 'invoke-method' || p.kind === 'twin-update')
      .map((phase) => ({ phase, devices: selectDevices(plan, phase), next: 0 }));
    const expiry = Math.floor(Date.now() / 1000 + plan.totalDurationMs / 1000 + 86_400);
    this.auth = createSasToken({ resourceUri: access.hostName, keyBase64: access.serviceKey, expiry, policyName: 'iothubowner' });
  }

  get active(): boolean {
    return this.phases.length > 0;
  }

  start(t0: number): void {
    if (!this.active) return;
    this.t0 = t0;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Calls due by now: the k-th call of a phase is due at start + k / rate, until the phase ends or every selected device was called. */
  private tick(): void {
    const now = this.now();
    for (const p of this.phases) {
      const start = this.t0 + p.phase.startMs;
      const end = start + p.phase.durationMs;
      while (p.next < p.devices.length) {
        const due = start + (p.next * 1000) / p.phase.ratePerS;
        if (due > now || due >= end) break;
        this.call(p.phase, p.devices[p.next] as string);
        p.next++;
      }
    }
  }

  private call(phase: ServicePhase, deviceId: string): void {
    const started = this.now();
    const id = encodeURIComponent(deviceId);
    const request =
      phase.kind === 'invoke-method'
        ? this.request('POST', `/twins/${id}/methods`, {
            methodName: phase.method,
            payload: phase.payload,
            responseTimeoutInSeconds: Math.round(phase.responseTimeoutMs / 1000),
          })
        : this.request('PATCH', `/twins/${id}`, { properties: { desired: phase.desired } }, { 'if-match': '*' });
    const done = request.then(
      async (res) => {
        const body = (await res.json().catch(() => null)) as { errorCode?: unknown } | null;
        this.settle(phase, started, res.ok ? undefined : String(body?.errorCode ?? `HTTP_${res.status}`));
      },
      (err: unknown) => this.settle(phase, started, (err as { code?: string }).code ?? 'REQUEST_FAILED'),
    );
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  private request(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.access.url}${path}?api-version=${API_VERSION}`, {
      method,
      headers: { authorization: this.auth, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  private settle(phase: ServicePhase, started: number, failure: string | undefined): void {
    const micros = (this.now() - started) * 1000;
    const method = phase.kind === 'invoke-method';
    this.recorder.count(method ? 'method.calls' : 'twin.updates');
    if (failure !== undefined && THROTTLED.has(failure)) {
      // The hub's tier throttling (429001/429002) or daily quota (403002): counted apart from failures and errors.
      this.recorder.count(method ? 'method.throttled' : 'twin.throttled');
      return;
    }
    if (failure !== undefined) {
      this.recorder.count(method ? 'method.failed' : 'twin.failed');
      this.recorder.error(method ? 'method' : 'twin', failure);
      return;
    }
    this.recorder.observe(method ? 'method.latency' : 'twin.latency', micros);
  }

  snapshot(): MetricsSnapshot {
    return this.recorder.snapshot();
  }

  /** Stop issuing calls and wait (bounded) for the ones in flight, so their outcomes are counted. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  }
}

/** IoT Hub error codes of throttling: ThrottlingException, ThrottleBacklogLimitExceeded, IotHubQuotaExceeded. */
const THROTTLED: ReadonlySet<string> = new Set(['429001', '429002', '403002']);

/** The phase's devices: each selected with probability `fraction` by its own seeded draw, called in draw order. */
function selectDevices(plan: RunPlan, phase: ServicePhase): string[] {
  const picked: Array<[number, string]> = [];
  for (const f of plan.fleets) {
    if (!phase.fleets.includes(f.id)) continue;
    const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
    for (let index = 0; index < f.count; index++) {
      const u = createRng(plan.seed, 'service', phase.name, f.id, index).next();
      if (u < phase.fraction) picked.push([u, idOf({ fleet: f.id, index })]);
    }
  }
  return picked.sort((a, b) => a[0] - b[0]).map(([, id]) => id);
}
