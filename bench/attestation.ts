/**
 * Attestation cost: how many devices per second one core can boot (DICE measured boot: key derivation, DeviceID and
 * Alias certificates) and attest (evidence signed with the Alias key), and how many attestations per second the
 * verifier checks and answers with a credential; then the projected CPU time of a 100,000-device boot storm.
 *
 * Measured as CPU time of this thread (process.cpuUsage, user + system), so a loaded machine stretches the wall
 * clock but not the figures much. Phases, each over N devices:
 *   device      boot + makeEvidence                                    (per device)
 *   verify-cold challenge + verify + SAS credential, fresh verifier    (first attestation: DeviceID certificate checked)
 *   verify-warm the same devices again                                 (daily re-attestation: DeviceID cached)
 *   x509        verify-warm with X.509 credentials (one more Ed25519 signature per attestation)
 *   both        boot + challenge + evidence + verify-cold + credential (the boot-storm path end to end)
 * each with every Ed25519 backend this machine has (libsodium through sodium-native, and node:crypto), with the ratio.
 * Then the boot storm as fleetsim runs it (`fleet`): a virtual-time run of --fleet=N (20,000) secure-OS devices that boot
 * and attest once, minus the same run without secureOs, CPU of the whole process; projected to 100,000 devices
 * (budget: 60 s, i.e. 600 µs per device), with the default backend. The isolated `both` loop is projected too.
 *
 *   npm run build && node --import tsx bench/attestation.ts [devices=5000] [--from dist|src]
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 5000);
const from = args.includes('src') ? 'src' : 'dist';
if (from === 'dist' && !existsSync(new URL('../dist/attestation/index.js', import.meta.url))) {
  throw new Error('bench/attestation.ts measures the build: run `npm run build` first (or pass --from src)');
}
const load = <T>(path: string): Promise<T> => import(new URL(`../${from}/${path}.js`, import.meta.url).href) as Promise<T>;
const so = await load<typeof import('../src/devices/secure-os/index.js')>('devices/secure-os/index');
const at = await load<typeof import('../src/attestation/index.js')>('attestation/index');
const { createRng } = await load<typeof import('../src/core/rng.js')>('core/rng');

const ed = await load<typeof import('../src/core/ed25519.js')>('core/ed25519');

const SEED = 'bench-attestation';
const START = Date.UTC(2026, 0, 1);
const spec = (i: number) => ({ seed: SEED, globalIndex: i, deviceId: `dev-${i}`, startTimeMs: START });
const clock = { now: () => START + 3_600_000 };

function cpuUs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

type Phases = Record<'device' | 'verify-cold' | 'verify-warm' | 'x509-warm' | 'both', number>;

/** The isolated phases with one Ed25519 backend (keys, catalog and verifiers made afresh with it). */
function measure(backend: 'libsodium' | 'node:crypto'): Phases {
  ed.useEd25519Backend(backend);
  const catalog = so.firmwareCatalog(SEED, [{ name: 'app', version: '2.3.0', svn: 3, sizeBytes: 256 * 1024 }]);
  const app = so.installed(catalog.image('app', '2.3.0'));
  const newVerifier = (credential: 'sas' | 'x509') =>
    new at.Verifier({
      factoryCaDer: so.factoryCa(SEED, START).certDer,
      enrolled: (id: string) => id.startsWith('dev-'),
      referenceValues: catalog.referenceValues(),
      serviceKey: Buffer.alloc(32, 7).toString('base64'),
      hubHost: 'embedded.fleetsim.local',
      attestationCa: at.attestationCa(SEED, START),
      policy: { credential },
      clock,
      rng: createRng(SEED, 'verifier'),
    });

  // Warm-up (JIT, OpenSSL method caches), not measured.
  for (let i = 0; i < 200; i++) so.makeEvidence(so.boot({ device: spec(N + i), catalog, app }), 'warm');

  const boots: ReturnType<typeof so.boot>[] = [];
  const device = cpuUs(() => {
    for (let i = 0; i < N; i++) {
      const b = so.boot({ device: spec(i), catalog, app });
      so.makeEvidence(b, 'AAAAAAAAAAAAAAAAAAAAAA');
      boots.push(b);
    }
  });

  const verifyAll = (v: ReturnType<typeof newVerifier>): number => {
    // Evidence for fresh nonces is made outside the measured loop.
    const evs = boots.map((b) => so.makeEvidence(b, v.challenge(b.deviceId).nonce));
    let failed = 0;
    const us = cpuUs(() => {
      for (const ev of evs) if (!v.verify(ev).ok) failed++;
    });
    if (failed > 0) throw new Error(`${failed} attestations failed`);
    return us;
  };
  const sasVerifier = newVerifier('sas');
  const cold = verifyAll(sasVerifier);
  const warm = verifyAll(sasVerifier);
  const x509v = newVerifier('x509');
  verifyAll(x509v);
  const x509 = verifyAll(x509v);

  const storm = newVerifier('sas');
  let bothFailed = 0;
  const both = cpuUs(() => {
    for (let i = 0; i < N; i++) {
      const b = so.boot({ device: spec(N + 1000 + i), catalog, app });
      if (!storm.verify(so.makeEvidence(b, storm.challenge(b.deviceId).nonce)).ok) bothFailed++;
      storm.forget(b.deviceId); // as a boot storm's verifier would not keep 100,000 identities' key objects in one loop
    }
  });
  if (bothFailed > 0) throw new Error(`${bothFailed} boot-storm attestations failed`);
  return { device, 'verify-cold': cold, 'verify-warm': warm, 'x509-warm': x509, both };
}

