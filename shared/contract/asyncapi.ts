// The AsyncAPI 3 document of the Socket.IO channel (/chat/connect), generated
// from the chat's request schemas (realtime/chat/schemas.ts, what the handlers
// parse with) and the payload and ack shapes of shared/contract/socket.ts,
// which realtime/events.ts types both ends from. Served at GET /asyncapi.json
// and written to docs/asyncapi.json by `npm run docs`. Payloads are JSON
// Schema draft-07 (AsyncAPI's default schema format).
import { z } from 'zod';
import { DeleteSchema, EditSchema, PresenceQuerySchema, ReactSchema, ReadSchema, RefreshSchema, ReportSchema, RevealSchema, SendSchema, TypingSchema } from '../../realtime/chat/schemas.js';
import { EDIT_WINDOW_MS, MAX_PRESENCE_QUERY, REACTIONS, SOCKET_PATH, TYPING_TTL_MS, type ClientToServerEvents, type ServerToClientEvents } from '../../realtime/events.js';
import { responseShapes } from './common.js';
import { ERROR_CODES, type ErrorCode } from './errors.js';
import { AckBodies, AckError, CONNECT_REFUSALS, ServerEventPayloads } from './socket.js';

type Json = Record<string, unknown>;
// Keyed by the typed event catalogue, which realtime/connection.ts's handler table is
// keyed by too: an event added or removed there does not compile until it is here.
type ClientEvent = keyof ClientToServerEvents;
type ServerEvent = keyof ServerToClientEvents;

/** Every event may be refused for these: the connection's limits, an expired token, a bug or a store that is down. */
const ANY_EVENT_ERRORS: ErrorCode[] = ['rate_limited', 'token_expired', 'internal_error', 'service_unavailable'];

const CLIENT_EVENTS: Record<ClientEvent, { payload: z.ZodType; summary: string; errors: ErrorCode[] }> = {
  'message:send': {
    payload: SendSchema,
    summary:
      "Send a message (reply_to_seq: an answer to that message, quoted in it). A resend with the same client_msg_id acks the stored message with duplicate: true; every member's sockets get message:new. A conversation's first message that copies one of the sender's recent openers is refused with opener_not_unique; a text the offensive-language filter flags is refused with needs_confirmation until it is sent again with confirm: true (the message then carries flagged: true, and its reader may report it). attachment {media_id}: an approved photo or voice note of the sender's own (POST /media/upload), else not_found; body is then optional. Messages with an attachment are limited per user and per conversation (rate_limited). The message carries attachment {kind, url, …} with a signed URL that expires and stops working once the match ends, a block is made or the message is unsent; a photo the NSFW model scored above CHAT_NSFW_BLUR_ABOVE has blurred: true and a blurred preview as url (the sender sees blurred: true too: their photo was flagged).",
    errors: ['validation_failed', 'not_found', 'forbidden', 'conflict', 'opener_not_unique', 'needs_confirmation', 'rate_limited'],
  },
  'message:react': {
    payload: ReactSchema,
    summary: `React to a message with one of ${REACTIONS.join(' ')} (one per user per message; emoji null removes it). Peers get message:reaction. A retry (same emoji, or the same client_id) applies once.`,
    errors: ['validation_failed', 'not_found', 'forbidden', 'conflict'],
  },
  'message:edit': {
    payload: EditSchema,
    summary: `The sender rewrites a message within ${EDIT_WINDOW_MS / 60_000} minutes (forbidden otherwise, and for anyone else; conflict once it was deleted). Peers get message:edited; the history shows the latest text with edited_at.`,
    errors: ['validation_failed', 'not_found', 'forbidden', 'conflict', 'needs_confirmation'],
  },
  'message:delete': {
    payload: DeleteSchema,
    summary:
      'scope everyone (default): the sender unsends a message no peer has read yet (conflict once read); its body is removed and the history keeps a placeholder at its seq (deleted: true, body: null). scope me: hide it from your own history. Members get message:deleted.',
    errors: ['validation_failed', 'not_found', 'forbidden', 'conflict'],
  },
  'message:report': {
    payload: ReportSchema,
    summary:
      '"Does this bother you?": report a peer\'s message. The report keeps the message as evidence and enters the moderation queue ahead of profile reports (further ahead when the message was flagged). Once per reporter and message: a repeat acks duplicate: true.',
    errors: ['validation_failed', 'not_found', 'forbidden', 'conflict'],
  },
  'message:reveal': {
    payload: RevealSchema,
    summary: 'The original of a message\'s photo (blurred: true shows a blurred preview until then): acks {url}, a signed URL like the attachment\'s. not_found when the message has no attachment (or was unsent).',
    errors: ['validation_failed', 'not_found', 'forbidden'],
  },
  'message:read': { payload: ReadSchema, summary: 'Move the read position up to seq (never back); the peer gets message:read.', errors: ['validation_failed', 'not_found', 'forbidden'] },
  'typing:start': { payload: TypingSchema, summary: `The peer gets typing (typing: true), which expires by itself after ${TYPING_TTL_MS} ms. The ack is optional.`, errors: ['validation_failed', 'not_found', 'forbidden'] },
  'typing:stop': { payload: TypingSchema, summary: 'The peer gets typing (typing: false). The ack is optional.', errors: ['validation_failed', 'not_found', 'forbidden'] },
  'presence:query': {
    payload: PresenceQuerySchema,
    summary: `Presence of up to ${MAX_PRESENCE_QUERY} users. People who are not the caller's live matches always answer offline (never seen).`,
    errors: ['validation_failed'],
  },
  'auth:refresh': { payload: RefreshSchema, summary: "Hand the socket a fresh access token (same user) before the current one expires.", errors: ['validation_failed', 'unauthorized', 'forbidden'] },
};

