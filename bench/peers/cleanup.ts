/**
 * Everything the benchmark starts (brokers, tools) is stopped when it ends, also on Ctrl-C or SIGTERM: each starter
 * registers a synchronous stop function here. Processes are ended by their own pid (or process group), never by name.
 */
const stops = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const stop of [...stops].reverse()) {
    try {
      stop();
    } catch {
      // keep stopping the others
    }
  }
  stops.clear();
}

/** Registers a stop function; returns the function that unregisters it (after a normal stop). */
export function onCleanup(stop: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', runAll);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: stopping the brokers and tools this benchmark started`);
        runAll();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    }
  }
  stops.add(stop);
  return () => stops.delete(stop);
}
