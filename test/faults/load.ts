// The load of the fault suite, as users of the platform make it through the
// gateway only: chat between many pairs (each side runs the bundled web
// client's own delivery code, web/src/outbox.ts and web/src/chat-delivery.ts:
// an outbox that retries an unacknowledged send with the same client_msg_id,
// over the socket or over REST when the socket is down; a view of the
// conversation caught up with `after_seq` on every (re)connect and on every
// gap in `seq`; read receipts), likes of pairs that should match, and photo
// uploads that the moderation worker must decide.
import type { Knex } from 'knex';
import { photoJpeg } from '../fixtures/images.js';
import { emitAck, type ClientSocket } from '../helpers/sockets.js';
import { sleep, waitFor } from '../helpers/wait.js';
import type { ChatMessage } from '../../realtime/events.js';
import { ChatDelivery } from '../../web/src/chat-delivery.js';
import type { ChatSocket, ChatTransport } from '../../web/src/chat-transport.js';
import { API_BASE, ApiError } from '../../web/src/http.js';
import { Outbox } from '../../web/src/outbox.js';
import { api, chatSocket, instanceOf, joinPlatform, type Member } from '../cluster/harness.js';

export { sleep };

/** Until `check` holds (a check that throws: not yet, the stores may be down), or throw naming `what`. Resolves with the time it took. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<number> {
  const start = Date.now();
  await waitFor(what, check, { timeoutMs, everyMs, untilNoError: true });
  return Date.now() - start;
}

/** Every failed answer the clients got (HTTP `status code`, or `ack code`), counted; reset per scenario. */
export const failures = new Map<string, number>();
const failed = (what: string) => failures.set(what, (failures.get(what) ?? 0) + 1);

/** fetch with a deadline; a network error or timeout is status 0. */
async function request(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<{ status: number; body: any }> {
  let r: { status: number; body: any };
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 5000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: an error page of a proxy */
    }
    r = { status: res.status, body };
  } catch {
    r = { status: 0, body: undefined };
  }
  if (r.status === 0 || r.status >= 500) failed(`HTTP ${r.status || 'no answer'} ${r.body?.error?.code ?? ''}`.trim());
  return r;
}

const json = (token: string, method: string, body?: unknown): RequestInit => ({
  method,
  headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  body: body === undefined ? undefined : JSON.stringify(body),
});

/** A transient failure (the client tries again): no answer, 5xx, 429. */
const transient = (status: number) => status === 0 || status >= 500 || status === 429;

// --- users ------------------------------------------------------------------------

export type Pair = [Member, Member];

/** `n` woman/man pairs with profiles (log in, create the profile), not matched yet. */
export async function makePairs(url: string, n: number, label: string): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i += 5) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(5, n - i) }, (_, k) =>
        Promise.all([joinPlatform(url, `${label}A${i + k}`, 'woman', 'man'), joinPlatform(url, `${label}B${i + k}`, 'man', 'woman')]),
      ),
    );
    pairs.push(...(batch as Pair[]));
  }
  return pairs;
}

/** Likes with retries, as a client would: 200 and 409 (the first try went through) both mean done. */
export async function like(url: string, from: Member, to: Member, deadlineMs = 60_000): Promise<{ attempts: number }> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    const r = await request(`${url}/discovery/like`, json(from.token, 'POST', { target_id: to.id }));
    if (r.status === 200 || r.status === 409) return { attempts: attempt };
    if (!transient(r.status) || Date.now() > until) throw new Error(`like ${from.name} → ${to.name}: ${r.status} ${JSON.stringify(r.body)}`);
    await sleep(Math.min(1000, 100 * 2 ** attempt));
  }
}

/** Matches the pairs (likes both ways) and resolves with each pair's conversation id. */
export async function matchPairs(url: string, pairs: Pair[]): Promise<string[]> {
  await Promise.all(pairs.map(async ([a, b]) => (await like(url, a, b), await like(url, b, a))));
  return Promise.all(
    pairs.map(async ([a, b]) => {
      let conversationId = '';
      await eventually(
        `match of ${a.name} and ${b.name}`,
        async () => {
          const r = await api(url, a).get('/discovery/matches');
          const m = (r.body?.matches ?? []).find((x: { user: { user_id: string } }) => x.user.user_id === b.id);
          conversationId = m?.conversation_id ?? '';
          return Boolean(conversationId);
        },
        30_000,
        200,
      );
      return conversationId;
    }),
  );
}

