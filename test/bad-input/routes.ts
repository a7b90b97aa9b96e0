// Every authenticated REST route, with a body that would be accepted from the
// right caller: a refused token must stop each of them before it does anything.
import type { Cast } from './harness.js';

export interface AuthedRoute {
  method: string;
  path: (c: Cast) => string;
  body?: (c: Cast) => unknown;
}

const r = (method: string, path: (c: Cast) => string, body?: (c: Cast) => unknown): AuthedRoute => ({ method, path, body });

export const AUTHED_ROUTES: AuthedRoute[] = [
  r('GET', () => '/auth/verify'),
  r('GET', () => '/auth/sessions'),
  r('DELETE', (c) => `/auth/sessions/${c.alice.sessionId}`),
  r('POST', () => '/auth/logout'),
  r('POST', () => '/profiles', () => ({ display_name: 'N', birthdate: '1990-01-01', gender: 'man' })),
  r('GET', () => '/profiles/me'),
  r('GET', (c) => `/profiles/${c.bob.id}`),
  r('PUT', (c) => `/profiles/${c.alice.id}`, () => ({ bio: 'changed' })),
  r('DELETE', (c) => `/profiles/${c.alice.id}`),
  r('GET', (c) => `/profiles/${c.alice.id}/photos`),
  r('POST', () => '/profiles/me/photos', (c) => ({ media_id: c.alicePending })),
  r('PUT', (c) => `/profiles/me/photos/${c.alicePhotos[1]}`, () => ({ position: 0 })),
  r('DELETE', (c) => `/profiles/me/photos/${c.alicePhotos[1]}`),
  r('POST', () => '/profiles/me/video', (c) => ({ media_id: c.alicePending })),
  r('DELETE', () => '/profiles/me/video'),
  r('GET', () => '/discovery/candidates'),
  r('POST', () => '/discovery/like', (c) => ({ target_id: c.dave.id })),
  r('POST', () => '/discovery/pass', (c) => ({ target_id: c.dave.id })),
  r('POST', () => '/discovery/superlike', (c) => ({ target_id: c.dave.id })),
  r('POST', () => '/discovery/rewind'),
  r('GET', () => '/discovery/matches'),
  r('DELETE', (c) => `/discovery/matches/${c.ab.matchId}`),
  r('POST', () => '/discovery/block', (c) => ({ target_id: c.dave.id })),
  r('POST', () => '/discovery/report', (c) => ({ target_id: c.dave.id, reason: 'spam' })),
  r('GET', () => '/discovery/likes'),
  r('POST', () => '/media/upload'),
  r('GET', (c) => `/media/${c.alicePending}`),
  r('GET', (c) => `/media/${c.alicePending}/original`),
  r('DELETE', (c) => `/media/${c.alicePending}`),
  r('GET', (c) => `/media/user/${c.alice.id}`),
  r('GET', () => '/chat/conversations'),
  r('GET', (c) => `/chat/messages/${c.ab.conversationId}`),
  r('POST', () => '/chat/messages', (c) => ({ conversation_id: c.ab.conversationId, body: 'hi', client_msg_id: 'token-case' })),
  r('POST', (c) => `/chat/conversations/${c.ab.conversationId}/read`, () => ({ seq: 3 })),
  r('PUT', (c) => `/chat/messages/${c.ab.conversationId}/2/reaction`, () => ({ emoji: '👍' })),
  r('PUT', (c) => `/chat/messages/${c.ab.conversationId}/1`, () => ({ body: 'edited' })),
  r('DELETE', (c) => `/chat/messages/${c.ab.conversationId}/1`),
  r('POST', (c) => `/chat/messages/${c.ab.conversationId}/2/report`, () => ({})),
  r('POST', (c) => `/chat/messages/${c.ab.conversationId}/2/reveal`),
  r('GET', () => '/admin/queue'),
  r('POST', (c) => `/admin/media/${c.carolReview}/approve`),
  r('POST', (c) => `/admin/media/${c.carolReview}/reject`),
  r('GET', (c) => `/admin/reports/${c.report}/conversation`),
  r('POST', (c) => `/admin/reports/${c.report}/review`, () => ({ action: 'dismiss' })),
  r('POST', (c) => `/admin/users/${c.dave.id}/ban`, () => ({ reason: 'x' })),
  r('POST', (c) => `/admin/users/${c.banned.id}/unban`),
  r('GET', () => '/admin/audit'),
  r('POST', () => '/payments/invoice', () => ({ product: 'rewind' })),
  r('GET', () => '/payments/entitlements'),
  r('GET', () => '/admin/payments'),
  r('POST', () => '/admin/payments/charge-x/refund'),
];
