// A TCP hop in front of a server (Redis, usually) that a test can cut or
// silence for the processes behind it only:
// - down(): connections closed and refused (a server that stopped: clients see it at once);
// - silence(): connections stay open and bytes are dropped both ways (a host
//   cut off, packets lost: nothing ever fails, calls just never return).
import net from 'node:net';

export class TcpHop {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private silent = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** From a URL such as the run's REDIS_URL. */
  static to(url: string): TcpHop {
    const u = new URL(url);
    return new TcpHop({ host: u.hostname, port: Number(u.port || 6379) });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Listens (again on the same port after down()), forwarding. */
  async up(): Promise<void> {
    this.silent = false;
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('data', (d) => void (this.silent || upstream.write(d)));
      upstream.on('data', (d) => void (this.silent || client.write(d)));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Drops every byte from now on, connections left open; new ones are accepted and silenced too. */
  silence(): void {
    this.silent = true;
  }

  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