// --- chat ---------------------------------------------------------------------------

/**
 * The web client's chat transport over a bare socket.io-client socket and
 * fetch, with the same timeouts as web/src/realtime.ts and web/src/http.ts.
 * Every failed answer is counted in `failures`.
 */
function chatTransport(url: string, member: Member, socket: ClientSocket): ChatTransport {
  const s = socket as unknown as { on(e: string, f: unknown): void; off(e: string, f: unknown): void };
  const rest = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await request(`${url}${API_BASE}${path}`, { ...json(member.token, method, body), timeoutMs: 20_000 });
    if (r.status >= 200 && r.status < 300) return r.body as T;
    const code = r.body?.error?.code ?? (r.status === 0 ? 'network_error' : 'unavailable');
    throw new ApiError(r.status, code, r.body?.error?.message ?? `Request failed (${r.status})`);
  };
  return {
    socket: {
      get connected() {
        return socket.connected;
      },
      async request(event, payload) {
        type Answer = Awaited<ReturnType<ChatSocket['request']>>;
        if (!socket.connected) return { ok: false, error: { code: 'offline', message: 'Not connected' } } as Answer;
        const ack: Answer = await emitAck(socket, event, payload, 8000).catch(() => ({ ok: false, error: { code: 'timeout', message: 'No answer from the server' } }));
        if (!ack.ok) failed(`ack ${ack.error.code}`);
        return ack as never;
      },
      on(event, fn) {
        s.on(event, fn);
        return () => s.off(event, fn);
      },
      onConnect(fn) {
        socket.on('connect', fn);
        return () => void socket.off('connect', fn);
      },
    },
    rest: {
      get: (path) => rest('GET', path),
      post: (path, body) => rest('POST', path, body ?? {}),
      put: (path, body) => rest('PUT', path, body ?? {}),
      del: (path) => rest('DELETE', path),
    },
  };
}

/**
 * One user with one conversation open, running the web client's own delivery
 * code (web/src/outbox.ts and web/src/chat-delivery.ts): sends queued in the
 * outbox and retried with the SAME client_msg_id until acked, over the socket
 * when it is connected and else over REST; the view caught up with
 * `after_seq` on every (re)connect and every gap in `seq`; read receipts sent
 * as the peer's messages arrive. What is web/src/realtime.ts's stays here: a
 * connection the server refused (auth middleware down) or closed is opened
 * again after a short pause (the web client refreshes its token first).
 * This class only counts what the delivery code does.
 */
export class ChatClient {
  socket!: ClientSocket;
  outbox!: Outbox;
  delivery!: ChatDelivery;
  readonly acked = new Map<string, ChatMessage>();
  readonly refused: string[] = [];
  /** Two different messages the view was given for one seq (the server broke its promise). */
  readonly conflicts: string[] = [];
  sent = 0;
  /** The longest time a message waited in the outbox until its ack. */
  slowestAckMs = 0;
  retries = 0;
  restSends = 0;
  /** Connections made again after the first. */
  reconnects = 0;
  catchUps = 0;
  fetchedByCatchUp = 0;
  liveReceived = 0;
  /** A `message:new` for a message this client already got live (the server pushed it twice). */
  liveDuplicates = 0;
  /** A live message for a seq a catch-up fetched first: deduped by seq, not a second delivery. */
  liveAfterCatchUp = 0;
  private readonly liveIds = new Set<string>();
  private readonly fetchedSeqs = new Set<number>();
  private generating = false;
  private closed = false;
  private counter = 0;

  constructor(
    readonly url: string,
    readonly me: Member,
    readonly conversationId: string,
  ) {}

