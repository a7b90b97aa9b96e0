// Messages and conversations (REST fallback and socket events alike).
import { z } from 'zod';
import { Id, shape, Timestamp } from './common.js';
import { PublicProfile } from './profiles.js';
import { REACTIONS } from '../../realtime/events.js';

export const Reaction = z.enum(REACTIONS);

/** The quoted original of a reply: its sender and first 100 characters (null once it was unsent). */
export const ReplyQuote = shape(
  'ReplyQuote',
  z.object({ seq: z.number().int().min(1), sender_id: Id, body: z.string().nullable(), deleted: z.boolean() }),
);

/**
 * A photo or voice note in a message. url is signed and expires
 * (CHAT_ATTACHMENT_URL_TTL_S): read the message again (history) for a fresh
 * one; it stops working as soon as the match ends, either member blocks the
 * other, or the message is unsent.
 */
export const MessageAttachment = shape(
  'MessageAttachment',
  z.object({
    /** `image`: a photo (WebP); `voice`: a voice note (Opus in WebM). */
    kind: z.enum(['image', 'voice']),
    /** The photo (its blurred preview when blurred), or the voice note. */
    url: z.string(),
    /** Voice notes. */
    duration_s: z.number().min(0).optional(),
    /** Voice notes: about 64 peaks, 0..1, to draw. */
    waveform: z.array(z.number().min(0).max(1)).optional(),
    /** Photos: the original's size (the preview is smaller). */
    width: z.number().int().min(1).optional(),
    height: z.number().int().min(1).optional(),
    poster_url: z.string().optional(),
    /** A photo the NSFW model scored above CHAT_NSFW_BLUR_ABOVE: url is a blurred preview; `message:reveal` gives the original. The sender sees it too (their photo was flagged). */
    blurred: z.literal(true).optional(),
  }),
);
export type MessageAttachment = z.infer<typeof MessageAttachment>;

/** The original of a blurred photo (message:reveal, POST …/reveal): a signed URL like the attachment's. */
export const AttachmentRevealed = shape('AttachmentRevealed', z.object({ url: z.string() }));
export type AttachmentRevealed = z.infer<typeof AttachmentRevealed>;

export const ChatMessage = shape(
  'ChatMessage',
  z.object({
    id: Id,
    conversation_id: Id,
    /** 1, 2, 3 … per conversation, no gaps. */
    seq: z.number().int().min(1),
    sender_id: Id,
    /** null once the message was unsent (deleted: true), and for an attachment sent without text. */
    body: z.string().nullable(),
    client_msg_id: z.string(),
    created_at: Timestamp,
    // The fields below are present only when they say something (a plain message has none).
    reply_to: ReplyQuote.optional(),
    /** A photo or voice note (gone once the message was unsent). */
    attachment: MessageAttachment.optional(),
    edited_at: Timestamp.optional(),
    /** Unsent by its sender, or deleted by the caller for themselves: the placeholder keeps its seq. */
    deleted: z.literal(true).optional(),
    /** Reaction counts by emoji. */
    reactions: z.record(z.string(), z.number().int().min(1)).optional(),
    /** The caller's own reaction (history only). */
    my_reaction: Reaction.optional(),
    /** The sender confirmed it after the offensive-language filter flagged it: the recipient may be asked "does this bother you?". */
    flagged: z.literal(true).optional(),
    /** The conversation's change cursor when this message last changed (edit, reaction, deletion). */
    change_seq: z.number().int().min(1).optional(),
  }),
);
export type ChatMessage = z.infer<typeof ChatMessage>;

export const Conversation = shape(
  'Conversation',
  z.object({
    conversation_id: Id,
    match_id: Id,
    peer: PublicProfile,
    last_message: ChatMessage.nullable(),
    unread_count: z.number().int().min(0),
    /** The caller's own read position. */
    last_read_seq: z.number().int().min(0),
    created_at: Timestamp,
  }),
);
export type Conversation = z.infer<typeof Conversation>;

export const ConversationList = shape('ConversationList', z.object({ conversations: z.array(Conversation) }));
export type ConversationList = z.infer<typeof ConversationList>;
export const MessagePage = shape(
  'MessagePage',
  z.object({
    messages: z.array(ChatMessage),
    has_more: z.boolean(),
    /** The conversation's change cursor now: pass it as events_after to catch up on edits, reactions and deletions later. */
    change_seq: z.number().int().min(0),
  }),
  'Messages in ascending seq (with events_after: the messages changed after that cursor, in ascending change_seq).',
);
export type MessagePage = z.infer<typeof MessagePage>;
export const MessageSent = shape('MessageSent', z.object({ message: ChatMessage }));
export type MessageSent = z.infer<typeof MessageSent>;

export const MessageChanged = shape('MessageChanged', z.object({ message: ChatMessage }), 'The message as it is now.');
export type MessageChanged = z.infer<typeof MessageChanged>;
export const ReactionSet = shape(
  'ReactionSet',
  z.object({ conversation_id: Id, seq: z.number().int().min(1), emoji: Reaction.nullable(), reactions: z.record(z.string(), z.number().int().min(1)), change_seq: z.number().int().min(0) }),
);
export type ReactionSet = z.infer<typeof ReactionSet>;
export const MessageDeleted = shape(
  'MessageDeleted',
  z.object({ conversation_id: Id, seq: z.number().int().min(1), scope: z.enum(['everyone', 'me']), change_seq: z.number().int().min(0) }),
);
export type MessageDeleted = z.infer<typeof MessageDeleted>;
export const MessageReported = shape('MessageReported', z.object({ report_id: Id, duplicate: z.boolean() }), 'duplicate: the caller had reported this message already.');
export type MessageReported = z.infer<typeof MessageReported>;