const SERVER_EVENTS: Record<ServerEvent, string> = {
  'message:new': 'A message in one of the user\'s conversations (also to the sender\'s other sockets).',
  'message:read': 'A member moved their read position.',
  'message:reaction': 'A member set or removed their reaction (reactions: the counts now; change_seq: the conversation\'s change cursor).',
  'message:edited': 'A message was edited: the message as it is now.',
  'message:deleted': 'A message was unsent (scope everyone), or deleted by the user on another device (scope me).',
  typing: 'A peer started or stopped typing.',
  presence: "A live match came online or went offline.",
  'match:new': 'A new match (user: the peer\'s public view, null when it cannot be shown).',
  'match:removed': 'A match ended (unmatch, block, ban or deletion); its conversation closed.',
  'media:moderated': "One of the user's uploads was approved, rejected or held for review.",
  'auth:expired': 'The access token ran out without an auth:refresh; the server disconnects next.',
  'admin:review': "A media item was held for review. Only to sockets that connected with auth {token, admin: true} and whose user is an admin (ADMIN_TELEGRAM_IDS): the moderator console's live queue.",
};

/** A component key AsyncAPI accepts: message:send → messageSend. */
const key = (event: string) => event.replace(/[^A-Za-z0-9]+(.)/g, (_, c: string) => c.toUpperCase());

const schemas: Record<string, Json> = {};
const defsRef = /"#\/\$defs\/([^"]+)"/g;

/** Draft-07 JSON Schema of `schema`; named shapes it embeds become components. */
function payloadSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any', metadata: responseShapes }) as Json;
  const { $schema: _s, definitions, $defs, ...rest } = json as Json & { definitions?: Record<string, Json>; $defs?: Record<string, Json> };
  const rewrite = (j: unknown) => JSON.parse(JSON.stringify(j).replace(defsRef, '"#/components/schemas/$1"').replace(/"#\/definitions\/([^"]+)"/g, '"#/components/schemas/$1"')) as Json;
  for (const [id, def] of Object.entries({ ...(definitions ?? {}), ...($defs ?? {}) })) schemas[id] = rewrite(def);
  return rewrite(rest);
}

function errorList(codes: ErrorCode[]): string {
  return codes.map((c) => `- \`${c}\`: ${ERROR_CODES[c].meaning}`).join('\n');
}