  /**
   * Opens the socket and sets up the delivery code, without a REST call: the
   * gateway deals requests without a session id round robin, so a load that
   * connects one socket at a time spreads them over the instances only if
   * nothing else goes to the realtime tier meanwhile. open() loads the chat.
   */
  async connect(): Promise<void> {
    this.socket = await chatSocket(this.url, this.me);
    this.socket.on('connect', () => this.reconnects++);
    this.socket.on('connect_error', () => {
      // Refused by the server (not a transport failure): Socket.IO does not retry by itself.
      if (!this.socket.active && !this.closed) setTimeout(() => !this.closed && !this.socket.active && this.socket.connect(), 300);
    });
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect' && !this.closed) setTimeout(() => !this.closed && this.socket.connect(), 300);
    });
    const transport = chatTransport(this.url, this.me, this.socket);
    this.outbox = new Outbox(transport);
    this.delivery = new ChatDelivery(transport, this.outbox, { conversationId: this.conversationId, userId: this.me.id });
    this.outbox.on((e) => {
      if (e.type === 'attempt' && e.via === 'rest') this.restSends++;
      else if (e.type === 'retry') this.retries++;
      else if (e.type === 'changed' && e.pending.state === 'failed') this.refused.push(`${e.pending.client_msg_id}: ${e.pending.error}`);
      else if (e.type === 'acked') {
        this.slowestAckMs = Math.max(this.slowestAckMs, Date.now() - Date.parse(e.pending.created_at));
        this.acked.set(e.pending.client_msg_id, e.message);
      }
    });
    this.delivery.on((e) => {
      if (e.type === 'catch-up') this.catchUps++;
      if (e.type !== 'message') return;
      const { message: m, source, previous } = e;
      if (previous && previous.id !== m.id) this.conflicts.push(`${this.me.name}: seq ${m.seq} held ${previous.id}, then got ${m.id} (${source})`);
      if (source === 'catch-up' && !previous) {
        this.fetchedByCatchUp++;
        this.fetchedSeqs.add(m.seq);
      }
      if (source === 'live') {
        this.liveReceived++;
        if (this.liveIds.has(m.id)) this.liveDuplicates++;
        this.liveIds.add(m.id);
        if (this.fetchedSeqs.has(m.seq)) this.liveAfterCatchUp++;
      }
    });
  }

  /** The chat opens on its newest page, as the screen does (without it, the first connect or gap loads it). */
  open(): Promise<void> {
    return this.delivery.loadLatest();
  }

  get instance(): string {
    return instanceOf(this.socket);
  }

  /** Every message held, by seq. */
  get held(): ReadonlyMap<number, ChatMessage> {
    return this.delivery.messages;
  }

  get contiguous(): number {
    return this.delivery.contiguous;
  }

  /** Queues a new message every `everyMs` (± 50 %) until stopGenerating(). */
  startGenerating(everyMs: number) {
    this.generating = true;
    const tick = () => {
      if (!this.generating) return;
      this.delivery.send(`${this.me.name} #${++this.counter}`);
      this.sent++;
      setTimeout(tick, everyMs * (0.5 + Math.random()));
    };
    setTimeout(tick, Math.random() * everyMs);
  }

  stopGenerating() {
    this.generating = false;
  }

  /** Messages still being sent (not acked, not refused for good). */
  get unacked() {
    return this.delivery.pending().filter((p) => p.state === 'sending').length;
  }

  /** Resolves once the outbox is empty (every queued message acked or refused). */
  async drained(timeoutMs: number) {
    await eventually(`${this.me.name}'s outbox empties (${this.unacked} left)`, () => this.unacked === 0, timeoutMs, 50);
  }

  catchUp(): Promise<void> {
    return this.delivery.catchUp();
  }

  close() {
    this.closed = true;
    this.generating = false;
    this.delivery?.close();
    this.outbox?.close();
    this.socket?.close();
  }
}

export interface ChatTotals {
  pairs: number;
  crossInstancePairs: number;
  sent: number;
  acked: number;
  refused: number;
  stored: number;
  delivered: number;
  duplicates: number;
  lost: number;
  retries: number;
  slowestAckMs: number;
  restSends: number;
  reconnects: number;
  catchUps: number;
  fetchedByCatchUp: number;
  /** Messages a view still lacked when the load was over (fetched as a reload would): 0 means live delivery and the clients' own catch-ups got everything. */
  fetchedAtEnd: number;
  liveAfterCatchUp: number;
}