const backends = ed.ed25519Backends();
const results = new Map(backends.map((b) => [b, measure(b)] as const));
ed.useEd25519Backend(backends[0] ?? 'node:crypto');

console.log(`\nattestation (${from}/, ${N} devices, Node ${process.version}, load average ${loadavg()[0]?.toFixed(2)}); µs CPU per device, by Ed25519 backend`);
console.log(`  ${'phase'.padEnd(12)} ${backends.map((b) => b.padStart(12)).join(' ')}${backends.length > 1 ? '   ratio' : ''}`);
for (const phase of ['device', 'verify-cold', 'verify-warm', 'x509-warm', 'both'] as const) {
  const per = backends.map((b) => (results.get(b)?.[phase] ?? NaN) / N);
  const ratio = per.length > 1 ? `   ${((per[1] ?? NaN) / (per[0] ?? NaN)).toFixed(2)}×` : '';
  console.log(`  ${phase.padEnd(12)} ${per.map((p) => p.toFixed(0).padStart(12)).join(' ')}${ratio}`);
}
for (const b of backends) {
  const both = results.get(b)?.both ?? NaN;
  console.log(`  isolated loop (both) × 100,000 with ${b}: ${((both / N) * 100_000 / 1e6).toFixed(1)} s CPU (${Math.round(1e6 / (both / N)).toLocaleString('en-US')} boots + attestations /s per core)`);
}

// The boot storm as fleetsim runs it: a virtual-time run of FLEET secure-OS devices that boot and attest once (2
// workers, the in-process attestation service of virtual time), minus the same fleet without secureOs. CPU of the
// whole process (process.cpuUsage counts every thread), so it includes everything the secure OS adds to a run.
const { runVirtual } = await load<typeof import('../src/engine/virtual-run.js')>('engine/virtual-run');
const { compileScenarioText } = await load<typeof import('../src/scenario/index.js')>('scenario/index');
const FLEET = Number(args.find((a) => a.startsWith('--fleet='))?.slice(8) ?? 20_000);
const fleetRun = async (secure: boolean): Promise<number> => {
  const plan = compileScenarioText(
    `version: 1
name: storm
seed: bench
clock: virtual
firmware: [{ name: thermostat-app, version: "2.3.0", svn: 3, size: 64KiB }]
fleets:
  - id: s
    model: thermostat
    count: ${FLEET}
    telemetry: { every: 1h }
    transport: { dialect: iothub }
${secure ? '    secureOs: { firmware: "2.3.0", attestation: daily, credential: sas }\n' : ''}phases:
  - { kind: connect, rate: 100000000/s, settle: 0s }
  - { kind: steady, duration: 30m }
`,
    'storm.yaml',
  );
  const c0 = process.cpuUsage();
  await runVirtual(plan, { workers: 2, sink: { kind: 'none' } });
  const c = process.cpuUsage(c0);
  return c.user + c.system;
};
await fleetRun(true); // warm-up: worker start, module loading
const fleetSecure = await fleetRun(true);
const fleetPlain = await fleetRun(false);
const perDevice = (fleetSecure - fleetPlain) / FLEET;
const stormS = (perDevice * 100_000) / 1e6;
console.log(`  fleet (${ed.ed25519BackendName()}) ${perDevice.toFixed(0).padStart(6)} µs CPU each   (${FLEET.toLocaleString('en-US')} devices in a virtual run, 2 workers: ${(fleetSecure / 1e6).toFixed(1)} s with secureOs − ${(fleetPlain / 1e6).toFixed(1)} s without)`);
console.log(`  100,000-device boot storm as fleetsim runs it: ${stormS.toFixed(1)} s CPU (budget 60 s) ${stormS <= 60 ? 'OK' : 'OVER BUDGET'}`);
