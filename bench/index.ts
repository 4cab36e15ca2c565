/**
 * `npm run bench`: every benchmark in bench/, one after another. Not part of the test suite.
 * `npm run bench -- --only lean` (or virtual, hub, attestation; comma-separated) runs only those.
 */
const BENCHES: Record<string, string> = { virtual: './virtual.js', hub: './hub.js', lean: './lean-client.js', attestation: './attestation.js' };
const at = process.argv.indexOf('--only');
const only = at < 0 ? Object.keys(BENCHES) : (process.argv[at + 1] ?? '').split(',').filter((s) => s !== '');
const unknown = only.filter((name) => BENCHES[name] === undefined);
if (unknown.length > 0 || only.length === 0) {
  console.error(`--only takes one or more of ${Object.keys(BENCHES).join(', ')} (comma-separated); got "${process.argv[at + 1] ?? ''}"`);
  process.exit(2);
}
// The benchmarks read their own arguments from argv: take ours out.
if (at >= 0) process.argv.splice(at, 2);
for (const name of only) await import(BENCHES[name] as string);
