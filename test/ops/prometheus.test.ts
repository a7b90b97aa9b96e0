// The ops files against a real Prometheus (Debian's `prometheus` package):
// it scrapes a running all-in-one process under a short load, every panel
// query of every dashboard in ops/grafana/ must return data, the alert rules
// in ops/prometheus/alerts.yml pass `promtool check rules`, and stopping the
// process fires ServiceNotReady. The rules are loaded with their `for:`
// shortened to a second, and Prometheus scrapes and evaluates every second.
import { expect } from 'chai';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startAllInOne, type RunningAllInOne } from '../helpers/allinone.js';
import { freePort } from '../helpers/processes.js';
import { loginViaApi, randomClientIp } from '../helpers/telegram.js';
import { uniqueTelegramId } from '../helpers/env.js';
import { createMatch } from '../helpers/users.js';
import { closeSockets, emitAck, openSocket } from '../helpers/sockets.js';
import { photoJpeg } from '../fixtures/images.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const OPS = path.resolve(import.meta.dirname, '../../ops');
const installed = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** Every panel query of a dashboard (rows included), with Grafana's $__rate_interval as Prometheus can read it. */
function queries(dashboard: { panels: Panel[] }): { panel: string; expr: string }[] {
  const flat = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return flat(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replaceAll('$__rate_interval', '30s') })));
}

describe('ops: Grafana dashboards and Prometheus alert rules against a real Prometheus', function () {
  this.timeout(120_000);
  let aio: RunningAllInOne | undefined;
  let prom: ChildProcess | undefined;
  let promUrl: string;
  let dir: string;

  before(function () {
    if (!installed('prometheus') || !installed('promtool')) {
      process.stderr.write('    (skipped: Debian package `prometheus` is not installed; `apt-get install prometheus`, as .ci/run does)\n');
      this.skip();
    }
  });

  after(async () => {
    closeSockets();
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
    await aio?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  const api = async (query: string) => {
    const res = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query })}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
    if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
    return body.data.result;
  };

  it('promtool accepts the alert rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', path.join(OPS, 'prometheus/alerts.yml')]);
    expect(stdout).to.match(/SUCCESS: \d+ rules found/);
  });

  it('every dashboard panel query returns data from a scraped all-in-one process under load, and stopping it fires ServiceNotReady', async () => {
    const token = 'ops-test-metrics-token-0123456789abcdef';
    aio = await startAllInOne({ METRICS_TOKEN: token }, 'ops');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'prometheus-'));
    const rules = (await fs.readFile(path.join(OPS, 'prometheus/alerts.yml'), 'utf8')).replace(/^(\s+for:) .*$/gm, '$1 1s');
    await fs.writeFile(path.join(dir, 'alerts.yml'), rules);
    const target = new URL(aio.url).host;
    await fs.writeFile(
      path.join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms }',
        'rule_files: [alerts.yml]',
        'scrape_configs:',
        '  - job_name: allinone',
        `    authorization: { credentials: ${token} }`,
        `    static_configs: [{ targets: ['${target}'] }]`,
        '',
      ].join('\n'),
    );
    await run('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')]);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    let output = '';
    prom = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prom.stdout!.on('data', (d) => (output += d));
    prom.stderr!.on('data', (d) => (output += d));
    await waitFor('Prometheus to be ready', async () => (await fetch(`${promUrl}/-/ready`)).ok, { timeoutMs: 30_000, untilNoError: true }).catch((err) => {
      throw new Error(`${err.message}\n${output.slice(-2000)}`);
    });

    // --- a short load: logins, REST calls (some refused), chat over sockets, a photo through moderation ---
    const base = aio.url;
    const [a, b] = await Promise.all([0, 1].map(() => loginViaApi(base, { id: uniqueTelegramId(), first_name: 'Ops' }, { ip: randomClientIp() })));
    const { conversationId } = await createMatch(aio.platform.db, a.user.id, b.user.id);
    const get = (p: string, t?: string) => fetch(`${base}${p}`, { headers: t ? { authorization: `Bearer ${t}` } : {} }).then((r) => r.arrayBuffer());
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await photoJpeg(320, 240))], { type: 'image/jpeg' }), 'photo.jpg');
    const upload = (await (await fetch(`${base}/media/upload`, { method: 'POST', headers: { authorization: `Bearer ${a.access_token}` }, body: form })).json()) as { id: string };
    expect(upload.id, 'the upload').to.be.a('string');
    const sa = await openSocket(base, a.access_token);
    const until = Date.now() + 8_000;
    for (let i = 0; Date.now() < until; i++) {
      await Promise.all([
        emitAck(sa, 'message:send', { conversation_id: conversationId, body: `load ${i}`, client_msg_id: `ops-${i}-${Date.now()}` }),
        get('/profiles/me', a.access_token),
        get(`/profiles/${b.user.id}`, a.access_token),
        get('/profiles/me'), // 401
        get('/no-such-route'), // 404
      ]);
    }
    await waitFor('the photo to be moderated', async () => (await aio!.platform.db('media').where('id', upload.id).first())?.status !== 'pending', 30_000);

    // --- every panel query answers with at least one series ---
    await waitFor('Prometheus to have scraped the load', async () => (await api('sum(chat_send_duration_seconds_count) > 0')).length > 0 && (await api('bus_handler_duration_seconds_count{group="moderation"}')).length > 0, 15_000);
    const files = (await fs.readdir(path.join(OPS, 'grafana'))).filter((f) => f.endsWith('.json'));
    expect(files).to.include.members(['realtime.json', 'rest.json', 'workers.json', 'stores.json']);
    const empty: string[] = [];
    let checked = 0;
    for (const file of files) {
      const dashboard = JSON.parse(await fs.readFile(path.join(OPS, 'grafana', file), 'utf8'));
      for (const { panel, expr } of queries(dashboard)) {
        checked++;
        // One more scrape may be needed for a series born late in the load.
        const ok = await waitFor(`${file} "${panel}"`, async () => (await api(expr)).length > 0, 3_000).catch(() => false);
        if (!ok) empty.push(`${file} "${panel}": ${expr}`);
      }
    }
    expect(empty, 'panel queries that returned nothing').to.deep.equal([]);
    expect(checked).to.be.above(30);
    // Nothing is firing while the process runs and its stores answer.
    expect(await api('ALERTS{alertname="ServiceNotReady"}')).to.deep.equal([]);

    // --- stopping the process fires the readiness alert ---
    closeSockets();
    const stopped = aio;
    aio = undefined;
    await stopped.close();
    const alert = await waitFor(
      'ServiceNotReady to fire',
      async () => {
        const res = await fetch(`${promUrl}/api/v1/alerts`);
        const { data } = (await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
        return data.alerts.find((x) => x.labels.alertname === 'ServiceNotReady' && x.state === 'firing');
      },
      30_000,
    );
    expect(alert.labels).to.include({ job: 'allinone', instance: target, severity: 'page' });
  });
});
