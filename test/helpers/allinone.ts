// The all-in-one app (what `npm start` serves) in this test process, on port 0,
// with a data directory of its own: for tests of what the public port answers.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildAllInOne, type AllInOne } from '../../allinone/app.js';
import type { Platform } from '../../shared/platform.js';
import { testPlatform } from './env.js';
import { startHttp, type Running } from './http.js';

export interface RunningAllInOne {
  platform: Platform;
  aio: AllInOne;
  running: Running;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts the all-in-one app with the run's database and Redis, a fresh DATA_DIR, no NSFW model, plus `env`. */
export async function startAllInOne(env: Record<string, string | undefined> = {}, label = 'allinone'): Promise<RunningAllInOne> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `${label}-`));
  const platform = testPlatform({ DATA_DIR: dataDir, NSFW_ENABLED: 'false', ...env }, label);
  const aio = await buildAllInOne(platform);
  const running = await startHttp(aio.callback);
  await aio.attach(running.server);
  return {
    platform,
    aio,
    running,
    url: running.url,
    dataDir,
    async close() {
      await aio.stop();
      await running.close();
      await platform.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
