// Starting the platform's real processes from tests.
import net from 'node:net';
import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** This machine's first IPv4 address that is not loopback (to show a port is not reachable from outside), if it has one. */
export function outsideAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

/** 'answered' when a GET of `url` gets any answer, else the connection error's code (ECONNREFUSED, …). */
export function connectOutcome(url: string): Promise<string | undefined> {
  return fetch(url).then(
    () => 'answered',
    (err: Error & { cause?: { code?: string } }) => err.cause?.code,
  );
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs a TypeScript entry point with tsx; env replaces the parent's (PATH and HOME kept). */
export function startTs(entry: string, env: Record<string, string | undefined>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Until `url` answers with a status `ok` accepts (refused connections mean "not up yet"); resolves with the ms it took. */
export async function waitForHttp(url: string, timeoutMs: number, ok = (s: number) => s === 200): Promise<number> {
  const start = Date.now();
  await waitFor(`${url} to be ready`, async () => ok((await fetch(url)).status), { timeoutMs, everyMs: 100, untilNoError: true });
  return Date.now() - start;
}