/** Chat between every pair, the two sides' sockets dealt over the realtime instances by the gateway. */
export class ChatLoad {
  readonly clients: [ChatClient, ChatClient][] = [];
  /** Pairs whose two sockets were on different realtime instances when the load began. */
  crossInstancePairs = 0;

  constructor(
    private readonly url: string,
    private readonly pairs: Pair[],
    private readonly conversationIds: string[],
  ) {}

  async connect(): Promise<void> {
    // One handshake at a time: the gateway deals them round robin, so the two sides
    // of a pair land on different instances.
    for (let i = 0; i < this.pairs.length; i++) {
      const [a, b] = this.pairs[i];
      const ca = new ChatClient(this.url, a, this.conversationIds[i]);
      const cb = new ChatClient(this.url, b, this.conversationIds[i]);
      await ca.connect();
      await cb.connect();
      this.clients.push([ca, cb]);
      if (ca.instance !== cb.instance) this.crossInstancePairs++;
    }
    await Promise.all(this.clients.flat().map((c) => c.open()));
  }

  instances(): Map<string, number> {
    const n = new Map<string, number>();
    for (const c of this.clients.flat()) n.set(c.instance, (n.get(c.instance) ?? 0) + 1);
    return n;
  }

  start(everyMs: number) {
    for (const c of this.clients.flat()) c.startGenerating(everyMs);
  }

  /** Stops making new messages and waits until every queued one is acked. */
  async stop(timeoutMs: number) {
    for (const c of this.clients.flat()) c.stopGenerating();
    await Promise.all(this.clients.flat().map((c) => c.drained(timeoutMs)));
  }

  close() {
    for (const c of this.clients.flat()) c.close();
  }

