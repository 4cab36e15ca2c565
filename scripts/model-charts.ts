/**
 * Regenerate the README's model charts (docs/models/<model>.svg) with fleetsim itself: `fleetsim preview` of three
 * devices of each built-in model. Deterministic: the same code gives the same files.
 *
 *   npm run build && node --import tsx scripts/model-charts.ts
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { modelNames } from '../src/devices/registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Model time shown per model: long enough to show what the model does. */
const DURATION: Record<string, string> = { 'env-sensor': '30d', 'soil-probe': '7d', 'pump-vibration': '240d', 'asset-tracker': '2h' };

for (const model of modelNames()) {
  if (model === 'thermostat') continue;
  const duration = DURATION[model] ?? '24h';
  const every = duration.endsWith('d') && Number.parseInt(duration, 10) > 7 ? '1h' : duration === '2h' ? '10s' : '1m';
  const args = ['bin/fleetsim.js', 'preview', model, '--devices', '3', '--duration', duration, '--every', every];
  execFileSync(process.execPath, [...args, '--plot', `docs/models/${model}.svg`, '--out', '/dev/null', '--quiet'], { cwd: root, stdio: 'inherit' });
  console.log(`docs/models/${model}.svg  (${duration} of model time, a sample every ${every})`);
}
