// A TCP forward from an address on the test network to a server of the test's
// own namespace: the machine's PostgreSQL listens on 127.0.0.1 only, which no
// host namespace can reach, so the hosts reach it at <switch address>:<port>
// over their cables, as they would a database server on the LAN.
import net from 'node:net';

export interface Forward {
  host: string;
  port: number;
  /** The addresses connections came from. */
  peers: Set<string>;
  close(): Promise<void>;
}

export async function tcpForward(listen: { host: string; port?: number }, target: { host: string; port: number }): Promise<Forward> {
  const open = new Set<net.Socket>();
  const peers = new Set<string>();
  const server = net.createServer((inbound) => {
    if (inbound.remoteAddress) peers.add(inbound.remoteAddress);
    const outbound = net.connect(target.port, target.host);
    for (const s of [inbound, outbound]) {
      open.add(s);
      s.once('close', () => open.delete(s));
      // One side gone (a host cut off, a pool closed): the other goes too.
      s.once('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, listen.host, () => resolve());
  });
  return {
    host: listen.host,
    port: (server.address() as net.AddressInfo).port,
    peers,
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
