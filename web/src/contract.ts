// The shapes of the public contract as the client sees them: types only,
// inferred from the server's zod schemas (shared/contract/) and the socket
// catalogue (realtime/events.ts), so esbuild erases every import here and a
// renamed field breaks this build, not a user.
import type { z } from 'zod';
import type {
  Candidate,
  ChatMessage,
  Conversation,
  ErrorBody,
  Gender,
  Match,
  MediaStatus,
  OwnerProfile,
  OwnPhoto,
  PhotoUrls as PhotoUrlsSchema,
  ProfileSettings,
  PublicPhoto,
  PublicProfile,
  Session,
  TokenPair,
  Visibility,
} from '../../shared/contract/index.js';

export type { Candidate, ErrorBody, Gender, OwnPhoto, PublicPhoto, PublicProfile, TokenPair, Visibility };
export type PhotoStatus = MediaStatus;
export type PhotoUrls = z.infer<typeof PhotoUrlsSchema>;
export type OwnProfile = OwnerProfile;
export type Message = ChatMessage;
export type MatchItem = Match;
export type ConversationItem = Conversation;
export type SessionItem = Session;
/** The body of PUT /profiles/{user_id} (api/profile/schemas.ts): any subset of the writable fields, settings merged key by key. */
export type ProfileUpdate = Partial<Omit<OwnerProfile, 'user_id' | 'age' | 'photos' | 'created_at' | 'updated_at' | 'settings'>> & {
  settings?: Partial<ProfileSettings>;
};

export type { Ack, ClientToServerEvents, ServerToClientEvents, MatchUser, PresenceState, ReactionEmoji } from '../../realtime/events.js';
export { SOCKET_PATH, TYPING_TTL_MS, MAX_BODY_CHARS, REACTIONS, EDIT_WINDOW_MS } from '../../realtime/events.js';
