/**
 * Locate a worker entry file next to the calling module. From the built package it is a .js file. When running from
 * source (vitest, tsx) it is a .ts file, which a Node 20 worker thread can only load through a bootstrap that
 * registers tsx inside the worker (scripts/ts-worker.mjs); `env` then names the real entry.
 */
export interface WorkerEntry {
  readonly filename: string;
  readonly env: NodeJS.ProcessEnv | undefined;
}

export function workerFile(relative: string, base: string): WorkerEntry {
  if (!base.endsWith('.ts')) return { filename: new URL(relative, base).href, env: undefined };
  const entry = new URL(relative.replace(/\.js$/, '.ts'), base).href;
  return {
    filename: new URL('../../scripts/ts-worker.mjs', import.meta.url).href,
    env: { ...process.env, FLEETSIM_TS_WORKER_ENTRY: entry },
  };
}
