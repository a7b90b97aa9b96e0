// The shapes of the public contract (API.md) as the client sees them. Socket
// events come from the realtime tier's typed catalogue (realtime/events.ts),
// so the server, the test client and this client share one definition.

import type { ChatMessage } from '../../realtime/events.js';

export type Gender = 'man' | 'woman' | 'nonbinary';
export type Visibility = 'visible' | 'hidden' | 'paused';
export type PhotoStatus = 'pending' | 'approved' | 'rejected' | 'review';

export interface PhotoUrls {
  thumb: string | null;
  medium: string | null;
  large: string | null;
}

export interface PublicPhoto {
  id: string;
  position?: number;
  urls: PhotoUrls;
}

export interface PublicProfile {
  user_id: string;
  display_name: string;
  age: number | null;
  gender: Gender;
  bio: string;
  interests: string[];
  photos: PublicPhoto[];
  /** Whole km from coarsened locations; null where it is not shown. */
  distance_km?: number | null;
}

export interface Candidate extends PublicProfile {
  score?: number;
}

export interface OwnProfile {
  user_id: string;
  display_name: string;
  birthdate: string;
  gender: Gender;
  bio: string;
  interests: string[];
  looking_for: Gender[];
  age_min: number;
  age_max: number;
  max_distance_km: number;
  location: { lat: number; lon: number } | null;
  visibility: Visibility;
  settings: { show_distance?: boolean; show_age?: boolean; notifications?: boolean; [k: string]: unknown };
  goal?: string | null;
  photos?: OwnPhoto[];
}

export interface OwnPhoto {
  id: string;
  status: PhotoStatus;
  position?: number | null;
  urls: PhotoUrls;
}

export type Message = ChatMessage;

export interface MatchItem {
  match_id: string;
  conversation_id: string;
  user: PublicProfile;
  created_at: string;
  last_message: Message | null;
}

export interface ConversationItem {
  conversation_id: string;
  match_id: string;
  peer: PublicProfile;
  last_message: Message | null;
  unread_count: number;
  /** Not in the contract's minimum; used for read ticks when the server adds it. */
  peer_last_read_seq?: number;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user: { id: string; first_name: string; username?: string | null; is_new?: boolean };
}

export interface SessionItem {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  current: boolean;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export type { Ack, ClientToServerEvents, ServerToClientEvents, MatchUser, PresenceState } from '../../realtime/events.js';
export { SOCKET_PATH, TYPING_TTL_MS, MAX_BODY_CHARS } from '../../realtime/events.js';
