// All-in-one mode without DATABASE_URL: real PostgreSQL compiled to WASM
// (PGlite), persisted under DATA_DIR, served over the wire protocol so the
// product talks to it through `pg` like to any server.
//
// PGlite has no passwords: whoever reaches the socket is the superuser. So it
// listens on a Unix socket in a directory only this OS user may enter
// (DATA_DIR/run, mode 0700), never on a TCP port that any local process or
// user could open. The socket is named as PostgreSQL names its own
// (`.s.PGSQL.5432`), so pg finds it from `host=<directory>`.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from './logger.js';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

const SOCKET_NAME = '.s.PGSQL.5432';
// sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included.
const MAX_SOCKET_PATH = 103;

/** A directory for the socket that only this user may enter: DATA_DIR/run, or a private temporary one when that path is too long. */
async function socketDir(dataDir: string): Promise<{ dir: string; temporary: boolean }> {
  const dir = path.resolve(dataDir, 'run');
  if (Buffer.byteLength(path.join(dir, SOCKET_NAME)) <= MAX_SOCKET_PATH) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.chmod(dir, 0o700); // mkdir leaves an existing directory's mode alone
    return { dir, temporary: false };
  }
  return { dir: await fs.mkdtemp(path.join(os.tmpdir(), 'pglite-')), temporary: true }; // mkdtemp makes it 0700
}

/** A socket file left by a process that died: removed; one that still answers: another process serves this DATA_DIR. */
async function clearStaleSocket(file: string): Promise<void> {
  const answers = await new Promise<boolean>((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (answers) throw new Error(`another process serves the embedded database at ${file}; stop it or use another DATA_DIR`);
  await fs.rm(file, { force: true });
}

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir, 'pg');
  await fs.mkdir(dir, { recursive: true });
  const run = await socketDir(dataDir);
  const socket = path.join(run.dir, SOCKET_NAME);
  await clearStaleSocket(socket);
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, path: socket, maxConnections: 16 });
  await server.start();
  logger.info({ dir, socket }, 'embedded PostgreSQL (PGlite) started');
  return {
    url: `postgres://postgres@${encodeURIComponent(run.dir)}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
      await fs.rm(run.temporary ? run.dir : socket, { recursive: true, force: true });
    },
  };
}
