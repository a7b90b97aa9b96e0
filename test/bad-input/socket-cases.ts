// Bad input to every client→server socket event: each must be answered with
// an `{ok: false, error: {code, message}}` ack and change nothing.
import { randomUUID } from 'node:crypto';
import { MAX_PRESENCE_QUERY } from '../../realtime/events.js';
import type { Cast } from './harness.js';

export const NO_PAYLOAD = Symbol('no payload');

export interface SocketCase {
  name: string;
  event: string;
  payload: (c: Cast) => unknown;
  code?: string;
}

const NOBODY = randomUUID();
const s = (name: string, event: string, payload: (c: Cast) => unknown, code?: string): SocketCase => ({ name, event, payload, code });
const ab = (c: Cast) => c.ab.conversationId;
const react = (c: Cast, fields: Record<string, unknown> = {}) => ({ conversation_id: ab(c), seq: 2, emoji: '👍', ...fields });
const edit = (c: Cast, fields: Record<string, unknown> = {}) => ({ conversation_id: ab(c), seq: 1, body: 'edited', ...fields });
const send = (c: Cast, fields: Record<string, unknown> = {}) => ({ conversation_id: ab(c), body: 'hello', client_msg_id: `sock-${randomUUID()}`, ...fields });

/** Payload shapes that are wrong for every event. */
function shapes(event: string): SocketCase[] {
  return [
    s(`${event}: no payload at all`, event, () => NO_PAYLOAD, 'validation_failed'),
    s(`${event}: null`, event, () => null, 'validation_failed'),
    s(`${event}: a string`, event, () => 'hello', 'validation_failed'),
    s(`${event}: a number`, event, () => 42, 'validation_failed'),
    s(`${event}: an array`, event, () => [1, 2], 'validation_failed'),
    s(`${event}: an empty object`, event, () => ({}), 'validation_failed'),
  ];
}

