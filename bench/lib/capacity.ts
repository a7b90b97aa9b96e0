// docs/CAPACITY.md's figures and arithmetic, rendered from bench/results/*.json
// (npm run bench:table), so each number names the file and command that
// measured it and the arithmetic is redone whenever a benchmark runs again.
// The assumptions (ASSUME) are the only numbers not measured here.

export const CAPACITY_START = '<!-- capacity:start — rendered by `npm run bench:table` from bench/results/*.json; do not edit by hand -->';
export const CAPACITY_END = '<!-- capacity:end -->';

type R = Record<string, any>;

/** What the model takes as given rather than measured. */
export const ASSUME = {
  users: 1_000_000,
  msgPerS: 10_000,
  /** Share of a core each process is planned at, at peak (room for GC pauses, a lost node's clients, bursts). */
  utilization: 0.5,
  /** RSS a realtime process may give its sockets (above its own base), in MB. */
  socketMemoryMb: 1536,
  /** Cores of one VM of the socket tier, one realtime process per core. */
  realtimeVmCores: 8,
  /** Cores of the PostgreSQL primary, and of each read replica. */
  primaryCores: 16,
  replicaCores: 8,
  /** Candidates pages per second: 5% of the users online swiping, a page of 20 every 20 s. */
  candidatesPerS: 2_500,
  /** The day's average message rate as a share of the peak. */
  averageOfPeak: 0.4,
  /** Hash partitions of messages. */
  partitions: 32,
};

const fmt = (x: number | null | undefined, digits = 0) =>
  typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'not measured';
const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : NaN);
const ceil = (x: number) => (Number.isFinite(x) ? Math.ceil(x) : NaN);

interface Figure {
  what: string;
  value: number;
  unit: string;
  digits: number;
  /** `file.json` → key path */
  source: string;
  command: string;
}

