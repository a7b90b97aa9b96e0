// Load generators in processes of their own. The benchmark forks one with a
// module of generator functions (bench/lib/chat-load.ts, http-load.ts), calls
// them by name over IPC, and gets each result back with the CPU the generator
// process used, so a generator that saturates its core is seen and its figure
// marked as a lower bound rather than taken for the server's limit.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A generator above this many cores was the limit of what it measured. */
export const SATURATED_CORES = 0.9;

export interface GeneratorCpu {
  /** Cores busy on average (user + system CPU ÷ wall time). */
  cores: number;
  cpu_s: number;
  wall_s: number;
  saturated: boolean;
}

export function cpuOver(used: NodeJS.CpuUsage, wallMs: number): GeneratorCpu {
  const cpu_s = (used.user + used.system) / 1e6;
  const cores = wallMs > 0 ? cpu_s / (wallMs / 1000) : 0;
  return { cores: Number(cores.toFixed(3)), cpu_s: Number(cpu_s.toFixed(3)), wall_s: Number((wallMs / 1000).toFixed(3)), saturated: cores >= SATURATED_CORES };
}

/** A CPU window of this process: the generator functions report their own over what they count. */
export function cpuWindow() {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return { end: () => cpuOver(process.cpuUsage(c0), performance.now() - t0) };
}

export interface Generator {
  name: string;
  pid: number;
  call<T = unknown>(fn: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

interface Reply {
  id: number;
  value?: unknown;
  error?: string;
}

/** Forks bench/lib/generator-child.ts with `module` (a path relative to the repository or absolute). */
export async function startGenerator(module: string, name = path.basename(module, '.ts')): Promise<Generator> {
  const child: ChildProcess = fork(path.join(here, 'generator-child.ts'), [path.resolve(module)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  child.on('message', (m: Reply | 'ready') => {
    if (m === 'ready') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(`generator ${name}: ${m.error}`));
    else p.resolve(m.value);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`generator ${name} exited (${code ?? signal})`));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', (m) => (m === 'ready' ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`generator ${name} did not start (exit ${code})`)));
  });
  return {
    name,
    pid: child.pid!,
    call<T>(fn: string, args?: unknown) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, fn, args });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
