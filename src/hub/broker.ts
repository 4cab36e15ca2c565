import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

/** The one import site of aedes: an MQTT broker on a TCP server. */
export interface Broker {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export interface BrokerOptions {
  readonly host: string;
  /** 0: pick a free port. */
  readonly port: number;
}

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    port,
    host: options.host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => aedes.close(() => resolve()));
        // Open client sockets would keep server.close() waiting: end them.
        aedes.close();
      }),
  };
}