/** The per-unit figures the arithmetic uses, each with where it was measured. */
export function unitFigures(results: Record<string, R>) {
  const rt = results.realtime ?? {};
  const cand = results.candidates ?? {};
  const c1m = cand.at_1m;
  const cl = results.cluster ?? {};
  const gw = results.gateway ?? {};
  const auth = results.auth ?? {};
  const candUse = c1m ?? cand;
  const candKey = c1m ? 'at_1m.' : '';
  const p = rt.cpu_us_per_msg?.persisted ?? {};
  const extra = rt.per_extra_node_per_msg?.persisted ?? {};
  const redisMsg = rt.redis_per_msg?.persisted ?? {};
  // The sharded pub/sub adapter's run (npx tsx bench/realtime.ts --adapter pubsub), under `pubsub`.
  const ps = rt.pubsub ?? {};
  const psP = ps.cpu_us_per_msg?.persisted ?? {};
  const psExtra = ps.per_extra_node_per_msg?.persisted ?? {};
  // The same costs where a node's writer commits about one message at a time: the run's phase at
  // 100 msg/s, above the quiet window of the same processes (a commit costs much more than a message).
  const at100 = (rt.phases as R[] | undefined)?.find((ph) => ph.kind === 'persisted' && Math.abs(ph.msg_per_s - 100) <= 10);
  const lowRate = (kind: string) => (at100 ? ((num(at100.server_cores?.[kind]) - (num(rt.quiet_cores?.[kind]) || 0)) / at100.msg_per_s) * 1e6 : NaN);
  const f = (what: string, value: unknown, unit: string, digits: number, file: string, key: string, command: unknown): Figure => ({
    what,
    value: num(value),
    unit,
    digits,
    source: `[${file}.json](../bench/results/${file}.json) → \`${key}\``,
    command: String(command ?? `npx tsx bench/${file}.ts`),
  });
  return {
    rss: f('RSS per idle authenticated socket (two realtime processes)', rt.rss_kb_per_socket, 'KB', 1, 'realtime', 'rss_kb_per_socket', rt.command),
    rssGateway: f('RSS per socket through the gateway, in the cluster', cl.rss_kb_per_socket, 'KB', 1, 'cluster', 'rss_kb_per_socket', cl.command),
    idle: f('realtime CPU of idle sockets (heartbeats, presence)', rt.idle_cores_per_1000_sockets?.realtime, 'cores per 1,000 sockets', 4, 'realtime', 'idle_cores_per_1000_sockets.realtime', rt.command),
    idleRedis: f('Redis CPU of idle sockets', rt.idle_cores_per_1000_sockets?.redis, 'cores per 1,000 sockets', 4, 'realtime', 'idle_cores_per_1000_sockets.redis', rt.command),
    rtMsg: f('realtime CPU per delivered message (sender’s node and receiver’s node together)', p.realtime, 'µs', 0, 'realtime', 'cpu_us_per_msg.persisted.realtime', rt.command),
    nodeMsg: f('CPU per message of each further realtime node (the Streams adapter hands it every broadcast)', extra.node_cpu_us, 'µs', 1, 'realtime', 'per_extra_node_per_msg.persisted.node_cpu_us', rt.command),
    rtMsgPubsub: f('realtime CPU per delivered message, sharded pub/sub adapter', psP.realtime, 'µs', 0, 'realtime', 'pubsub.cpu_us_per_msg.persisted.realtime', ps.command),
    nodeMsgPubsub: f('CPU per message of each further realtime node, sharded pub/sub adapter', psExtra.node_cpu_us, 'µs', 1, 'realtime', 'pubsub.per_extra_node_per_msg.persisted.node_cpu_us', ps.command),
    nodeMsgPubsubRelay: f('CPU per message of each further relay node, sharded pub/sub adapter (one room per broadcast)', ps.per_extra_node_per_msg?.relay?.node_cpu_us, 'µs', 1, 'realtime', 'pubsub.per_extra_node_per_msg.relay.node_cpu_us', ps.command),
    redisMsgPubsub: f('Redis CPU per message, sharded pub/sub adapter', psP.redis, 'µs', 1, 'realtime', 'pubsub.cpu_us_per_msg.persisted.redis', ps.command),
    pgMsg: f('PostgreSQL backend CPU per stored message', p.postgres, 'µs', 0, 'realtime', 'cpu_us_per_msg.persisted.postgres', rt.command),
    rtMsgLow: f('realtime CPU per delivered message at 100 msg/s (about one message per commit)', lowRate('realtime'), 'µs', 0, 'realtime', 'phases[persisted, 100 msg/s].server_cores.realtime − quiet_cores.realtime', rt.command),
    pgMsgLow: f('PostgreSQL backend CPU per stored message at 100 msg/s (about one message per commit)', lowRate('postgres'), 'µs', 0, 'realtime', 'phases[persisted, 100 msg/s].server_cores.postgres − quiet_cores.postgres', rt.command),
    rowBytes: f('bytes per stored message in `messages` (heap, indexes, TOAST)', rt.messages_bytes_per_row?.total, 'B', 0, 'realtime', 'messages_bytes_per_row.total', rt.command),
    batch: f('messages per commit at half the maximum (group commit)', rt.writer_at_half?.mean_batch, 'messages', 1, 'realtime', 'writer_at_half.mean_batch', rt.command),
    redisMsg: f('Redis CPU per message (two nodes)', p.redis, 'µs', 1, 'realtime', 'cpu_us_per_msg.persisted.redis', rt.command),
    redisOps: f('Redis commands per message (two nodes)', redisMsg.commands, 'commands', 2, 'realtime', 'redis_per_msg.persisted.commands', rt.command),
    redisIn: f('Redis bytes in per message', redisMsg.bytes_in, 'B', 0, 'realtime', 'redis_per_msg.persisted.bytes_in', rt.command),
    redisOut: f('Redis bytes out per message (two nodes)', redisMsg.bytes_out, 'B', 0, 'realtime', 'redis_per_msg.persisted.bytes_out', rt.command),
    redisExtraUs: f('Redis CPU per message for each further node', extra.redis_cpu_us, 'µs', 1, 'realtime', 'per_extra_node_per_msg.persisted.redis_cpu_us', rt.command),
    redisExtraOut: f('Redis bytes out per message for each further node', extra.redis_bytes_out, 'B', 0, 'realtime', 'per_extra_node_per_msg.persisted.redis_bytes_out', rt.command),
    candPerCore: f(`candidates requests per core-second, service + PostgreSQL + Redis (${fmt(candUse.profiles)} profiles)`, candUse.requests_per_core_s, 'requests', 0, 'candidates', `${candKey}requests_per_core_s`, candUse.command),
    candPg: f('PostgreSQL CPU per candidates request', candUse.cpu_ms_per_request?.postgres, 'ms', 2, 'candidates', `${candKey}cpu_ms_per_request.postgres`, candUse.command),
    candSvc: f('discovery service CPU per candidates request', candUse.cpu_ms_per_request?.discovery, 'ms', 2, 'candidates', `${candKey}cpu_ms_per_request.discovery`, candUse.command),
    gateway: f('gateway CPU per proxied HTTP request', gw.gateway_cpu_ms_per_request, 'ms', 3, 'gateway', 'gateway_cpu_ms_per_request', gw.command),
    login: f('auth service CPU per login', auth.login?.cpu_ms_per_request?.auth, 'ms', 2, 'auth', 'login.cpu_ms_per_request.auth', auth.command),
  };
}

