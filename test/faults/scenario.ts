// One fault scenario: the cluster under a steady load (chat between many
// pairs over both realtime instances, likes of pairs that must match, photo
// uploads that must be decided), a fault injected in the middle of it, the
// time until the platform works again measured with probes, then the checks
// and the counts.
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Cluster } from '../cluster/harness.js';
import { ChatClient, ChatLoad, LikeLoad, UploadLoad, eventually, failures, like, makePairs, matchPairs, sleep, type ChatTotals, type Pair } from './load.js';

export interface ScenarioOptions {
  name: string;
  chatPairs?: number;
  likePairs?: number;
  uploaders?: number;
  uploadsEach?: number;
  /** Mean pause between two messages of one client. */
  messageEveryMs?: number;
  /** Load before the fault. */
  warmupMs?: number;
  /** Load after the platform works again. */
  cooldownMs?: number;
  /** Longest accepted time from the end of the fault until the probes pass. */
  recoveryLimitMs?: number;
  /**
   * The fault. It resolves when the fault has ENDED (the server is started
   * again; or at once for a kill that PM2 answers with a restart).
   * `burst` sends likes and uploads right now (work in flight).
   */
  fault(ctx: FaultContext): Promise<void>;
}

export interface FaultContext {
  cluster: Cluster;
  db: Knex;
  chat: ChatLoad;
  burst(): Promise<void>;
  note(text: string): void;
}

export interface Recovery {
  /** Every service's /ready is 200 (PostgreSQL and Redis reachable from each). */
  readyMs: number;
  /** A probe message is acked and delivered live to its peer (the pair's sockets were dealt to both instances). */
  chatMs: number;
  /** A fresh pair's likes make their match. */
  matchMs: number;
  /** A fresh upload is approved. */
  moderationMs: number;
  /** The slowest of them: the platform is healthy again. */
  healthyMs: number;
}

export interface ScenarioReport {
  name: string;
  notes: string[];
  chat: ChatTotals;
  likes: { pairs: number; matched: number; doubled: number; likeAttempts: number; settledMs: number };
  uploads: { accepted: number; approved: number; rejected: number; pending: number; attempts: number; settledMs: number };
  recovery: Recovery;
  /** From the end of the fault until every like pair was matched and every upload decided. */
  allSettledMs: number;
  /** The failed answers the clients got and retried, by `HTTP <status> <code>` / `ack <code>`. */
  failures: Record<string, number>;
  durationMs: number;
}

/** What the processes' logs say happened so far: outbox relays that found the bus away, and that published again. */
async function logFacts(cluster: Cluster): Promise<Record<string, number>> {
  const dir = path.join(cluster.env.PM2_HOME, 'logs');
  const facts: Record<string, number> = { relayStalls: 0, relayResumes: 0 };
  for (const file of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (!file.endsWith('-out.log')) continue;
    const text = await fsp.readFile(path.join(dir, file), 'utf8');
    for (const line of text.split('\n')) {
      if (line.includes('"outbox relay could not publish')) facts.relayStalls++;
      if (line.includes('"outbox relay publishes again"')) facts.relayResumes++;
    }
  }
  return facts;
}

