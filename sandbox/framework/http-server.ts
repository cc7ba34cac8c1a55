import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: http.Server;
  /** Origin, e.g. http://127.0.0.1:54321 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Simulators only ever bind the loopback interface. */
export const SIM_HOST = '127.0.0.1';

export async function listen(handler: http.RequestListener, port = 0): Promise<Listening> {
  const server = http.createServer({ keepAliveTimeout: 5_000 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, SIM_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    server,
    port: addr.port,
    url: `http://${SIM_HOST}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
        // Keep-alive sockets from fetch() would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