function figureTable(u: ReturnType<typeof unitFigures>): string {
  // A figure taken as a difference (CPU above a quiet window) can come out below zero when the true cost is
  // within the noise of the two windows: shown as 0, with what was measured (the arithmetic counts it as 0).
  const shown = (x: Figure) => (x.value < 0 ? `0 ${x.unit} (measured ${fmt(x.value, x.digits)}: within the noise)` : `${fmt(x.value, x.digits)} ${x.unit}`);
  const rows = Object.values(u).map((x) => `| ${x.what} | ${shown(x)} | ${x.source} | \`${x.command}\` |`);
  return ['| per unit | figure | file → key | measured by |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The plan for ASSUME.users and ASSUME.msgPerS, from the per-unit figures. */
export function plan(results: Record<string, R>) {
  const u = unitFigures(results);
  const A = ASSUME;
  const U = A.utilization;
  // Socket tier.
  const socketsPerProcessByMemory = (A.socketMemoryMb * 1024) / u.rss.value;
  const idleCores = (A.users / 1000) * u.idle.value;
  const msgCores = (A.msgPerS * u.rtMsg.value) / 1e6;
  const fanoutPerNode = (A.msgPerS * u.nodeMsg.value) / 1e6;
  // Pub/sub: its own run's figures where measured, else the Streams ones (then said so).
  const pubsubMeasured = Number.isFinite(u.rtMsgPubsub.value);
  const msgCoresPubsub = (A.msgPerS * (pubsubMeasured ? u.rtMsgPubsub.value : u.rtMsg.value)) / 1e6;
  const fanoutPerNodePubsub = pubsubMeasured && Number.isFinite(u.nodeMsgPubsub.value) ? (A.msgPerS * u.nodeMsgPubsub.value) / 1e6 : 0;
  const byMemory = ceil(A.users / socketsPerProcessByMemory);
  const byCpuPubsub = fanoutPerNodePubsub < U ? ceil((idleCores + msgCoresPubsub) / (U - fanoutPerNodePubsub)) : Infinity;
  // The relay broadcasts to one room, which the sharded adapter carries on that room's channel only.
  const fanoutPerNodeOneRoom = Math.max(0, (A.msgPerS * (Number.isFinite(u.nodeMsgPubsubRelay.value) ? u.nodeMsgPubsubRelay.value : 0)) / 1e6);
  const byCpuOneRoom = ceil((idleCores + msgCoresPubsub) / (U - fanoutPerNodeOneRoom));
  const nodesOneRoom = Math.max(byMemory, byCpuOneRoom);
  // Streams: every node also reads every message; solvable only while that alone stays under U.
  const byCpuStreams = fanoutPerNode < U ? ceil((idleCores + msgCores) / (U - fanoutPerNode)) : Infinity;
  const nodesPubsub = Math.max(byMemory, byCpuPubsub);
  const nodesStreams = Math.max(byMemory, byCpuStreams);
  // Redis.
  const redisIdleCores = (A.users / 1000) * u.idleRedis.value;
  const streamsRedisCores = (n: number) => redisIdleCores + (A.msgPerS * (u.redisMsg.value + Math.max(0, n - 2) * Math.max(0, u.redisExtraUs.value))) / 1e6;
  const streamsRedisOutMBps = (n: number) => (A.msgPerS * (u.redisOut.value + Math.max(0, n - 2) * Math.max(0, u.redisExtraOut.value))) / 1e6;
  const redisOpsPerS = A.msgPerS * u.redisOps.value;
  // Sharded pub/sub delivers a message to the nodes of the rooms' subscribers only: the two-node figures hold at any size.
  const redisMsgPubsub = pubsubMeasured && Number.isFinite(u.redisMsgPubsub.value) ? u.redisMsgPubsub.value : u.redisMsg.value;
  const pubsubRedisCores = redisIdleCores + (A.msgPerS * redisMsgPubsub) / 1e6;
  const redisShards = ceil(pubsubRedisCores / U);
  // The Streams adapter needs one Redis server (standalone or Sentinel): idle sockets and every message on its one thread.
  // The most messages per second it carries with as many nodes as the plan (0 when idle sockets alone fill it).
  const streamsRedisCeiling = Math.max(0, U - redisIdleCores) / ((u.redisMsg.value + Math.max(0, nodesOneRoom - 2) * Math.max(0, u.redisExtraUs.value)) / 1e6);
  // PostgreSQL.
  const pgCores = (A.msgPerS * u.pgMsg.value) / 1e6;
  const commitsPerS = A.msgPerS / u.batch.value;
  const primaryCeiling = (A.primaryCores * U) / (u.pgMsg.value / 1e6);
  // A node's writer batches what arrives while its last commit runs: at a node's share of the plan it commits a
  // message or two at a time, so its messages cost about what they cost at 100 msg/s, not what they cost at the maximum.
  const lowMeasured = Number.isFinite(u.rtMsgLow.value) && Number.isFinite(u.pgMsgLow.value);
  const perNodeRate = A.msgPerS / nodesOneRoom;
  const msgCoresLow = (A.msgPerS * u.rtMsgLow.value) / 1e6;
  const byCpuLow = ceil((idleCores + msgCoresLow) / (U - fanoutPerNodeOneRoom));
  const nodesLow = Math.max(byMemory, byCpuLow);
  const pgCoresLow = (A.msgPerS * u.pgMsgLow.value) / 1e6;
  const primaryCeilingLow = (A.primaryCores * U) / (u.pgMsgLow.value / 1e6);
  const primaryWriting = lowMeasured
    ? { what: `a ${A.primaryCores}-core PostgreSQL primary writing messages a commit or two at a time (${fmt(primaryCeiling)} msg/s with full batches)`, msgPerS: primaryCeilingLow }
    : { what: `a ${A.primaryCores}-core PostgreSQL primary writing messages`, msgPerS: primaryCeiling };
  const perDay = A.msgPerS * A.averageOfPeak * 86_400;
  const gbPerDay = (perDay * u.rowBytes.value) / 1e9;
  const candPgCores = (A.candidatesPerS * u.candPg.value) / 1000;
  const replicas = ceil(candPgCores / (A.replicaCores * U));
  const discoveryProcesses = ceil((A.candidatesPerS * u.candSvc.value) / 1000 / U);
  const candidatesTotalCores = A.candidatesPerS / u.candPerCore.value;
  // Where each configuration stops first: the message rate at which a shared part reaches its budget.
  const nodeReadCeiling = U / (u.nodeMsg.value / 1e6);
  const nodeReadCeilingPubsub = pubsubMeasured && u.nodeMsgPubsub.value > 0 ? U / (u.nodeMsgPubsub.value / 1e6) : Infinity;
  const oneRoomCeiling = fanoutPerNodeOneRoom > 0 ? U / (fanoutPerNodeOneRoom / A.msgPerS) : Infinity;
  const bottlenecks = {
    streams: [
      { what: 'the one Redis server the Streams adapter needs', msgPerS: streamsRedisCeiling },
      { what: 'each realtime node reading every broadcast', msgPerS: nodeReadCeiling },
    ].sort((x, y) => x.msgPerS - y.msgPerS),
    pubsub: [
      { what: 'each realtime node’s share of the cluster’s `message:new` broadcasts', msgPerS: nodeReadCeilingPubsub },
      primaryWriting,
    ].sort((x, y) => x.msgPerS - y.msgPerS),
    oneRoom: [
      primaryWriting,
      { what: 'each realtime node’s work for one-room broadcasts it has no client for', msgPerS: oneRoomCeiling },
    ].sort((x, y) => x.msgPerS - y.msgPerS),
  };
  return {
    u,
    socketsPerProcessByMemory,
    idleCores,
    msgCores,
    fanoutPerNode,
    pubsubMeasured,
    fanoutPerNodeOneRoom,
    byCpuOneRoom,
    nodesOneRoom,
    msgCoresPubsub,
    fanoutPerNodePubsub,
    redisMsgPubsub,
    byMemory,
    byCpuPubsub,
    byCpuStreams,
    nodesPubsub,
    nodesStreams,
    redisIdleCores,
    streamsRedisCores: streamsRedisCores(nodesOneRoom),
    streamsRedisOutMBps: streamsRedisOutMBps(nodesOneRoom),
    redisOpsPerS,
    pubsubRedisCores,
    redisShards,
    streamsRedisCeiling,
    pgCores,
    commitsPerS,
    primaryCeiling,
    lowMeasured,
    perNodeRate,
    msgCoresLow,
    byCpuLow,
    nodesLow,
    pgCoresLow,
    primaryCeilingLow,
    perDay,
    gbPerDay,
    candPgCores,
    replicas,
    discoveryProcesses,
    candidatesTotalCores,
    bottlenecks,
  };
}

const chain = (parts: { what: string; msgPerS: number }[]) =>
  parts
    .filter((b) => Number.isFinite(b.msgPerS))
    .map((b) => `${b.what} at ${fmt(b.msgPerS)} msg/s`)
    .join(', then ');

export function renderCapacity(results: Record<string, R>): string {
  const p = plan(results);
  const A = ASSUME;
  const u = p.u;
  const n = fmt;
  const vms = (procs: number) => ceil(procs / A.realtimeVmCores);
  const lines = [
    '### Per-unit figures',
    '',
    figureTable(u),
    '',
    `### The arithmetic for ${n(A.users)} concurrent users and ${n(A.msgPerS)} messages per second`,
    '',
    `Assumptions (not measured): every process planned at ${A.utilization} of a core at peak; a realtime process gives its sockets at most ${n(A.socketMemoryMb)} MB;`,
    `${A.realtimeVmCores}-core VMs for the socket tier (one realtime process per core); a ${A.primaryCores}-core primary and ${A.replicaCores}-core replicas;`,
    `${n(A.candidatesPerS)} candidates pages per second (5% of the users online swiping, a page every 20 s); the day's average message rate ${A.averageOfPeak * 100}% of the peak.`,
    '',
    '**Realtime nodes.**',
    `- Memory: ${n(A.socketMemoryMb)} MB ÷ ${n(u.rss.value, 1)} KB = ${n(p.socketsPerProcessByMemory)} sockets per process → **${n(p.byMemory)} processes** for ${n(A.users)} sockets.`,
    `- Idle sockets: ${n(A.users / 1000)} × ${n(u.idle.value, 4)} = ${n(p.idleCores, 1)} cores.`,
    `- Messages: ${n(A.msgPerS)}/s × ${n(u.rtMsg.value)} µs = ${n(p.msgCores, 1)} cores with the Streams adapter, ${n(A.msgPerS)}/s × ${n(p.pubsubMeasured ? u.rtMsgPubsub.value : u.rtMsg.value)} µs = ${n(p.msgCoresPubsub, 1)} cores with the sharded pub/sub one${p.pubsubMeasured ? '' : ' (not measured: the Streams figure)'} (sending and receiving node together).`,
    `- With the sharded pub/sub adapter a broadcast reaches the nodes with a subscriber only; what each node still does per message of the cluster is ${n(p.fanoutPerNodePubsub, 2)} of a core. ` +
      (Number.isFinite(p.byCpuPubsub)
        ? `(${n(p.idleCores, 1)} + ${n(p.msgCoresPubsub, 1)}) ÷ (${A.utilization} − ${n(p.fanoutPerNodePubsub, 2)}) = ${n(p.byCpuPubsub)} processes by CPU → ${n(p.nodesPubsub)} processes (the larger of memory and CPU), ${n(vms(p.nodesPubsub))} VMs of ${A.realtimeVmCores} cores.`
        : 'No number of nodes is enough: that alone takes a node’s whole budget.') +
      ` On this adapter the product sends \`message:new\` as one broadcast per user room (the peer's, the sender's other devices'), each on that room's own channel (ClusterAdapter.broadcastPerRoom; a broadcast to several rooms would go on the main channel, which every node reads). ` +
      `Costed instead with the relay's one-room broadcast (${n(p.fanoutPerNodeOneRoom, 2)} of a core per node for the cluster's messages), it would take (${n(p.idleCores, 1)} + ${n(p.msgCoresPubsub, 1)}) ÷ (${A.utilization} − ${n(p.fanoutPerNodeOneRoom, 2)}) = ${n(p.byCpuOneRoom)} processes by CPU → **${n(p.nodesOneRoom)} processes**, ${n(vms(p.nodesOneRoom))} VMs.`,
    ...(p.lowMeasured
      ? [
          `- At a node's share: ${n(A.msgPerS)} ÷ ${n(p.nodesOneRoom)} = ${n(p.perNodeRate)} msg/s per node. A node's writer commits what arrived while its last commit ran, so at that rate it commits a message or two at a time, and a message costs about what it costs at 100 msg/s: ${n(u.rtMsgLow.value)} µs, against ${n(u.rtMsg.value)} µs at the maximum, where batches are fullest. ` +
            `With that figure: ${n(A.msgPerS)}/s × ${n(u.rtMsgLow.value)} µs = ${n(p.msgCoresLow, 1)} cores, (${n(p.idleCores, 1)} + ${n(p.msgCoresLow, 1)}) ÷ (${A.utilization} − ${n(p.fanoutPerNodeOneRoom, 2)}) = ${n(p.byCpuLow)} processes by CPU → **${n(p.nodesLow)} processes**, ${n(vms(p.nodesLow))} VMs (one room per broadcast). Plan on this one; the figure above is the floor.`,
        ]
      : []),
    `- With the Streams adapter every node also reads every message: ${n(A.msgPerS)}/s × ${n(u.nodeMsg.value, 1)} µs = ${n(p.fanoutPerNode, 2)} of a core on each node before its own clients, so ` +
      (Number.isFinite(p.byCpuStreams)
        ? `(${n(p.idleCores, 1)} + ${n(p.msgCores, 1)}) ÷ (${A.utilization} − ${n(p.fanoutPerNode, 2)}) = ${n(p.byCpuStreams)} processes by CPU → **${n(p.nodesStreams)} processes**.`
        : `no number of nodes is enough: reading alone takes a node's whole budget.`),
    '',
    '**Redis.**',
    `- Commands: ${n(A.msgPerS)}/s × ${n(u.redisOps.value, 2)} = ${n(p.redisOpsPerS)} commands/s on two nodes; idle sockets add ${n(p.redisIdleCores, 2)} cores (${n(A.users / 1000)} × ${n(u.idleRedis.value, 4)}).`,
    `- Streams adapter (standalone Redis or Sentinel: one server, one thread): with ${n(p.nodesOneRoom)} nodes, ${n(A.msgPerS)}/s × (${n(u.redisMsg.value, 1)} + ${n(Math.max(0, p.nodesOneRoom - 2))} × ${n(Math.max(0, u.redisExtraUs.value), 1)}) µs + ${n(p.redisIdleCores, 2)} = **${n(p.streamsRedisCores, 1)} cores** of that one thread and ${n(p.streamsRedisOutMBps)} MB/s out; ` +
      (p.redisIdleCores >= A.utilization
        ? `idle sockets alone take ${n(p.redisIdleCores, 2)} of it, more than the ${A.utilization} of a core it is planned at, so one server cannot carry ${n(A.users)} sockets on this adapter at any message rate.`
        : `at ${A.utilization} of its core it carries ${n(p.streamsRedisCeiling)} msg/s.`),
    `- Sharded pub/sub on Redis Cluster (\`REDIS_CLUSTER_NODES\`, which picks the adapter): ${n(A.msgPerS)}/s × ${n(p.redisMsgPubsub, 1)} µs${p.pubsubMeasured ? '' : ' (the Streams figure: pub/sub not measured)'} + ${n(p.redisIdleCores, 2)} = ${n(p.pubsubRedisCores, 1)} cores → **${n(p.redisShards)} shards** at ${A.utilization} of a core each (the bus streams, presence and limits spread by their hash tags), plus a replica each for failover.`,
    '',
    '**PostgreSQL.**',
    `- Writes: ${n(A.msgPerS)} message rows/s in ${n(p.commitsPerS)} commits/s (${n(u.batch.value, 1)} messages per group commit, measured at half the maximum); backend CPU ${n(A.msgPerS)} × ${n(u.pgMsg.value)} µs = **${n(p.pgCores, 1)} cores**; a ${A.primaryCores}-core primary at ${A.utilization} takes ${n(p.primaryCeiling)} msg/s.` +
      (p.lowMeasured
        ? ` Those are full batches; at a node's share of the plan (${n(p.perNodeRate)} msg/s) its commits carry a message or two, and a message costs about what it costs at 100 msg/s: ${n(A.msgPerS)} × ${n(u.pgMsgLow.value)} µs = **${n(p.pgCoresLow, 1)} cores**, and a ${A.primaryCores}-core primary at ${A.utilization} takes ${n(p.primaryCeilingLow)} msg/s. Below that rate one primary does; above it, fewer writers with fuller batches (fewer, larger realtime nodes) or the conversation-keyed sharding below.`
        : ''),
    `- Growth: ${n(A.msgPerS)} × ${A.averageOfPeak} × 86,400 = ${n(p.perDay / 1e6)} million messages a day × ${n(u.rowBytes.value)} B = **${n(p.gbPerDay, 1)} GB a day**, ${n((p.gbPerDay * 365) / 1000, 1)} TB a year.`,
    `- Partitioning: \`messages\` hash-partitioned by \`conversation_id\` (${A.partitions} partitions: ${n(p.gbPerDay / A.partitions, 2)} GB a day each). Every chat query names the conversation, so each touches one partition; the unique \`(conversation_id, seq)\` keeps its partition key; the idempotency key \`(sender_id, client_msg_id)\` has to become \`(conversation_id, sender_id, client_msg_id)\`, since a unique index of a partitioned table must contain the partition key. The same key shards the table over several primaries when one is not enough.`,
    `- Discovery on read replicas: ${n(A.candidatesPerS)} pages/s × ${n(u.candPg.value, 2)} ms = ${n(p.candPgCores, 1)} PostgreSQL cores → **${n(p.replicas)} replicas** of ${A.replicaCores} cores; the discovery service: ${n(A.candidatesPerS)} × ${n(u.candSvc.value, 2)} ms ÷ ${A.utilization} = **${n(p.discoveryProcesses)} processes**; all of it ${n(p.candidatesTotalCores, 1)} cores at ${n(u.candPerCore.value)} requests per core-second. (Impressions are written on each request: they go to the primary.)`,
    '',
    '**First bottleneck**, for each way of running the socket tier (the message rate at which a shared part reaches its budget, from the figures above):',
    p.redisIdleCores >= A.utilization
      ? `- Streams adapter on one Redis (the default): the one Redis server it needs, before any message: ${n(A.users)} idle sockets alone take ${n(p.redisIdleCores, 2)} of its one thread. Each realtime node reading every broadcast would stop it next, at ${n(p.bottlenecks.streams.find((b) => b.what.startsWith('each'))!.msgPerS)} msg/s.`
      : `- Streams adapter on one Redis (the default): ${chain(p.bottlenecks.streams)}.`,
    `- Sharded pub/sub on Redis Cluster, as the product emits today: ${chain(p.bottlenecks.pubsub)}.`,
    `- Sharded pub/sub with one room per broadcast: ${chain(p.bottlenecks.oneRoom)}; Redis shards and realtime nodes are added side by side.`,
  ];
  return lines.join('\n');
}

export function withCapacity(doc: string, body: string): string {
  const a = doc.indexOf(CAPACITY_START);
  const b = doc.indexOf(CAPACITY_END);
  if (a === -1 || b === -1 || b < a) throw new Error(`docs/CAPACITY.md has no ${CAPACITY_START} … ${CAPACITY_END} block`);
  return `${doc.slice(0, a + CAPACITY_START.length)}\n${body}\n${doc.slice(b)}`;
}

export function capacityIn(doc: string): string {
  const a = doc.indexOf(CAPACITY_START);
  const b = doc.indexOf(CAPACITY_END);
  if (a === -1 || b === -1 || b < a) throw new Error('no capacity markers in docs/CAPACITY.md');
  return doc.slice(a + CAPACITY_START.length, b).trim();
}
