// zod schemas of the chat contract (socket payloads and REST bodies/queries).
import { z } from 'zod';
import { isBlank } from '../../shared/validation.js';
import { MAX_BODY_CHARS, MAX_CLIENT_MSG_ID_CHARS, MAX_PRESENCE_QUERY, REACTIONS } from '../events.js';

export const conversationId = z
  .string()
  .uuid('must be a conversation id (UUID)')
  .transform((s) => s.toLowerCase());

// Characters are counted as code points (an emoji is one), as a user would count them.
// NUL cannot be stored in a PostgreSQL text column, so it is refused here rather than
// failing a whole group-commit batch later.
const body = z
  .string()
  .refine((s) => !isBlank(s), 'must not be empty (or only zero-width and direction marks)')
  .refine((s) => [...s].length <= MAX_BODY_CHARS, `must be at most ${MAX_BODY_CHARS} characters`)
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

const clientMsgId = z
  .string()
  .min(1)
  .max(MAX_CLIENT_MSG_ID_CHARS)
  .regex(/^[\x20-\x7E]+$/, 'must be printable ASCII');

// A number in bodies and payloads ("2", true or null are not a seq); query strings are text.
const seq = z.number().int().min(0).max(2_147_483_647);
const querySeq = z.coerce.number().int().min(0).max(2_147_483_647);
/** The seq of a stored message (messages start at 1). */
const messageSeq = seq.min(1);

// Strict objects: an unknown field (a sender_id, a seq) is refused, never silently dropped.
/** A photo or voice note of the sender's own, uploaded through POST /media/upload and approved. */
export const AttachmentRef = z.strictObject({ media_id: z.string().uuid('must be a media id (UUID)').transform((s) => s.toLowerCase()) });

export const SendSchema = z
  .strictObject({
    conversation_id: conversationId,
    /** Optional when the message carries an attachment. */
    body: body.optional(),
    client_msg_id: clientMsgId,
    attachment: AttachmentRef.optional(),
    /** The message this one answers (its quote comes with the message). */
    reply_to_seq: messageSeq.optional(),
    /** Send although the ack was needs_confirmation (the filter flagged it). */
    confirm: z.boolean().optional(),
  })
  .refine((m) => m.body !== undefined || m.attachment !== undefined, { message: 'a message needs a body, an attachment, or both', path: ['body'] });
export type SendInput = z.infer<typeof SendSchema>;

/** An optional retry key: a retried edit or reaction with the same one applies once. */
const clientId = clientMsgId.optional();
const emoji = z.enum(REACTIONS).nullable();
const scope = z.enum(['everyone', 'me']).default('everyone');

export const ReactSchema = z.strictObject({ conversation_id: conversationId, seq: messageSeq, emoji, client_id: clientId });
/** confirm: edit into a text the filter flags anyway. */
export const EditSchema = z.strictObject({ conversation_id: conversationId, seq: messageSeq, body, client_id: clientId, confirm: z.boolean().optional() });
export const DeleteSchema = z.strictObject({ conversation_id: conversationId, seq: messageSeq, scope });
/** The original of a blurred photo. */
export const RevealSchema = z.strictObject({ conversation_id: conversationId, seq: messageSeq });

/** The path of one message in the REST fallback: /chat/messages/{conversation_id}/{seq}. */
export const MessageParams = z.object({ conversation_id: conversationId, seq: z.coerce.number().int().min(1).max(2_147_483_647) });
export const ReactBodySchema = z.strictObject({ emoji, client_id: clientId });
export const EditBodySchema = z.strictObject({ body, client_id: clientId, confirm: z.boolean().optional() });
const reportReason = z.string().trim().min(1).max(32).refine((s) => !isBlank(s), 'must have a visible character');
const reportDetails = z.string().max(1000);
/** "Does this bother you?": report a peer's message (it is kept as evidence). */
export const ReportSchema = z.strictObject({ conversation_id: conversationId, seq: messageSeq, reason: reportReason.default('offensive_message'), details: reportDetails.optional() });
export const ReportBodySchema = z.strictObject({ reason: reportReason.default('offensive_message'), details: reportDetails.optional() });
export const DeleteQuerySchema = z.strictObject({ scope });

export const ReadSchema = z.strictObject({ conversation_id: conversationId, seq });
export const ReadBodySchema = z.strictObject({ seq });

/** The path parameter of /chat/messages/{conversation_id} and /chat/conversations/{conversation_id}/read. */
export const ConversationParams = z.object({ conversation_id: conversationId });

export const TypingSchema = z.strictObject({ conversation_id: conversationId });

export const PresenceQuerySchema = z.strictObject({
  user_ids: z.array(z.string().uuid().transform((s) => s.toLowerCase())).max(MAX_PRESENCE_QUERY),
});

export const RefreshSchema = z.strictObject({ token: z.string().min(1).max(4096) });

export const MessagesQuerySchema = z
  .object({
    before_seq: querySeq.optional(),
    after_seq: querySeq.optional(),
    /** The messages changed (edited, reacted to, deleted) after this change cursor, in change order. */
    events_after: querySeq.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => q.events_after === undefined || (q.before_seq === undefined && q.after_seq === undefined), {
    message: 'events_after cannot be combined with before_seq or after_seq',
    path: ['events_after'],
  });
export type MessagesQuery = z.infer<typeof MessagesQuerySchema>;