export function asyncApiDocument(opts: { version: string }): Json {
  for (const k of Object.keys(schemas)) delete schemas[k];
  const messages: Record<string, Json> = {};
  const operations: Record<string, Json> = {};
  const channelMessages: Record<string, Json> = {};
  const replyMessages: Record<string, Json> = {};
  const add = (id: string, message: Json, reply = false) => {
    messages[id] = message;
    (reply ? replyMessages : channelMessages)[id] = { $ref: `#/components/messages/${id}` };
  };

  for (const [event, spec] of Object.entries(CLIENT_EVENTS) as [ClientEvent, (typeof CLIENT_EVENTS)[ClientEvent]][]) {
    const id = key(event);
    const errors = [...new Set([...spec.errors, ...ANY_EVENT_ERRORS])];
    add(id, { name: event, title: event, summary: spec.summary, payload: payloadSchema(spec.payload, 'input') });
    add(`${id}Ack`, {
      name: `${event} ack`,
      title: `${event} ack`,
      summary: `The ack of ${event}: {ok: true, …} or {ok: false, error}.`,
      description: `Error codes:\n${errorList(errors)}`,
      payload: { oneOf: [payloadSchema(AckBodies[event], 'output'), payloadSchema(AckError, 'output')] },
      'x-error-codes': errors,
    }, true);
    operations[id] = {
      action: 'receive',
      title: `emit ${event}`,
      summary: spec.summary,
      channel: { $ref: '#/channels/chat' },
      messages: [{ $ref: `#/channels/chat/messages/${id}` }],
      reply: { channel: { $ref: '#/channels/chatAcks' }, messages: [{ $ref: `#/channels/chatAcks/messages/${id}Ack` }] },
    };
  }

  for (const [event, summary] of Object.entries(SERVER_EVENTS) as [ServerEvent, string][]) {
    const id = `on${key(event)[0].toUpperCase()}${key(event).slice(1)}`;
    add(id, { name: event, title: event, summary, payload: payloadSchema(ServerEventPayloads[event], 'output') });
    operations[id] = { action: 'send', title: `on ${event}`, summary, channel: { $ref: '#/channels/chat' }, messages: [{ $ref: `#/channels/chat/messages/${id}` }] };
  }

  const refusals = Object.keys(CONNECT_REFUSALS) as (keyof typeof CONNECT_REFUSALS)[];
  add('connectError', {
    name: 'connect_error',
    title: 'connect_error',
    summary: 'The handshake was refused: err.message is unauthorized or rate_limited, err.data.code says why; or unavailable (no data): a store could not be reached, retry shortly.',
    description: [...refusals.map((c) => `- \`${c}\`: ${CONNECT_REFUSALS[c]}`), '- err.message `unavailable`, no `data`: PostgreSQL or Redis could not be reached during the handshake; connect again shortly.'].join('\n'),
    payload: {
      type: 'object',
      properties: {
        message: { type: 'string', enum: ['unauthorized', 'rate_limited', 'unavailable'] },
        data: { type: 'object', properties: { code: { type: 'string', enum: refusals } }, required: ['code'] },
      },
      required: ['message'],
    },
    'x-error-codes': refusals,
  });
  operations.onConnectError = {
    action: 'send',
    title: 'connect_error',
    summary: 'Why a connection was refused.',
    channel: { $ref: '#/channels/chat' },
    messages: [{ $ref: '#/channels/chat/messages/connectError' }],
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Dating Mini App realtime API',
      version: opts.version,
      description: `Socket.IO (v4) at path \`${SOCKET_PATH}\` on the public entry, long-polling or WebSocket. Connect with the access token in the handshake (\`auth: {token}\`, or an \`Authorization: Bearer\` header). Every client event takes an ack callback answering \`{ok: true, …}\` or \`{ok: false, error: {code, message, details?}}\` (the REST error codes, plus \`unknown_event\` for an event name the server does not have). Operations are seen from the server: it receives what clients emit and sends the events they listen to. The REST contract is at /openapi.json.`,
      license: { name: 'Proprietary' },
    },
    defaultContentType: 'application/json',
    servers: {
      public: {
        host: '{host}',
        protocol: 'wss',
        pathname: SOCKET_PATH,
        description: 'The gateway or the all-in-one process (ws: without TLS in development).',
        variables: { host: { default: 'localhost:8080', description: 'The public host and port.' } },
        security: [{ $ref: '#/components/securitySchemes/accessToken' }],
        bindings: { ws: { bindingVersion: '0.1.0' } },
      },
    },
    channels: {
      chat: { address: SOCKET_PATH, title: 'Socket.IO default namespace', messages: channelMessages },
      chatAcks: { address: null, title: 'Acks', description: 'The ack callback of each client event.', messages: replyMessages },
    },
    operations,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      messages,
      securitySchemes: {
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access token of POST /auth/token, in the Socket.IO handshake as auth.token (or an Authorization: Bearer header). A refused one gives connect_error unauthorized or token_expired.',
        },
      },
    },
  };
}