export function socketCases(): Record<string, SocketCase[]> {
  return {
    'message:send': [
      ...shapes('message:send'),
      s('no body', 'message:send', (c) => ({ conversation_id: ab(c), client_msg_id: 'x-1' }), 'validation_failed'),
      s('body as a number', 'message:send', (c) => send(c, { body: 1 }), 'validation_failed'),
      s('body as an object', 'message:send', (c) => send(c, { body: { text: 'hi' } }), 'validation_failed'),
      s('an empty body', 'message:send', (c) => send(c, { body: '' }), 'validation_failed'),
      s('a blank body', 'message:send', (c) => send(c, { body: '\n \t' }), 'validation_failed'),
      s('a zero-width body', 'message:send', (c) => send(c, { body: '\u200b\u200d\ufeff' }), 'validation_failed'),
      s('an RLO-only body', 'message:send', (c) => send(c, { body: '\u202e' }), 'validation_failed'),
      s('4001 characters', 'message:send', (c) => send(c, { body: 'x'.repeat(4001) }), 'validation_failed'),
      s('4001 emoji', 'message:send', (c) => send(c, { body: '🙂'.repeat(4001) }), 'validation_failed'),
      s('a NUL in the body', 'message:send', (c) => send(c, { body: 'a\u0000b' }), 'validation_failed'),
      s('an unpaired surrogate in the body', 'message:send', (c) => send(c, { body: 'a\udc00b' }), 'validation_failed'),
      s('conversation_id not a uuid', 'message:send', (c) => send(c, { conversation_id: 'abc' }), 'validation_failed'),
      s('conversation_id a number', 'message:send', (c) => send(c, { conversation_id: 12 }), 'validation_failed'),
      s('an unknown conversation', 'message:send', (c) => send(c, { conversation_id: NOBODY }), 'not_found'),
      s("other people's conversation", 'message:send', (c) => send(c, { conversation_id: c.de.conversationId }), 'not_found'),
      s('a closed conversation (ended match)', 'message:send', (c) => send(c, { conversation_id: c.af.conversationId }), 'forbidden'),
      s('no client_msg_id', 'message:send', (c) => ({ conversation_id: ab(c), body: 'hi' }), 'validation_failed'),
      s('an empty client_msg_id', 'message:send', (c) => send(c, { client_msg_id: '' }), 'validation_failed'),
      s('a 65-character client_msg_id', 'message:send', (c) => send(c, { client_msg_id: 'k'.repeat(65) }), 'validation_failed'),
      s('an emoji client_msg_id', 'message:send', (c) => send(c, { client_msg_id: '🙂' }), 'validation_failed'),
      s('client_msg_id as an object', 'message:send', (c) => send(c, { client_msg_id: { $gt: '' } }), 'validation_failed'),
      s('an extra sender_id', 'message:send', (c) => send(c, { sender_id: c.bob.id }), 'validation_failed'),
      s('an extra seq and id', 'message:send', (c) => send(c, { seq: 1, id: NOBODY }), 'validation_failed'),
      s('a binary payload', 'message:send', () => Buffer.from('{"conversation_id":"x"}'), 'validation_failed'),
      s('a binary body', 'message:send', (c) => send(c, { body: Buffer.from('hello') }), 'validation_failed'),
      s('reply_to_seq 0', 'message:send', (c) => send(c, { reply_to_seq: 0 }), 'validation_failed'),
      s('reply_to_seq "1" (a string)', 'message:send', (c) => send(c, { reply_to_seq: '1' }), 'validation_failed'),
      s('reply_to_seq of no message', 'message:send', (c) => send(c, { reply_to_seq: 99 }), 'not_found'),
      s('confirm "yes"', 'message:send', (c) => send(c, { confirm: 'yes' }), 'validation_failed'),
      s('an offensive text without confirm', 'message:send', (c) => send(c, { body: 'what the fuck' }), 'needs_confirmation'),
      // attachment {media_id} (issue 18)
      s('attachment as a string', 'message:send', (c) => send(c, { attachment: NOBODY }), 'validation_failed'),
      s('attachment null', 'message:send', (c) => send(c, { attachment: null }), 'validation_failed'),
      s('attachment without media_id', 'message:send', (c) => send(c, { attachment: {} }), 'validation_failed'),
      s('attachment media_id not a uuid', 'message:send', (c) => send(c, { attachment: { media_id: '1' } }), 'validation_failed'),
      s('attachment media_id as an object', 'message:send', (c) => send(c, { attachment: { media_id: { $ne: null } } }), 'validation_failed'),
      s('attachment with an extra url', 'message:send', (c) => send(c, { attachment: { media_id: NOBODY, url: 'https://evil.example/x.jpg' } }), 'validation_failed'),
      s('attachment with an empty body', 'message:send', (c) => send(c, { body: '', attachment: { media_id: NOBODY } }), 'validation_failed'),
      s('attachment of no media', 'message:send', (c) => send(c, { attachment: { media_id: NOBODY } }), 'not_found'),
      s("attachment of another user's media", 'message:send', (c) => send(c, { attachment: { media_id: c.carolReview } }), 'not_found'),
      s('attachment of own media not approved', 'message:send', (c) => send(c, { attachment: { media_id: c.alicePending } }), 'not_found'),
    ],
    'message:reveal': [
      ...shapes('message:reveal'),
      s('a message without an attachment', 'message:reveal', (c) => ({ conversation_id: ab(c), seq: 1 }), 'not_found'),
      s('an unknown seq', 'message:reveal', (c) => ({ conversation_id: ab(c), seq: 99 }), 'not_found'),
      s('seq 0', 'message:reveal', (c) => ({ conversation_id: ab(c), seq: 0 }), 'validation_failed'),
      s('seq "1" (a string)', 'message:reveal', (c) => ({ conversation_id: ab(c), seq: '1' }), 'validation_failed'),
      s("other people's conversation", 'message:reveal', (c) => ({ conversation_id: c.de.conversationId, seq: 1 }), 'not_found'),
      s('a closed conversation', 'message:reveal', (c) => ({ conversation_id: c.af.conversationId, seq: 1 }), 'forbidden'),
      s('an extra file', 'message:reveal', (c) => ({ conversation_id: ab(c), seq: 1, file: 'file' }), 'validation_failed'),
    ],
    'message:react': [
      ...shapes('message:react'),
      s('an emoji outside the set', 'message:react', (c) => react(c, { emoji: '💩' }), 'validation_failed'),
      s('an empty emoji', 'message:react', (c) => react(c, { emoji: '' }), 'validation_failed'),
      s('two emoji', 'message:react', (c) => react(c, { emoji: '❤️👍' }), 'validation_failed'),
      s('no emoji', 'message:react', (c) => ({ conversation_id: ab(c), seq: 2 }), 'validation_failed'),
      s('seq 0', 'message:react', (c) => react(c, { seq: 0 }), 'validation_failed'),
      s('seq "2" (a string)', 'message:react', (c) => react(c, { seq: '2' }), 'validation_failed'),
      s('an unknown seq', 'message:react', (c) => react(c, { seq: 99 }), 'not_found'),
      s("other people's conversation", 'message:react', (c) => react(c, { conversation_id: c.de.conversationId, seq: 1 }), 'not_found'),
      s('a closed conversation', 'message:react', (c) => react(c, { conversation_id: c.af.conversationId, seq: 1 }), 'forbidden'),
      s('a 65-character client_id', 'message:react', (c) => react(c, { client_id: 'k'.repeat(65) }), 'validation_failed'),
      s('an extra user_id', 'message:react', (c) => react(c, { user_id: c.bob.id }), 'validation_failed'),
    ],
    'message:edit': [
      ...shapes('message:edit'),
      s("the peer's message", 'message:edit', (c) => edit(c, { seq: 2 }), 'forbidden'),
      s('an empty body', 'message:edit', (c) => edit(c, { body: '' }), 'validation_failed'),
      s('a zero-width body', 'message:edit', (c) => edit(c, { body: '\u200b' }), 'validation_failed'),
      s('4001 characters', 'message:edit', (c) => edit(c, { body: 'x'.repeat(4001) }), 'validation_failed'),
      s('a NUL in the body', 'message:edit', (c) => edit(c, { body: 'a\u0000b' }), 'validation_failed'),
      s('body as a number', 'message:edit', (c) => edit(c, { body: 5 }), 'validation_failed'),
      s('an unknown seq', 'message:edit', (c) => edit(c, { seq: 99 }), 'not_found'),
      s('seq -1', 'message:edit', (c) => edit(c, { seq: -1 }), 'validation_failed'),
      s("other people's conversation", 'message:edit', (c) => edit(c, { conversation_id: c.de.conversationId }), 'not_found'),
      s('a closed conversation', 'message:edit', (c) => edit(c, { conversation_id: c.af.conversationId }), 'forbidden'),
      s('an offensive text without confirm', 'message:edit', (c) => edit(c, { body: 'fuck this' }), 'needs_confirmation'),
      s('confirm as a string', 'message:edit', (c) => edit(c, { confirm: 'true' }), 'validation_failed'),
      s('an extra edited_at', 'message:edit', (c) => edit(c, { edited_at: new Date().toISOString() }), 'validation_failed'),
    ],
    'message:delete': [
      ...shapes('message:delete'),
      s("unsending the peer's message", 'message:delete', (c) => ({ conversation_id: ab(c), seq: 2 }), 'forbidden'),
      s('an unknown scope', 'message:delete', (c) => ({ conversation_id: ab(c), seq: 1, scope: 'all' }), 'validation_failed'),
      s('an unknown seq', 'message:delete', (c) => ({ conversation_id: ab(c), seq: 99 }), 'not_found'),
      s('seq 1.5', 'message:delete', (c) => ({ conversation_id: ab(c), seq: 1.5 }), 'validation_failed'),
      s("other people's conversation", 'message:delete', (c) => ({ conversation_id: c.de.conversationId, seq: 1, scope: 'me' }), 'not_found'),
      s('a closed conversation', 'message:delete', (c) => ({ conversation_id: c.af.conversationId, seq: 1, scope: 'me' }), 'forbidden'),
      s('an extra body', 'message:delete', (c) => ({ conversation_id: ab(c), seq: 1, body: 'x' }), 'validation_failed'),
    ],
    'message:read': [
      ...shapes('message:read'),
      s('seq -1', 'message:read', (c) => ({ conversation_id: ab(c), seq: -1 }), 'validation_failed'),
      s('seq "3" (a string)', 'message:read', (c) => ({ conversation_id: ab(c), seq: '3' }), 'validation_failed'),
      s('seq true', 'message:read', (c) => ({ conversation_id: ab(c), seq: true }), 'validation_failed'),
      s('seq null', 'message:read', (c) => ({ conversation_id: ab(c), seq: null }), 'validation_failed'),
      s('seq 2.5', 'message:read', (c) => ({ conversation_id: ab(c), seq: 2.5 }), 'validation_failed'),
      s('seq 2^31', 'message:read', (c) => ({ conversation_id: ab(c), seq: 2 ** 31 }), 'validation_failed'),
      s('seq 1e400 (Infinity after JSON)', 'message:read', (c) => ({ conversation_id: ab(c), seq: Number.MAX_VALUE }), 'validation_failed'),
      s('no seq', 'message:read', (c) => ({ conversation_id: ab(c) }), 'validation_failed'),
      s('conversation_id not a uuid', 'message:read', () => ({ conversation_id: '../', seq: 1 }), 'validation_failed'),
      s("other people's conversation", 'message:read', (c) => ({ conversation_id: c.de.conversationId, seq: 1 }), 'not_found'),
      s('a closed conversation', 'message:read', (c) => ({ conversation_id: c.af.conversationId, seq: 1 }), 'forbidden'),
      s('an extra user_id', 'message:read', (c) => ({ conversation_id: ab(c), seq: 1, user_id: c.bob.id }), 'validation_failed'),
    ],
    'message:report': [
      ...shapes('message:report'),
      s('your own message', 'message:report', (c) => ({ conversation_id: ab(c), seq: 1 }), 'forbidden'),
      s('an unknown seq', 'message:report', (c) => ({ conversation_id: ab(c), seq: 99 }), 'not_found'),
      s('seq 0', 'message:report', (c) => ({ conversation_id: ab(c), seq: 0 }), 'validation_failed'),
      s("other people's conversation", 'message:report', (c) => ({ conversation_id: c.de.conversationId, seq: 1 }), 'not_found'),
      s('an empty reason', 'message:report', (c) => ({ conversation_id: ab(c), seq: 2, reason: '' }), 'validation_failed'),
      s('a 33-character reason', 'message:report', (c) => ({ conversation_id: ab(c), seq: 2, reason: 'r'.repeat(33) }), 'validation_failed'),
      s('1001 characters of details', 'message:report', (c) => ({ conversation_id: ab(c), seq: 2, details: 'd'.repeat(1001) }), 'validation_failed'),
      s('an extra target_id', 'message:report', (c) => ({ conversation_id: ab(c), seq: 2, target_id: c.carol.id }), 'validation_failed'),
    ],
    'typing:start / typing:stop': [
      ...shapes('typing:start'),
      ...shapes('typing:stop'),
      s('typing:start: not a uuid', 'typing:start', () => ({ conversation_id: 'nope' }), 'validation_failed'),
      s("typing:start: other people's conversation", 'typing:start', (c) => ({ conversation_id: c.de.conversationId }), 'not_found'),
      s('typing:start: a closed conversation', 'typing:start', (c) => ({ conversation_id: c.af.conversationId }), 'forbidden'),
      s('typing:start: an unknown conversation', 'typing:start', () => ({ conversation_id: NOBODY }), 'not_found'),
      s('typing:start: an extra user_id', 'typing:start', (c) => ({ conversation_id: ab(c), user_id: c.bob.id }), 'validation_failed'),
      s('typing:stop: not a uuid', 'typing:stop', () => ({ conversation_id: 1 }), 'validation_failed'),
    ],
    'presence:query': [
      ...shapes('presence:query'),
      s('user_ids as a string', 'presence:query', (c) => ({ user_ids: c.bob.id }), 'validation_failed'),
      s('a user id that is not a uuid', 'presence:query', () => ({ user_ids: ['bob'] }), 'validation_failed'),
      s('null in user_ids', 'presence:query', () => ({ user_ids: [null] }), 'validation_failed'),
      s(`${MAX_PRESENCE_QUERY + 1} user ids`, 'presence:query', () => ({ user_ids: Array.from({ length: MAX_PRESENCE_QUERY + 1 }, () => randomUUID()) }), 'validation_failed'),
      s('an extra field', 'presence:query', (c) => ({ user_ids: [c.bob.id], include_hidden: true }), 'validation_failed'),
    ],
    'auth:refresh': [
      ...shapes('auth:refresh'),
      s('token as a number', 'auth:refresh', () => ({ token: 1 }), 'validation_failed'),
      s('an empty token', 'auth:refresh', () => ({ token: '' }), 'validation_failed'),
      s('a 5000-character token', 'auth:refresh', () => ({ token: 'a'.repeat(5000) }), 'validation_failed'),
      s('garbage', 'auth:refresh', () => ({ token: 'garbage' }), 'unauthorized'),
      s("another user's token", 'auth:refresh', (c) => ({ token: c.bob.token }), 'forbidden'),
      s('a revoked session', 'auth:refresh', (c) => ({ token: c.banned.token }), 'unauthorized'),
    ],
  };
}