  /**
   * Waits until every client holds its whole conversation (as stored), then
   * checks and counts: every acked message stored once with gapless seqs, and
   * held by the peer exactly once at its seq.
   */
  async verify(db: Knex, timeoutMs: number): Promise<ChatTotals> {
    const rows: ChatMessage[] = (
      await db('messages')
        .whereIn('conversation_id', this.conversationIds)
        .orderBy([{ column: 'conversation_id' }, { column: 'seq' }])
        .select('id', 'conversation_id', 'seq', 'sender_id', 'body', 'client_msg_id')
    ).map((r) => ({ ...r, seq: Number(r.seq) }));
    const byConversation = new Map<string, ChatMessage[]>(this.conversationIds.map((id) => [id, []]));
    for (const r of rows) byConversation.get(r.conversation_id)!.push(r);

    // The views converge by themselves (live delivery, catch-up on reconnect or gap): a
    // trailing message may still be on its way. Whatever is missing after that is fetched
    // the way a reload would, and counted as `fetchedAtEnd`.
    const behind = () => this.clients.flat().filter((c) => c.contiguous < byConversation.get(c.conversationId)!.length);
    await eventually('the views converge', () => behind().length === 0, 10_000, 100).catch(() => undefined);
    let fetchedAtEnd = 0;
    for (const c of behind()) {
      const before = c.fetchedByCatchUp;
      await c.catchUp();
      fetchedAtEnd += c.fetchedByCatchUp - before;
    }
    await eventually('every client holds its whole conversation', () => behind().length === 0, timeoutMs, 100);

    const t: ChatTotals = {
      pairs: this.clients.length,
      crossInstancePairs: this.crossInstancePairs,
      sent: 0,
      acked: 0,
      refused: 0,
      stored: rows.length,
      delivered: 0,
      duplicates: 0,
      lost: 0,
      retries: 0,
      slowestAckMs: 0,
      restSends: 0,
      reconnects: 0,
      catchUps: 0,
      fetchedByCatchUp: 0,
      fetchedAtEnd,
      liveAfterCatchUp: 0,
    };
    const problems: string[] = this.clients.flat().flatMap((c) => c.conflicts);
    for (const [a, b] of this.clients) {
      const stored = byConversation.get(a.conversationId)!;
      // Stored: seqs 1..n without gaps, each (sender, client_msg_id) once.
      stored.forEach((m, i) => m.seq !== i + 1 && problems.push(`conversation ${a.conversationId}: seq ${m.seq} at position ${i + 1}`));
      const keys = new Set(stored.map((m) => `${m.sender_id}|${m.client_msg_id}`));
      t.duplicates += stored.length - keys.size;
      const storedById = new Map(stored.map((m) => [m.id, m]));
      for (const [sender, peer] of [
        [a, b],
        [b, a],
      ]) {
        t.sent += sender.sent;
        t.acked += sender.acked.size;
        t.refused += sender.refused.length;
        t.retries += sender.retries;
        t.slowestAckMs = Math.max(t.slowestAckMs, sender.slowestAckMs);
        t.restSends += sender.restSends;
        t.reconnects += sender.reconnects;
        t.catchUps += sender.catchUps;
        t.fetchedByCatchUp += sender.fetchedByCatchUp;
        t.liveAfterCatchUp += sender.liveAfterCatchUp;
        t.duplicates += peer.liveDuplicates;
        for (const m of sender.acked.values()) {
          const row = storedById.get(m.id);
          const atPeer = peer.held.get(m.seq);
          if (!row) {
            t.lost++;
            problems.push(`acked message ${m.id} (${m.body}) is not stored`);
          } else if (atPeer?.id !== m.id) {
            t.lost++;
            problems.push(`acked message ${m.id} (${m.body}, seq ${m.seq}) did not reach ${peer.me.name}`);
          } else t.delivered++;
        }
        // The view is the stored conversation, seq for seq (nothing extra, nothing doubled).
        for (const [seq, m] of peer.held) if (stored[seq - 1]?.id !== m.id) problems.push(`${peer.me.name} holds ${m.id} at seq ${seq}, stored is ${stored[seq - 1]?.id}`);
      }
      // Every stored message was acked to its sender (a stored but never acked one would be a resend hazard).
      for (const m of stored) {
        const sender = m.sender_id === a.me.id ? a : b;
        if (sender.acked.get(m.client_msg_id)?.id !== m.id) problems.push(`stored message ${m.id} (${m.body}) was never acked to its sender`);
      }
    }
    if (problems.length) throw new Error(`chat check failed (${problems.length} problems):\n${problems.slice(0, 20).join('\n')}`);
    return t;
  }
}

// --- likes ------------------------------------------------------------------------

/**
 * Pairs that like each other during the fault: each like goes out at its own
 * moment within the window, retried as a client would.
 */
export class LikeLoad {
  attempts = 0;
  private done: Promise<unknown>[] = [];

  readonly pairs: Pair[];

  constructor(
    private readonly url: string,
    pairs: Pair[],
  ) {
    this.pairs = [...pairs];
  }

  /** Spreads the 2 × pairs likes over `windowMs`, starting now. */
  start(windowMs: number) {
    for (const [a, b] of [...this.pairs]) {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ]) {
        this.done.push(
          sleep(Math.random() * windowMs)
            .then(() => like(this.url, from, to, 120_000))
            .then((r) => (this.attempts += r.attempts)),
        );
      }
    }
  }

  /** Both likes of these pairs now, at once (work in flight for the matching worker). */
  burst(pairs: Pair[]) {
    this.pairs.push(...pairs);
    for (const [a, b] of pairs) {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ]) {
        this.done.push(like(this.url, from, to, 120_000).then((r) => (this.attempts += r.attempts)));
      }
    }
  }

  /** Resolves once every like went through (a client's retries included). */
  async settled() {
    await Promise.all(this.done);
  }

  /** Waits until every pair has exactly one match (none may ever have two). */
  async verify(db: Knex, timeoutMs: number): Promise<{ pairs: number; matched: number; doubled: number; likeAttempts: number; settledMs: number }> {
    const counts = async () => {
      const rows = await db('matches')
        .whereIn(
          'user_a',
          this.pairs.flatMap(([a, b]) => [a.id, b.id]),
        )
        .select('user_a', 'user_b');
      const byPair = new Map<string, number>();
      for (const r of rows) {
        const key = [r.user_a, r.user_b].sort().join('|');
        byPair.set(key, (byPair.get(key) ?? 0) + 1);
      }
      return this.pairs.map(([a, b]) => byPair.get([a.id, b.id].sort().join('|')) ?? 0);
    };
    const settledMs = await eventually('every like pair is matched', async () => (await counts()).every((n) => n >= 1), timeoutMs, 200);
    const final = await counts();
    return {
      pairs: this.pairs.length,
      matched: final.filter((n) => n === 1).length,
      doubled: final.filter((n) => n > 1).length,
      likeAttempts: this.attempts,
      settledMs,
    };
  }
}

