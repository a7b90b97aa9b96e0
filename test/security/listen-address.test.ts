// Issue 13 §3: in cluster mode only the gateway listens publicly. The services
// behind it believe its one hop in X-Forwarded-For, so nobody may reach them
// around it: ecosystem.config.js puts them on 127.0.0.1, and a service started
// without HOST listens on loopback by itself (shared/service-main.ts).
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { processEnv } from '../helpers/env.js';
import { connectOutcome, freePort, outsideAddress, startTs, waitForHttp } from '../helpers/processes.js';

const root = path.resolve(import.meta.dirname, '..', '..');

interface Pm2App {
  name: string;
  env: Record<string, string | number | undefined>;
}

/** The apps of ecosystem.config.js as PM2 reads them, under `env` alone (plus PATH and HOME). */
function ecosystemApps(env: Record<string, string> = {}): Promise<Pm2App[]> {
  const script = "import('./ecosystem.config.js').then((m) => process.stdout.write(JSON.stringify(m.default.apps)))";
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}

/** The local addresses of every listening TCP socket on `port` (Linux /proc/net/tcp and tcp6), e.g. 127.0.0.1 or 0.0.0.0. */
async function listeningAddresses(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue; // 0A: LISTEN
      const [hex, portHex] = local.split(':');
      if (parseInt(portHex, 16) !== port) continue;
      // Each 32-bit word is stored little-endian.
      const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
      found.push(
        words.length === 1
          ? words[0].match(/../g)!.map((b) => parseInt(b, 16)).join('.')
          : words.join('').match(/.{4}/g)!.join(':'),
      );
    }
  }
  return found;
}

describe('only the gateway listens publicly in cluster mode (issue 13 §3)', function () {
  this.timeout(60_000);

  it('ecosystem.config.js runs every service behind the gateway on 127.0.0.1 believing one hop, and leaves HOST to the gateway', async () => {
    const apps = await ecosystemApps({ HOST: '0.0.0.0' });
    const byName = new Map(apps.map((a) => [a.name, a]));
    expect([...byName.keys()]).to.include.members(['gateway', 'auth', 'profile', 'discovery', 'media', 'admin', 'realtime']);
    for (const name of ['auth', 'profile', 'discovery', 'media', 'admin', 'realtime']) {
      expect(byName.get(name)!.env, name).to.include({ HOST: '127.0.0.1', TRUSTED_PROXY_HOPS: '1' });
    }
    // The gateway takes HOST and GATEWAY_TRUSTED_PROXIES from the operator's environment, not from the file.
    expect(byName.get('gateway')!.env).to.not.have.any.keys('HOST', 'TRUSTED_PROXY_HOPS');
    // SERVICES_HOST is the one way to put the services elsewhere (a gateway on another VM).
    const moved = await ecosystemApps({ SERVICES_HOST: '10.0.0.5' });
    expect(moved.find((a) => a.name === 'auth')!.env.HOST).to.equal('10.0.0.5');
  });

  it('a service started without HOST listens on loopback only', async () => {
    const port = await freePort();
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'listen-address-'));
    const proc = startTs('api/auth/main.ts', processEnv({ AUTH_PORT: String(port), DATA_DIR: dataDir }));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, 30_000).catch((err) => {
        throw new Error(`${err.message}\n${proc.output()}`);
      });
      expect(await listeningAddresses(port)).to.deep.equal(['127.0.0.1']);
      const outside = outsideAddress();
      if (outside) expect(await connectOutcome(`http://${outside}:${port}/health`), outside).to.equal('ECONNREFUSED');
    } finally {
      const code = await proc.stop('SIGTERM');
      await fs.rm(dataDir, { recursive: true, force: true });
      expect(code, proc.output()).to.equal(0);
    }
  });
});