async function ready(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The probes run side by side; each is timed from `since` (the end of the fault). */
async function measureRecovery(
  cluster: Cluster,
  since: number,
  probes: { chat: [ChatClient, ChatClient]; likePair: Pair; uploads: UploadLoad },
  limitMs: number,
): Promise<Recovery> {
  const { gateway, auth, profile, discovery, media, realtime } = cluster.ports;
  const elapsed = () => Date.now() - since;
  const readyMs = (async () => {
    await eventually('every service is ready', async () => (await Promise.all([gateway, auth, profile, discovery, media, ...realtime].map(ready))).every(Boolean), limitMs, 100);
    return elapsed();
  })();
  const chatMs = (async () => {
    const [a, b] = probes.chat;
    let n = 0;
    await eventually(
      'a probe message is delivered live',
      async () => {
        const body = `probe ${++n}`;
        const got = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 1500);
          const on = (p: { message: { body: string } }) => {
            if (p.message.body !== body) return;
            clearTimeout(timer);
            (b.socket as unknown as { off(e: string, l: unknown): void }).off('message:new', on);
            resolve(true);
          };
          (b.socket as unknown as { on(e: string, l: unknown): void }).on('message:new', on);
        });
        if (!a.socket.connected || !b.socket.connected) return false;
        const ack = await a.socket.timeout(1500).emitWithAck('message:send', { conversation_id: a.conversationId, body, client_msg_id: `probe-${since}-${n}` }).catch(() => null);
        if (!ack?.ok) return false;
        return got;
      },
      limitMs,
      100,
    );
    return elapsed();
  })();
  const matchMs = (async () => {
    const [a, b] = probes.likePair;
    await like(cluster.url, a, b, limitMs);
    await like(cluster.url, b, a, limitMs);
    await eventually(
      'a probe pair is matched',
      async () => {
        const r = await fetch(`${cluster.url}/discovery/matches`, { headers: { authorization: `Bearer ${a.token}` }, signal: AbortSignal.timeout(2000) });
        const body = (await r.json()) as { matches?: { user: { user_id: string } }[] };
        return Boolean(body.matches?.some((m) => m.user.user_id === b.id));
      },
      limitMs,
      100,
    );
    return elapsed();
  })();
  const moderationMs = (async () => {
    const owner = probes.uploads.uploaders[0];
    const id = await probes.uploads.upload(owner, probes.uploads.image(0), limitMs);
    await eventually(
      'a probe upload is approved',
      async () => {
        const r = await fetch(`${cluster.url}/media/${id}`, { headers: { authorization: `Bearer ${owner.token}` }, signal: AbortSignal.timeout(2000) });
        return ((await r.json()) as { status?: string }).status === 'approved';
      },
      limitMs,
      100,
    );
    return elapsed();
  })();
  const [r, c, m, mod] = await Promise.all([readyMs, chatMs, matchMs, moderationMs]);
  return { readyMs: r, chatMs: c, matchMs: m, moderationMs: mod, healthyMs: Math.max(r, c, m, mod) };
}

