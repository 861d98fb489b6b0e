/** Listening with a `node:http` server and stopping it again: what the dashboard and the metrics server share. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A server that listens. */
export interface Listening {
  /** The port actually bound (the one asked for, or a free one for 0). */
  readonly port: number;
  /** `http://address:port` of the bound address (IPv6 in brackets), no trailing slash. */
  readonly origin: string;
  /** Stop listening and end open connections. */
  close(): Promise<void>;
}

/** Listen on `host:port`; rejects with the server's error (e.g. `EADDRINUSE`) when it cannot. */
export async function listen(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    port: address.port,
    origin: `http://${hostPart}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeAllConnections();
      }),
  };
}
