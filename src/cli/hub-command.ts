import { startEmbeddedHub } from '../hub/embedded.js';
import type { Terminal } from './terminal.js';

/** `fleetsim hub`: the embedded hub on its own, until Ctrl-C. */
export async function hubCommand(args: { host: string; port: number }, term: Terminal): Promise<number> {
  const hub = await startEmbeddedHub({ host: args.host, port: args.port });
  term.err(`fleetsim hub listening on ${hub.url} (plain MQTT 3.1.1/5). Ctrl-C to stop.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await hub.stop();
  return 0;
}
