/**
 * `npm run bench`: the default benchmarks in bench/, one after another. Not part of the test suite.
 *
 *   npm run bench                                   virtual, hub, peers, attestation
 *   npm run bench -- --only peers                   one benchmark (or several: --only virtual,hub)
 *   npm run bench -- --only peers --connections 5000 --skip-tsung
 *                                                   everything after the name goes to that benchmark (one name only)
 *   npm run bench -- --list                         the benchmarks, with what each measures
 */
const BENCHES = {
  virtual: { file: './virtual.js', default: true, what: 'virtual-time samples/s and memory per device (issue 3)' },
  hub: { file: './hub.js', default: true, what: 'embedded hub telemetry throughput against Mosquitto' },
  peers: { file: './peers/index.js', default: true, what: 'fleetsim vs Tsung and mqtt.js: memory, connect rate, live connections, CPU (issue 6)' },
  'lean-client': { file: './lean-client.js', default: false, what: 'the lean MQTT client against mqtt.js through the Transport interface (no CLI)' },
  'node-connect': { file: './node-connect.js', default: false, what: 'what connecting costs a bare Node client (net.connect + CONNECT + CONNACK), no fleetsim' },
  'tls-connect': { file: './tls-connect.js', default: false, what: 'connect cost of MQTT/TLS against plain MQTT on the embedded hub' },
  attestation: { file: './attestation.js', default: true, what: 'secure OS: device evidence + verification per second, 100k boot storm CPU (issue 5)' },
  scale200k: { file: './peers/scale200k.js', default: false, what: '200,000 live connections: 12 Mosquitto instances, fleetsim over several processes (minutes)' },
} as const;
type Name = keyof typeof BENCHES;
const names = Object.keys(BENCHES) as Name[];

const args = process.argv.slice(2);
if (args.includes('--list') || args.includes('--help')) {
  for (const n of names) console.log(`${n.padEnd(12)} ${BENCHES[n].default ? 'default ' : 'on demand'}  ${BENCHES[n].what}`);
  console.log('\nnpm run bench -- --only NAME[,NAME…] [options of that benchmark]');
  process.exit(0);
}
let selected: Name[] = names.filter((n) => BENCHES[n].default);
let rest: string[] = [];
const at = args.indexOf('--only');
if (at >= 0) {
  const list = (args[at + 1] ?? '').split(',').filter((s) => s.length > 0);
  const unknown = list.filter((n) => !(n in BENCHES));
  if (list.length === 0 || unknown.length > 0) {
    console.error(`--only: unknown benchmark ${unknown.join(', ') || '(none given)'}; known: ${names.join(', ')}`);
    process.exit(2);
  }
  selected = list as Name[];
  rest = [...args.slice(0, at), ...args.slice(at + 2)];
} else rest = args;
rest = rest.filter((a) => a !== '--'); // `npm run bench -- --only peers -- --tools …`: the second -- is npm's habit, not an option
if (rest.length > 0 && selected.length !== 1) {
  console.error(`options ${rest.join(' ')} go to one benchmark: name it with --only NAME`);
  process.exit(2);
}
for (const n of selected) {
  if (selected.length > 1) console.log(`\n=== ${n} ===`);
  // Each benchmark reads its own options from process.argv when it loads.
  process.argv = [process.argv[0] as string, BENCHES[n].file, ...rest];
  await import(BENCHES[n].file);
}