// --- uploads ----------------------------------------------------------------------

/** Photo uploads during the fault (POST /media/upload), retried as a client would. */
export class UploadLoad {
  readonly accepted: string[] = [];
  attempts = 0;
  private done: Promise<unknown>[] = [];
  private images: Buffer[] = [];

  constructor(
    private readonly url: string,
    readonly uploaders: Member[],
  ) {}

  async prepare(variants = 4) {
    this.images = await Promise.all(Array.from({ length: variants }, (_, i) => photoJpeg(480, 360, { seed: i * 7 })));
  }

  image(i: number): Buffer {
    return this.images[i % this.images.length];
  }

  /** `perUploader` uploads each, spread over `windowMs` from now. */
  start(windowMs: number, perUploader: number) {
    for (const u of this.uploaders) {
      for (let i = 0; i < perUploader; i++) {
        this.done.push(sleep(Math.random() * windowMs).then(() => this.upload(u, this.images[(this.attempts + i) % this.images.length])));
      }
    }
  }

  /** Uploads now (e.g. just before a worker is killed). */
  burst(n: number) {
    for (let i = 0; i < n; i++) this.done.push(this.upload(this.uploaders[i % this.uploaders.length], this.images[i % this.images.length]));
  }

  async settled() {
    await Promise.all(this.done);
  }

  async upload(owner: Member, image: Buffer, deadlineMs = 120_000): Promise<string> {
    const until = Date.now() + deadlineMs;
    for (let attempt = 1; ; attempt++) {
      this.attempts++;
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), 'photo.jpg');
      const r = await request(`${this.url}/media/upload`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}` }, body: form, timeoutMs: 15_000 });
      if (r.status === 202) {
        this.accepted.push(r.body.id);
        return r.body.id as string;
      }
      if (!transient(r.status) || Date.now() > until) throw new Error(`upload by ${owner.name}: ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(Math.min(1000, 100 * 2 ** attempt));
    }
  }

  /** Waits until every accepted upload (and every media row of the uploaders) is approved or rejected. */
  async verify(db: Knex, timeoutMs: number): Promise<{ accepted: number; approved: number; rejected: number; pending: number; attempts: number; settledMs: number }> {
    const rows = () => db('media').whereIn('owner_id', this.uploaders.map((u) => u.id)).select('id', 'status');
    let last: { id: string; status: string }[] = [];
    const settledMs = await eventually(
      'every upload is approved or rejected',
      async () => {
        last = await rows();
        return last.every((r) => r.status === 'approved' || r.status === 'rejected');
      },
      timeoutMs,
      200,
    ).catch((err) => {
      throw new Error(`${err.message}; still pending: ${last.filter((r) => r.status === 'pending').map((r) => r.id).join(', ')}`);
    });
    const byId = new Map(last.map((r) => [r.id, r.status]));
    const missing = this.accepted.filter((id) => !byId.has(id));
    if (missing.length) throw new Error(`accepted uploads without a media row: ${missing.join(', ')}`);
    return {
      accepted: this.accepted.length,
      approved: this.accepted.filter((id) => byId.get(id) === 'approved').length,
      rejected: this.accepted.filter((id) => byId.get(id) === 'rejected').length,
      pending: this.accepted.filter((id) => byId.get(id) === 'pending').length,
      attempts: this.attempts,
      settledMs,
    };
  }
}
