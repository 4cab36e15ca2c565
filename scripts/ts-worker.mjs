// Development only: runs a TypeScript worker entry under tsx. Node 20 worker threads ignore `--import tsx` in execArgv,
// so src/core/worker-file.ts points workers here, with the real entry in FLEETSIM_TS_WORKER_ENTRY. The built package
// (dist/) never uses this file.
import { register } from 'tsx/esm/api';

register();
const entry = process.env.FLEETSIM_TS_WORKER_ENTRY;
if (entry === undefined) throw new Error('FLEETSIM_TS_WORKER_ENTRY is not set');
const mod = await import(entry);
export default mod.default;
