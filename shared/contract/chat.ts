// Messages and conversations (REST fallback and socket events alike).
import { z } from 'zod';
import { Id, shape, Timestamp } from './common.js';
import { PublicProfile } from './profiles.js';

export const ChatMessage = shape(
  'ChatMessage',
  z.object({
    id: Id,
    conversation_id: Id,
    /** 1, 2, 3 … per conversation, no gaps. */
    seq: z.number().int().min(1),
    sender_id: Id,
    body: z.string(),
    client_msg_id: z.string(),
    created_at: Timestamp,
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
export const MessagePage = shape('MessagePage', z.object({ messages: z.array(ChatMessage), has_more: z.boolean() }), 'Messages in ascending seq.');
export type MessagePage = z.infer<typeof MessagePage>;
export const MessageSent = shape('MessageSent', z.object({ message: ChatMessage }));
export type MessageSent = z.infer<typeof MessageSent>;