export async function runScenario(cluster: Cluster, db: Knex, o: ScenarioOptions): Promise<ScenarioReport> {
  const started = Date.now();
  const url = cluster.url;
  const notes: string[] = [];
  const chatPairs = o.chatPairs ?? 20;

  // --- the users: chat pairs (matched), like pairs (not yet), uploaders, probes
  const tag = o.name.replace(/[^a-z0-9]/gi, '').slice(0, 6);
  // The first pair of each kind is the probes'.
  const [pairs, likePairs, uploaderPairs, burstPairs] = await Promise.all([
    makePairs(url, chatPairs + 1, `${tag}c`),
    makePairs(url, (o.likePairs ?? 8) + 1, `${tag}l`),
    makePairs(url, Math.ceil((o.uploaders ?? 4) / 2) + 1, `${tag}u`),
    makePairs(url, 4, `${tag}x`),
  ]);
  const conversations = await matchPairs(url, pairs);
  const chat = new ChatLoad(url, pairs.slice(1), conversations.slice(1));
  await chat.connect();
  const probeChat: [ChatClient, ChatClient] = [new ChatClient(url, pairs[0][0], conversations[0]), new ChatClient(url, pairs[0][1], conversations[0])];
  await probeChat[0].connect();
  await probeChat[1].connect();
  const spread = chat.instances();
  if (spread.size < 2) throw new Error(`every chat socket is on one realtime instance: ${[...spread].join(', ')}`);
  notes.push(`chat sockets per realtime instance: ${[...spread].map(([k, v]) => `${k}: ${v}`).join(', ')}`);

  const likes = new LikeLoad(url, likePairs.slice(1));
  const uploaders = uploaderPairs.slice(1).flat().slice(0, o.uploaders ?? 4);
  const uploads = new UploadLoad(url, uploaders);
  const probeUploads = new UploadLoad(url, [uploaderPairs[0][0]]);
  await Promise.all([uploads.prepare(), probeUploads.prepare(1)]);

  // --- the load, and the fault in its middle
  const factsBefore = await logFacts(cluster);
  failures.clear();
  const warmup = o.warmupMs ?? 2500;
  chat.start(o.messageEveryMs ?? 500);
  likes.start(warmup + 4000);
  uploads.start(warmup + 4000, o.uploadsEach ?? 3);
  await sleep(warmup);

  const ctx: FaultContext = {
    cluster,
    db,
    chat,
    note: (t) => notes.push(t),
    burst: async () => {
      uploads.burst(uploaders.length);
      likes.burst(burstPairs);
    },
  };
  await o.fault(ctx);
  const faultEnded = Date.now();
  const limit = o.recoveryLimitMs ?? 60_000;
  const recovery = await measureRecovery(cluster, faultEnded, { chat: probeChat, likePair: likePairs[0], uploads: probeUploads }, limit);
  await sleep(o.cooldownMs ?? 2000);

  // --- the checks
  await chat.stop(60_000);
  await Promise.all([likes.settled(), uploads.settled()]);
  const [likeTotals, uploadTotals] = await Promise.all([likes.verify(db, 90_000), uploads.verify(db, 90_000)]);
  const allSettledMs = Date.now() - faultEnded;
  const chatTotals = await chat.verify(db, 30_000);
  const factsAfter = await logFacts(cluster);
  const delta = (k: string) => factsAfter[k] - factsBefore[k];
  notes.push(
    `logs: outbox relays stalled ${delta('relayStalls')} times (bus away: the events waited in the outbox) and published again ${delta('relayResumes')} times`,
  );
  notes.push(`failed answers the clients retried: ${[...failures].map(([k, v]) => `${k} × ${v}`).join(', ') || 'none'}`);
  chat.close();
  probeChat.forEach((c) => c.close());
  return {
    name: o.name,
    notes,
    chat: chatTotals,
    likes: likeTotals,
    uploads: uploadTotals,
    recovery,
    allSettledMs,
    failures: Object.fromEntries(failures),
    durationMs: Date.now() - started,
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatReport(r: ScenarioReport): string {
  const c = r.chat;
  return [
    `── ${r.name} (${s(r.durationMs)})`,
    ...r.notes.map((n) => `   ${n}`),
    `   chat (${c.pairs} pairs, ${c.crossInstancePairs} across instances): sent ${c.sent} / acked ${c.acked} / stored ${c.stored} / delivered ${c.delivered}, duplicates ${c.duplicates}, lost ${c.lost}, refused ${c.refused}`,
    `        send retries ${c.retries} (over REST ${c.restSends}), slowest ack ${s(c.slowestAckMs)}, reconnects ${c.reconnects}, catch-ups ${c.catchUps} fetching ${c.fetchedByCatchUp} messages (${c.liveAfterCatchUp} of them also arrived live afterwards, deduped by seq), ${c.fetchedAtEnd} missing at the end`,
    `   likes: ${r.likes.pairs} pairs → ${r.likes.matched} matched exactly once, ${r.likes.doubled} doubled (${r.likes.likeAttempts} like requests)`,
    `   uploads: ${r.uploads.accepted} accepted → ${r.uploads.approved} approved, ${r.uploads.rejected} rejected, ${r.uploads.pending} pending (${r.uploads.attempts} attempts)`,
    `   healthy again ${s(r.recovery.healthyMs)} after the fault ended (ready ${s(r.recovery.readyMs)}, chat ${s(r.recovery.chatMs)}, match ${s(r.recovery.matchMs)}, moderation ${s(r.recovery.moderationMs)}); all in-flight work settled after ${s(r.allSettledMs)}`,
  ].join('\n');
}

/** One line per scenario: the counts and the recovery times. */
export function summary(reports: ScenarioReport[]): string {
  const head = 'scenario            | sent | acked | stored | delivered | dup | lost | likes matched | uploads decided | healthy after | all settled';
  const rows = reports.map((r) =>
    [
      r.name.padEnd(19),
      String(r.chat.sent).padStart(4),
      String(r.chat.acked).padStart(5),
      String(r.chat.stored).padStart(6),
      String(r.chat.delivered).padStart(9),
      String(r.chat.duplicates).padStart(3),
      String(r.chat.lost).padStart(4),
      `${r.likes.matched}/${r.likes.pairs}`.padStart(13),
      `${r.uploads.approved + r.uploads.rejected}/${r.uploads.accepted}`.padStart(15),
      s(r.recovery.healthyMs).padStart(13),
      s(r.allSettledMs).padStart(11),
    ].join(' | '),
  );
  return ['Fault suite summary', head, ...rows].join('\n');
}
