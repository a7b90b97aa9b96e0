// Hosts for a test, made of Linux network namespaces: each host is a namespace
// with its own loopback and one interface, eth0, at its own address on a
// /24; every eth0 is cabled (a veth pair) to a bridge, the switch, which
// lives in a namespace of its own. The test's namespace (where the clients
// run) is plugged into the switch too, at .254, so it reaches the hosts the
// way a client on the LAN would and nothing reaches the test's loopback.
//
// Cutting a host's cable (`ip link set <port> down` on the switch) leaves its
// processes running and alone: no packet in or out, no reset, as when a VM's
// network goes.
//
// Needs root and iproute2. Everything is named after the test process
// (`tgnet-<pid>-<host>`), so a run that died without cleaning up is removed
// by the next one (its pid is gone), and two runs never meet.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PREFIX = 'tgnet-';
const SWITCH = 'switch';
const BRIDGE = 'br0';
/** The test's own address on the switch. */
const CLIENT_OCTET = 254;

/** `ip …`, failing with its stderr. */
async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args, { timeout: 10_000 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** Why namespaces cannot be made here, or undefined when they can (root, iproute2, a kernel that allows it). */
export async function whyNoNamespaces(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the test as root, as CI does)';
  const hasIp = await run('ip', ['-V']).then(
    () => true,
    () => false,
  );
  if (!hasIp) return 'iproute2\'s `ip` is not installed (apt-get install iproute2)';
  const probe = `${PREFIX}${process.pid}-probe`;
  try {
    await ip('netns', 'add', probe);
  } catch (err) {
    return `cannot make a network namespace: ${(err as Error).message}`;
  }
  await ip('netns', 'del', probe).catch(() => {});
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of the processes in a namespace (`ip netns pids`). */
function pidsIn(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter(Boolean).map(Number).filter((p) => p > 0 && p !== process.pid);
}

/** Kills what runs in the namespaces (SIGKILL), then deletes them; synchronous, for an exit handler too. */
function removeNamespacesSync(names: string[]): void {
  for (const ns of names) for (const pid of pidsIn(ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  // The switch last: deleting it takes every veth pair with it, the test's own among them.
  for (const ns of [...names].sort((a, b) => Number(a.endsWith(`-${SWITCH}`)) - Number(b.endsWith(`-${SWITCH}`)))) {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** Namespaces an earlier run of this test left behind when it died (its pid is gone). */
async function removeStale(): Promise<void> {
  const names = (await ip('netns', 'list')).split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(PREFIX));
  const stale = names.filter((n) => {
    const pid = Number(n.slice(PREFIX.length).split('-')[0]);
    return pid !== process.pid && !alive(pid);
  });
  if (stale.length) removeNamespacesSync(stale);
}

/** A /24 in 10/8 that no address or route of this machine uses. */
async function freeSubnet(): Promise<string> {
  const used = (await ip('-4', 'addr')) + (await ip('-4', 'route'));
  for (let i = 0; i < 50; i++) {
    const subnet = `10.${randomInt(100, 250)}.${randomInt(1, 250)}`;
    if (!used.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.x.y.0/24 for the test network');
}

export interface HostProcess {
  name: string;
  host: string;
  child: ChildProcess;
  /** The last 64 KB of what it wrote. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export class Network {
  private readonly hosts = new Map<string, number>();
  private readonly processes = new Set<HostProcess>();
  private destroyed = false;
  private readonly onExit = () => this.destroySync();

  private constructor(
    /** The first three octets of the hosts' /24. */
    readonly subnet: string,
  ) {}

  /** The switch and the test's own link to it; add the hosts with addHost(). */
  static async create(): Promise<Network> {
    await removeStale();
    const net = new Network(await freeSubnet());
    process.once('exit', net.onExit);
    try {
      await net.makeSwitch();
    } catch (err) {
      await net.destroy();
      throw err;
    }
    return net;
  }

  ns(host: string): string {
    return `${PREFIX}${process.pid}-${host}`;
  }

  /** The test's own address on the switch (what the hosts see the clients and the PostgreSQL forward at). */
  get clientAddress(): string {
    return `${this.subnet}.${CLIENT_OCTET}`;
  }

  address(host: string): string {
    const octet = this.hosts.get(host);
    if (octet === undefined) throw new Error(`no host ${host}`);
    return `${this.subnet}.${octet}`;
  }

  /** The test's end of its cable (in its own namespace); one per process, named after the pid. */
  get clientLink(): string {
    return `tgn${process.pid.toString(36)}`;
  }

  private async makeSwitch(): Promise<void> {
    const sw = this.ns(SWITCH);
    await ip('netns', 'add', sw);
    await ip('-n', sw, 'link', 'set', 'dev', 'lo', 'up');
    await ip('-n', sw, 'link', 'add', 'name', BRIDGE, 'type', 'bridge');
    await ip('-n', sw, 'link', 'set', 'dev', BRIDGE, 'up');
    await ip('link', 'add', 'name', this.clientLink, 'type', 'veth', 'peer', 'name', 'client', 'netns', sw);
    await ip('-n', sw, 'link', 'set', 'dev', 'client', 'master', BRIDGE, 'up');
    await ip('addr', 'add', `${this.clientAddress}/24`, 'dev', this.clientLink);
    await ip('link', 'set', 'dev', this.clientLink, 'up');
  }

  /**
   * A host: a namespace with loopback and eth0 at `<subnet>.<octet>`, cabled to the
   * switch port named after it (≤ 15 characters).
   */
  async addHost(host: string, octet: number): Promise<string> {
    if (this.destroyed) throw new Error('the network is gone');
    if (host.length > 15 || !/^[a-z0-9]+$/.test(host)) throw new Error(`host name ${host}: 1-15 of [a-z0-9]`);
    const ns = this.ns(host);
    const sw = this.ns(SWITCH);
    this.hosts.set(host, octet);
    await ip('netns', 'add', ns);
    await ip('-n', ns, 'link', 'set', 'dev', 'lo', 'up');
    await ip('-n', sw, 'link', 'add', 'name', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    await ip('-n', sw, 'link', 'set', 'dev', host, 'master', BRIDGE, 'up');
    await ip('-n', ns, 'addr', 'add', `${this.address(host)}/24`, 'dev', 'eth0');
    await ip('-n', ns, 'link', 'set', 'dev', 'eth0', 'up');
    return this.address(host);
  }

  /** Pulls the host's cable out of the switch: `ip link set <host> down` on its switch port. */
  async cut(host: string): Promise<void> {
    await ip('-n', this.ns(SWITCH), 'link', 'set', 'dev', host, 'down');
  }

  async restore(host: string): Promise<void> {
    await ip('-n', this.ns(SWITCH), 'link', 'set', 'dev', host, 'up');
  }

  /** Runs a program on a host (`ip netns exec <ns> …`, which execs it: the child's pid is the program's). */
  spawn(host: string, name: string, command: string, args: string[], opts: { env: Record<string, string>; cwd?: string; ipc?: boolean }): HostProcess {
    if (!this.hosts.has(host)) throw new Error(`no host ${host}`);
    // An IPC channel survives the exec (the fd and NODE_CHANNEL_FD are inherited): PM2's `ready` message.
    const child = spawn('ip', ['netns', 'exec', this.ns(host), command, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (d: Buffer) => {
      out += d;
      if (out.length > 128 * 1024) out = out.slice(-64 * 1024);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
      child.once('error', (err) => {
        out += `\n${err.message}`;
        resolve(null);
      });
    });
    const p: HostProcess = {
      name,
      host,
      child,
      output: () => out.slice(-64 * 1024),
      exited,
      stop: async (graceMs = 5000) => {
        if (child.exitCode === null && child.signalCode === null && child.pid) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        this.processes.delete(p);
        return exited;
      },
    };
    this.processes.add(p);
    return p;
  }

  /** Stops every process it started (each SIGTERM, then SIGKILL after `graceMs`), then removes every namespace and link. */
  async destroy(graceMs = 5000): Promise<void> {
    if (this.destroyed) return;
    await Promise.all([...this.processes].map((p) => p.stop(graceMs)));
    this.destroySync();
  }

  /** The same at once and synchronously (the exit handler): anything still running is killed. */
  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    removeNamespacesSync([...this.hosts.keys(), SWITCH].map((h) => this.ns(h)));
    // Gone with its peer in the switch; in case the switch was never made whole.
    spawnSync('ip', ['link', 'del', 'dev', this.clientLink], { stdio: 'ignore' });
  }

  /** Names of what it made, for a check that nothing is left. */
  get namespaces(): string[] {
    return [...this.hosts.keys(), SWITCH].map((h) => this.ns(h));
  }
}

/** The namespaces that exist now. */
export async function listNamespaces(): Promise<string[]> {
  return (await ip('netns', 'list')).split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

/** Whether a link exists in the test's namespace. */
export async function linkExists(name: string): Promise<boolean> {
  return ip('link', 'show', 'dev', name).then(
    () => true,
    () => false,
  );
}
