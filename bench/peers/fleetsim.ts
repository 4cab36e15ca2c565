/**
 * fleetsim itself, as users run it: `node bin/fleetsim.js run <generated scenario> --target …` (the built dist/).
 * Thermostat devices (the quickstart model), one fleet, a connect phase at the workload's rate, a steady phase that
 * holds them, telemetry every `everyMs` (idle: every 24 h). Its observer (an MQTT subscriber inside fleetsim that
 * checks delivery) is one more connection to the first broker, left out of the device count; its CPU and memory are
 * fleetsim's and are counted.
 *
 * The harness uses what the CLI offers, detected once: the lean client (`transport.client: lean`, accepted by
 * `fleetsim validate`), several endpoints (`--target url1,url2`, or the scenario's `target` list), a source-address pool
 * (`--source-addresses`), several processes (fleetsim's own choice, or `--processes N` when the workload names a count;
 * in `fleetsim run --help`). Without them fleetsim runs in one process against the first broker.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PER_BROKER } from './brokers.js';
import { KEEPALIVE_S, type Tool, type ToolRun, type Workload, spawnTool } from './tool.js';

const bin = fileURLToPath(new URL('../../bin/fleetsim.js', import.meta.url));
/** Device connections one process holds (open-file limit 20,000, less its own files and the observer). */
const PER_PROCESS = 19_000;
let probeDir = '.';
/** Where the feature probes write their scenarios (the bench's temp folder). */
export const setProbeDir = (dir: string): void => {
  probeDir = dir;
};

export interface FleetsimFeatures {
  readonly lean: boolean;
  readonly multiTarget: boolean;
  readonly processes: boolean;
  /** `--target url1,url2` (else the endpoints go in the scenario's target). */
  readonly targetList: boolean;
  readonly sourceAddresses: boolean;
  /** `--no-observer`: the generator alone, as the peers run (no subscriber checking delivery). */
  readonly noObserver: boolean;
}

function cli(args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [bin, ...args], (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, out: stdout + stderr }),
    ),
  );
}

let detected: Promise<FleetsimFeatures> | undefined;
let features: FleetsimFeatures = { lean: false, multiTarget: false, processes: false, targetList: false, sourceAddresses: false, noObserver: false };

/** What this build of fleetsim supports (probe scenarios through `fleetsim validate`, flags through `run --help`). */
export function fleetsimFeatures(dir: string): Promise<FleetsimFeatures> {
  detected ??= (async () => {
    const probe = (name: string, extra: { target?: string; transport?: string }): Promise<boolean> => {
      const file = join(dir, `probe-${name}.yaml`);
      writeFileSync(file, scenarioText({ name, count: 1, rate: 1, holdS: 1, qos: 0, everyMs: 1000, ...extra }));
      return cli(['validate', file]).then((r) => r.code === 0);
    };
    const [help, lean, multiTarget] = await Promise.all([
      cli(['run', '--help']),
      probe('lean', { transport: 'client: lean' }),
      probe('targets', { target: 'target: [mqtt://127.0.0.1:1883, mqtt://127.0.0.1:1884]' }),
    ]);
    features = {
      lean,
      multiTarget,
      processes: help.out.includes('--processes'),
      targetList: multiTarget && /separated by\s+commas/.test(help.out),
      sourceAddresses: help.out.includes('--source-addresses'),
      noObserver: help.out.includes('--observer'),
    };
    return features;
  })();
  return detected;
}

interface ScenarioArgs {
  readonly name: string;
  readonly count: number;
  readonly rate: number;
  readonly holdS: number;
  readonly qos: 0 | 1;
  readonly everyMs: number;
  readonly target?: string;
  readonly transport?: string;
}

function scenarioText(a: ScenarioArgs): string {
  const transport = [`qos: ${a.qos}`, `keepalive: ${KEEPALIVE_S}s`, ...(a.transport === undefined ? [] : [a.transport])].join(', ');
  return `version: 1
name: peers-${a.name}
seed: 1
${a.target ?? ''}
fleets:
  - id: d
    model: thermostat
    count: ${a.count}
    idPattern: "dev-{index:06}"
    transport: { ${transport} }
    telemetry: { every: ${a.everyMs}ms }
phases:
  - { kind: connect, rate: ${a.rate}/s, settle: 0s }
  - { kind: steady, duration: ${a.holdS}s }
  - { kind: drain, timeout: 2s }
`;
}

function plan(w: Workload, f: FleetsimFeatures): { brokers: number } {
  return { brokers: f.multiTarget ? w.brokers.length : 1 };
}

export const fleetsim: Tool = {
  name: 'fleetsim',
  /** Also detects the features (maxConnections and describe depend on them). */
  async unavailable() {
    await fleetsimFeatures(probeDir);
    return undefined;
  },
  maxConnections(w) {
    const p = plan({ ...w, connections: 0 }, features);
    return Math.min(p.brokers * PER_BROKER, features.processes ? Infinity : PER_PROCESS);
  },
  async start(w: Workload, dir: string): Promise<ToolRun> {
    await fleetsimFeatures(dir);
    const p = plan(w, features);
    const urls = w.brokers.slice(0, p.brokers).flatMap((b) => b.urls);
    const usePool = w.sourceAddresses.length > 0 && features.sourceAddresses;
    // Flags as users type them when the CLI has them, else the scenario's target (endpoints, source addresses).
    const inScenario = (urls.length > 1 && !features.targetList) || (w.sourceAddresses.length > 0 && features.multiTarget && !usePool);
    const pool = inScenario && w.sourceAddresses.length > 0 ? `, sourceAddresses: [${w.sourceAddresses.join(', ')}]` : '';
    const target = inScenario ? `target: { endpoints: [${urls.join(', ')}]${pool} }` : undefined;
    const file = join(dir, `fleetsim-${w.name}.yaml`);
    writeFileSync(
      file,
      scenarioText({
        name: w.name,
        count: w.connections,
        rate: w.connectRate,
        holdS: w.holdS,
        qos: w.publish?.qos ?? 0,
        everyMs: w.publish?.everyMs ?? 86_400_000,
        ...(target === undefined ? {} : { target }),
        ...(features.lean ? { transport: 'client: lean' } : {}),
      }),
    );
    const args = ['run', file, '--quiet', '--no-color', ...(target === undefined ? ['--target', urls.join(',')] : [])];
    if (usePool && !inScenario) args.push('--source-addresses', w.sourceAddresses.join(','));
    // Processes: fleetsim's own choice (auto), unless the workload names a count.
    if (features.processes && w.processes !== undefined) args.push('--processes', String(w.processes));
    // Measured as the peers run: no observer (a subscriber checking delivery costs CPU and connections the peers do
    // not spend); an older build's observer holds one subscriber connection per endpoint, left out of the counts.
    if (features.noObserver) args.push('--no-observer');
    return spawnTool(process.execPath, [bin, ...args], { extraConnections: features.noObserver ? 0 : urls.length });
  },
  describe: () =>
    `node bin/fleetsim.js run (thermostat fleet, connect → steady → drain; client ${features.lean ? 'lean' : 'mqtt.js'}, ${
      features.processes ? 'processes: its own choice (more than one when one would pass the open-file limit)' : 'one process'
    }, ${features.multiTarget ? 'all brokers as endpoints' : 'first broker only'}); ${
      features.noObserver ? '--no-observer (the generator alone, as the peers)' : "its observer's connections (one per endpoint) excluded from counts"
    }`,
};

/** Features as detected by the last start (for the report). */
export const fleetsimDetected = (): FleetsimFeatures => features;
