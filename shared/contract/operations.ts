// The route table of the REST contract: every public route of every service
// with its parameters, body, answers and error codes. The OpenAPI document is
// generated from it (openapi.ts), and test/contract/routes.test.ts compares it
// with the routes the Koa routers register, both ways, so neither can change
// alone. Request schemas are the ones the routes parse with (each service's
// schemas.ts); answers are the contract's shapes.
import { z } from 'zod';
import { AuditQuery, BanBody, IdParams, QueueQuery, RejectBody, ReviewBody, ReviewFileParams, UnbanBody } from '../../api/admin/schemas.js';
import { DevInitDataBody, InitDataBody, RefreshBody, SessionIdParam, TelegramLoginBody } from '../../api/auth/schemas.js';
import { CandidatesQuery, LikesQuery, MatchParams, ReportBody, RewindBody, TargetBody } from '../../api/discovery/schemas.js';
import { AttachPhotoBody, AttachVideoBody, MovePhotoBody, Uuid } from '../../api/media/schemas.js';
import { WebhookUpdateBody } from '../../api/telegram/schemas.js';
import { ChargeParams, Entitlements, InvoiceBody, Invoice, Ledger, LedgerQuery, Payment, RefundBody } from '../../api/payments/schemas.js';
import { createProfileSchema, updateProfileSchema, UserIdParams } from '../../api/profile/schemas.js';
import { ConversationParams, DeleteQuerySchema, EditBodySchema, MessageParams, MessagesQuerySchema, ReactBodySchema, ReadBodySchema, ReportBodySchema, SendSchema } from '../../realtime/chat/schemas.js';
import * as c from './index.js';
import { AUTHENTICATED_ERRORS, BODY_PARSER_ERRORS, type ErrorCode } from './errors.js';

export const TAGS = {
  auth: 'Telegram login, tokens and sessions.',
  profiles: 'Profiles: the owner view and the public view.',
  photos: 'Profile photos (served by the media service).',
  discovery: 'Candidates, swipes, matches, likes, blocks and reports.',
  media: 'Uploads and the served image files.',
  chat: 'The REST fallback of the chat (the socket is described in asyncapi.json).',
  admin: 'Moderation and bans, for the operators in ADMIN_TELEGRAM_IDS only.',
  telegram: 'The Telegram bot: the webhook Telegram posts updates to.',
  payments: 'Premium in Telegram Stars: invoices, entitlements, and the ledger and refunds for admins.',
  operations: 'Health, readiness and metrics.',
  documentation: 'These documents and the web client.',
} as const;
export type Tag = keyof typeof TAGS;

/** An answer that is not JSON (files, pages, metrics). */
export interface RawAnswer {
  contentType: string;
  description: string;
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI path syntax: /profiles/{user_id}. */
  path: string;
  tag: Tag;
  summary: string;
  /** bearer: an access token; admin: an access token of an admin; metrics: METRICS_TOKEN; none. */
  auth: 'bearer' | 'admin' | 'metrics' | 'none';
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** A JSON body; `multipart`: an image as form field `file` (alone or instead of the JSON body). */
  body?: { json?: z.ZodType; multipart?: true; optional?: true };
  /** Success answers by status: a JSON shape, a raw answer, or null for no body. */
  answers: Record<number, z.ZodType | RawAnswer | null>;
  /** The route's own error codes (those of authentication and of any route are added). */
  errors: ErrorCode[];
  description?: string;
}

const Health = c.shape('Health', z.object({ status: z.literal('healthy'), service: z.string() }));
const Readiness = c.shape(
  'Readiness',
  z.object({
    status: z.enum(['ready', 'not_ready']),
    /** Private ports only: the public port says only ready or not. */
    service: z.string().optional(),
    checks: z.record(z.string(), z.unknown()).optional(),
  }),
);

const idParams = (name: string) => z.object({ [name]: Uuid });
const PhotoParams = UserIdParams;
const PhotoIdParams = UserIdParams.extend({ id: Uuid });
const FileParams = z.object({ key: z.string().describe('The content-addressed key of a variant (may contain slashes).') });
const AssetParams = z.object({ name: z.string() });
const image = (description: string): RawAnswer => ({ contentType: 'image/*', description });
const notModified: RawAnswer = { contentType: '', description: 'Not modified (If-None-Match matched the ETag).' };
const html = (description: string): RawAnswer => ({ contentType: 'text/html', description });
const json = (description: string): RawAnswer => ({ contentType: 'application/json', description });

const swipes: Operation[] = c.SWIPE_ACTIONS.map((action) => ({
  method: 'post',
  path: `/discovery/${action}`,
  tag: 'discovery',
  summary: `Swipe: ${action}`,
  auth: 'bearer',
  body: { json: TargetBody },
  answers: { 200: c.SwipeResult },
  errors: ['validation_failed', 'not_found', 'conflict', ...(action === 'pass' ? [] : (['quota_exceeded'] as ErrorCode[]))],
  description: action === 'pass' ? 'Passes are free.' : 'Counts against the 24-hour quota; a mutual like makes one match (match:new to both).',
}));

export const OPERATIONS: Operation[] = [
  // --- operations -----------------------------------------------------------
  { method: 'get', path: '/health', tag: 'operations', summary: 'Liveness', auth: 'none', answers: { 200: Health }, errors: [] },
  { method: 'get', path: '/ready', tag: 'operations', summary: 'Readiness of PostgreSQL and Redis', auth: 'none', answers: { 200: Readiness, 503: Readiness }, errors: [] },
  {
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    auth: 'metrics',
    answers: { 200: { contentType: 'text/plain', description: 'Prometheus text format.' } },
    errors: ['not_found'],
    description: 'On the public port only with METRICS_TOKEN as a bearer token; otherwise the 404 of an unknown path.',
  },
  // --- documentation and the web client ---------------------------------------
  { method: 'get', path: '/openapi.json', tag: 'documentation', summary: 'This OpenAPI document', auth: 'none', answers: { 200: json('The OpenAPI 3.1 document.') }, errors: [] },
  { method: 'get', path: '/asyncapi.json', tag: 'documentation', summary: 'The AsyncAPI document of the socket', auth: 'none', answers: { 200: json('The AsyncAPI 3 document of /chat/connect.') }, errors: [] },
  { method: 'get', path: '/docs', tag: 'documentation', summary: 'The interactive API reference', auth: 'none', answers: { 200: html('Swagger UI over /openapi.json, and the socket events of /asyncapi.json.') }, errors: [] },
  ...(['docs.js', 'docs.css', 'swagger-ui.css', 'swagger-ui-bundle.js'] as const).map(
    (file): Operation => ({
      method: 'get',
      path: `/docs/${file}`,
      tag: 'documentation',
      summary: `A file of the reference page (${file})`,
      auth: 'none',
      answers: { 200: { contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript', description: file } },
      errors: [],
    }),
  ),
  { method: 'get', path: '/', tag: 'documentation', summary: 'The web client (Mini App)', auth: 'none', answers: { 200: html('The Mini App.') }, errors: [] },
  { method: 'get', path: '/index.html', tag: 'documentation', summary: 'The web client (Mini App)', auth: 'none', answers: { 200: html('The Mini App.') }, errors: [] },
  {
    method: 'get',
    path: '/assets/{name}',
    tag: 'documentation',
    summary: "The web client's content-hashed assets",
    auth: 'none',
    params: AssetParams,
    answers: { 200: { contentType: 'application/octet-stream', description: 'A script, style sheet or image, cached for a year.' } },
    errors: ['not_found'],
  },
  // --- auth --------------------------------------------------------------------
  { method: 'post', path: '/auth/validate', tag: 'auth', summary: 'Check init data (creates nothing)', auth: 'none', body: { json: InitDataBody }, answers: { 200: c.InitDataValidation }, errors: ['validation_failed', 'invalid_init_data', 'rate_limited'] },
  { method: 'post', path: '/auth/token', tag: 'auth', summary: 'Log in with init data', auth: 'none', body: { json: InitDataBody }, answers: { 200: c.TokenPair }, errors: ['validation_failed', 'invalid_init_data', 'forbidden', 'rate_limited'] },
  {
    method: 'post',
    path: '/auth/telegram-login',
    tag: 'auth',
    summary: 'Log in with the Telegram Login Widget (a plain browser)',
    auth: 'none',
    body: { json: TelegramLoginBody },
    answers: { 200: c.TokenPair },
    errors: ['validation_failed', 'invalid_login_data', 'forbidden', 'rate_limited'],
    description:
      "The fields the widget gives its callback, or the query of its login link's redirect (id, first_name, last_name, username, photo_url, auth_date, hash), as they came. " +
      'Checked per Telegram: HMAC-SHA256 of the sorted key=value lines under the SHA-256 of the bot token, and auth_date no older than AUTH_MAX_AGE_S. ' +
      'Then the same as POST /auth/token: the user is created at the first login, a session opens, a banned user is refused (forbidden), and the same per-address and per-Telegram-id limits apply. ' +
      'Open to every user; the admin routes keep the ADMIN_TELEGRAM_IDS rule. In development mode the development bot token signs.',
  },
  {
    method: 'post',
    path: '/auth/refresh',
    tag: 'auth',
    summary: 'Spend a refresh token for a new pair',
    auth: 'none',
    body: { json: RefreshBody },
    answers: { 200: c.TokenPair },
    errors: ['validation_failed', 'unauthorized', 'rate_limited'],
    description: 'A spent token presented again revokes its session.',
  },
  { method: 'get', path: '/auth/verify', tag: 'auth', summary: 'The caller of the access token', auth: 'bearer', answers: { 200: c.TokenClaims }, errors: ['rate_limited'] },
  { method: 'get', path: '/auth/sessions', tag: 'auth', summary: "The caller's live sessions", auth: 'bearer', answers: { 200: c.SessionList }, errors: ['rate_limited'] },
  { method: 'delete', path: '/auth/sessions/{id}', tag: 'auth', summary: 'End one of the caller’s sessions', auth: 'bearer', params: z.object({ id: SessionIdParam }), answers: { 204: null }, errors: ['not_found', 'rate_limited'] },
  { method: 'post', path: '/auth/logout', tag: 'auth', summary: 'End the current session', auth: 'bearer', answers: { 204: null }, errors: ['rate_limited'] },
  {
    method: 'post',
    path: '/auth/dev/init-data',
    tag: 'auth',
    summary: 'Sign init data for a made-up user',
    auth: 'none',
    body: { json: DevInitDataBody },
    answers: { 200: c.DevInitData },
    errors: ['validation_failed', 'rate_limited'],
    description: 'Development mode only: the route does not exist in production.',
  },
  // --- profiles ------------------------------------------------------------------
  { method: 'post', path: '/profiles', tag: 'profiles', summary: "Create the caller's profile", auth: 'bearer', body: { json: createProfileSchema }, answers: { 201: c.OwnerProfile }, errors: ['validation_failed', 'conflict', 'unsupported_media_type', 'rate_limited'] },
  { method: 'get', path: '/profiles/me', tag: 'profiles', summary: "The caller's profile", auth: 'bearer', answers: { 200: c.OwnerProfile }, errors: ['not_found'] },
  {
    method: 'get',
    path: '/profiles/{user_id}',
    tag: 'profiles',
    summary: 'A profile',
    auth: 'bearer',
    params: UserIdParams,
    answers: { 200: c.ProfileView },
    errors: ['validation_failed', 'not_found'],
    description: 'The owner view for oneself (or `me`), the public view for anyone else.',
  },
  {
    method: 'put',
    path: '/profiles/{user_id}',
    tag: 'profiles',
    summary: "Update the caller's profile",
    auth: 'bearer',
    params: UserIdParams,
    body: { json: updateProfileSchema },
    answers: { 200: c.OwnerProfile },
    errors: ['validation_failed', 'forbidden', 'not_found', 'unsupported_media_type', 'rate_limited'],
    description: 'Partial: each named field is replaced (settings merge key by key); null clears an optional field. Moves of the location are rate limited.',
  },
  { method: 'delete', path: '/profiles/{user_id}', tag: 'profiles', summary: "Delete the caller's profile", auth: 'bearer', params: UserIdParams, answers: { 204: null }, errors: ['validation_failed', 'forbidden', 'not_found'] },
  // --- photos --------------------------------------------------------------------
  { method: 'get', path: '/profiles/{user_id}/photos', tag: 'photos', summary: "A profile's photos", auth: 'bearer', params: PhotoParams, answers: { 200: c.PhotoList }, errors: ['not_found'] },
  {
    method: 'post',
    path: '/profiles/{user_id}/photos',
    tag: 'photos',
    summary: 'Add a photo (an upload, or one of the caller’s uploaded media)',
    auth: 'bearer',
    params: PhotoParams,
    body: { json: AttachPhotoBody, multipart: true },
    answers: { 202: c.PhotoAccepted },
    errors: ['validation_failed', 'image_too_large', 'invalid_image', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'quota_exceeded'],
  },
  {
    method: 'put',
    path: '/profiles/{user_id}/photos/{id}',
    tag: 'photos',
    summary: 'Move a photo',
    auth: 'bearer',
    params: PhotoIdParams,
    body: { json: MovePhotoBody },
    answers: { 200: c.PhotoList },
    errors: ['validation_failed', 'forbidden', 'not_found'],
  },
  { method: 'delete', path: '/profiles/{user_id}/photos/{id}', tag: 'photos', summary: 'Remove a photo', auth: 'bearer', params: PhotoIdParams, answers: { 204: null }, errors: ['forbidden', 'not_found'] },
  {
    method: 'post',
    path: '/profiles/{user_id}/video',
    tag: 'photos',
    summary: 'Set the profile clip (one of the caller’s uploaded video clips)',
    auth: 'bearer',
    params: PhotoParams,
    body: { json: AttachVideoBody },
    answers: { 200: c.ProfileVideo },
    errors: ['validation_failed', 'forbidden', 'not_found', 'conflict', 'unsupported_media_type'],
    description: 'A profile has at most one clip: a new one replaces the one before (which stays as an unattached upload until it expires). The public view shows it as video once approved.',
  },
  { method: 'delete', path: '/profiles/{user_id}/video', tag: 'photos', summary: 'Remove the profile clip', auth: 'bearer', params: PhotoParams, answers: { 204: null }, errors: ['forbidden', 'not_found'] },
  // --- discovery -------------------------------------------------------------------
  {
    method: 'get',
    path: '/discovery/candidates',
    tag: 'discovery',
    summary: 'Candidates, best first',
    auth: 'bearer',
    query: CandidatesQuery,
    answers: { 200: c.CandidatePage },
    errors: ['validation_failed', 'not_found', 'conflict', 'rate_limited'],
    description: 'Pass next_cursor as cursor for the next page; 409 without a profile location.',
  },
  ...swipes,
  {
    method: 'post',
    path: '/discovery/rewind',
    tag: 'discovery',
    summary: 'Undo the last pass',
    auth: 'bearer',
    body: { json: RewindBody, optional: true },
    answers: { 200: c.RewindResult },
    errors: ['validation_failed', 'conflict', 'nothing_to_rewind', 'payment_required', 'rate_limited'],
    description:
      "Undoes the caller's most recent swipe when it is a pass of the last 24 hours, and answers that person as a candidate (the same shape as in GET /discovery/candidates) to show again; they are in the candidate lists again too. " +
      'Free while premium runs, else it spends one bought rewind (the product rewind); 402 payment_required with neither. ' +
      "409 nothing_to_rewind when the last swipe is a like or a superlike (never undone), there is none, or that person's profile is no longer shown; nothing is spent on a refusal. " +
      '409 conflict without a profile or a location. RATE_LIMIT_REWINDS_PER_MIN per user.',
  },
  { method: 'get', path: '/discovery/matches', tag: 'discovery', summary: "The caller's matches", auth: 'bearer', answers: { 200: c.MatchList }, errors: [] },
  { method: 'delete', path: '/discovery/matches/{match_id}', tag: 'discovery', summary: 'Unmatch', auth: 'bearer', params: MatchParams, answers: { 204: null }, errors: ['validation_failed', 'not_found'] },
  { method: 'post', path: '/discovery/block', tag: 'discovery', summary: 'Block someone for good', auth: 'bearer', body: { json: TargetBody }, answers: { 204: null }, errors: ['validation_failed', 'not_found'] },
  { method: 'post', path: '/discovery/report', tag: 'discovery', summary: 'Report someone the caller has met', auth: 'bearer', body: { json: ReportBody }, answers: { 202: c.ReportAccepted }, errors: ['validation_failed', 'not_found', 'rate_limited'] },
  { method: 'get', path: '/discovery/likes', tag: 'discovery', summary: 'Who liked the caller', auth: 'bearer', query: LikesQuery, answers: { 200: c.LikeList }, errors: ['validation_failed'] },
  // --- media --------------------------------------------------------------------------
  {
    method: 'post',
    path: '/media/upload',
    tag: 'media',
    summary: 'Upload an image, a video clip or a voice note',
    auth: 'bearer',
    body: { multipart: true },
    answers: { 202: c.UploadAccepted },
    errors: ['validation_failed', 'image_too_large', 'invalid_image', 'invalid_video', 'invalid_audio', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'quota_exceeded'],
    description:
      'The kind is decided by content: JPEG/PNG/WebP/AVIF/HEIC images; MP4/MOV/WebM video clips (H.264, HEVC, VP8, VP9, AV1; at most MEDIA_MAX_VIDEO_BYTES and MEDIA_MAX_VIDEO_SECONDS, at most 4K); Ogg/Opus or M4A/AAC voice notes (at most MEDIA_MAX_VOICE_SECONDS). A WebM or MP4 voice note (MediaRecorder) is sent with the text field kind=voice.',
  },
  { method: 'get', path: '/media/user/{user_id}', tag: 'media', summary: "A user's media", auth: 'bearer', params: idParams('user_id'), answers: { 200: c.MediaList }, errors: ['not_found'] },
  { method: 'get', path: '/media/{id}', tag: 'media', summary: 'One media item', auth: 'bearer', params: idParams('id'), answers: { 200: c.Media }, errors: ['not_found'] },
  {
    method: 'get',
    path: '/media/{id}/original',
    tag: 'media',
    summary: "The owner's original file",
    auth: 'bearer',
    params: idParams('id'),
    answers: { 200: image('The original as uploaded (Cache-Control: private).'), 304: notModified },
    errors: ['not_found'],
  },
  { method: 'delete', path: '/media/{id}', tag: 'media', summary: 'Delete a media item', auth: 'bearer', params: idParams('id'), answers: { 204: null }, errors: ['forbidden', 'not_found'] },
  {
    method: 'get',
    path: '/media/files/{key}',
    tag: 'media',
    summary: 'A served file: an image variant or clip poster (WebP), a clip rendition (MP4), a voice note (WebM/Opus)',
    auth: 'none',
    params: FileParams,
    answers: {
      200: { contentType: 'image/webp', description: 'Immutable: cached for a year. Clips and voice notes are video/mp4 and audio/webm, with Accept-Ranges: bytes.' },
      206: { contentType: 'application/octet-stream', description: 'Clips (video/mp4) and voice notes (audio/webm): the bytes of a single Range (Content-Range: bytes first-last/size).' },
      304: notModified,
    },
    errors: ['not_found', 'range_not_satisfiable'],
    description:
      'Under MEDIA_PUBLIC_URL (default /media/files/); a CDN may front it. Approved media only. Chat attachments are served as chat/{message_id}/{file}?exp=&sig= (file: file or preview, the blurred preview of a flagged photo) only with a valid, unexpired signature and while the conversation is live (Cache-Control: private).',
  },
  // --- chat -----------------------------------------------------------------------------
  { method: 'get', path: '/chat/conversations', tag: 'chat', summary: "The caller's conversations", auth: 'bearer', answers: { 200: c.ConversationList }, errors: [] },
  {
    method: 'get',
    path: '/chat/messages/{conversation_id}',
    tag: 'chat',
    summary: 'A page of messages',
    auth: 'bearer',
    params: ConversationParams,
    query: MessagesQuerySchema,
    answers: { 200: c.MessagePage },
    errors: ['validation_failed', 'forbidden', 'not_found'],
    description: 'events_after=<change_seq>: the messages edited, reacted to or deleted since that change cursor (catch-up without a reload).',
  },
  {
    method: 'put',
    path: '/chat/messages/{conversation_id}/{seq}/reaction',
    tag: 'chat',
    summary: 'Set or remove (emoji: null) your reaction',
    auth: 'bearer',
    params: MessageParams,
    body: { json: ReactBodySchema },
    answers: { 200: c.ReactionSet },
    errors: ['validation_failed', 'forbidden', 'not_found', 'conflict'],
  },
  {
    method: 'put',
    path: '/chat/messages/{conversation_id}/{seq}',
    tag: 'chat',
    summary: 'Edit your message (within 15 minutes)',
    auth: 'bearer',
    params: MessageParams,
    body: { json: EditBodySchema },
    answers: { 200: c.MessageChanged },
    errors: ['validation_failed', 'forbidden', 'not_found', 'conflict', 'needs_confirmation'],
  },
  {
    method: 'post',
    path: '/chat/messages/{conversation_id}/{seq}/report',
    tag: 'chat',
    summary: "Report a peer's message (\"does this bother you?\")",
    auth: 'bearer',
    params: MessageParams,
    body: { json: ReportBodySchema, optional: true },
    answers: { 201: c.MessageReported, 200: c.MessageReported },
    errors: ['validation_failed', 'forbidden', 'not_found', 'conflict'],
    description: 'The message is kept with the report as evidence; the report ranks above profile reports in the moderation queue. 200 when the caller had reported it already.',
  },
  {
    method: 'delete',
    path: '/chat/messages/{conversation_id}/{seq}',
    tag: 'chat',
    summary: 'Unsend your message (scope=everyone, while unread) or delete it for yourself (scope=me)',
    auth: 'bearer',
    params: MessageParams,
    query: DeleteQuerySchema,
    answers: { 200: c.MessageDeleted },
    errors: ['validation_failed', 'forbidden', 'not_found', 'conflict'],
  },
  {
    method: 'post',
    path: '/chat/messages',
    tag: 'chat',
    summary: 'Send a message',
    auth: 'bearer',
    body: { json: SendSchema },
    answers: { 201: c.MessageSent, 200: c.MessageSent },
    errors: ['validation_failed', 'forbidden', 'not_found', 'conflict', 'rate_limited', 'opener_not_unique', 'needs_confirmation'],
    description:
      '200 for a resend of a stored client_msg_id (the stored message). opener_not_unique: a first message copying a recent opener of the sender; needs_confirmation: the filter flagged the text, send it again with confirm: true. attachment {media_id}: an approved photo or voice note of the sender\'s own (else not_found), body then optional; limited per user and per conversation (rate_limited). The message carries attachment {kind, url, …}: a signed URL that expires (CHAT_ATTACHMENT_URL_TTL_S) and stops working once the match ends, a block is made or the message is unsent; blurred: true for a photo scored above CHAT_NSFW_BLUR_ABOVE (url is then a blurred preview).',
  },
  {
    method: 'post',
    path: '/chat/messages/{conversation_id}/{seq}/reveal',
    tag: 'chat',
    summary: "The original of a message's (blurred) photo",
    auth: 'bearer',
    params: MessageParams,
    answers: { 200: c.AttachmentRevealed },
    errors: ['validation_failed', 'forbidden', 'not_found'],
    description: 'A signed URL like the attachment\'s. not_found when the message has no attachment or was unsent.',
  },
  {
    method: 'post',
    path: '/chat/conversations/{conversation_id}/read',
    tag: 'chat',
    summary: 'Mark read up to a seq',
    auth: 'bearer',
    params: ConversationParams,
    body: { json: ReadBodySchema },
    answers: { 204: null },
    errors: ['validation_failed', 'forbidden', 'not_found', 'rate_limited'],
  },
  // --- admin ------------------------------------------------------------------------------
  { method: 'get', path: '/admin', tag: 'admin', summary: 'The moderator console (page shell; /admin/ too)', auth: 'none', answers: { 200: html('The console; its data calls need an admin.') }, errors: [] },
  { method: 'get', path: '/admin/console.js', tag: 'admin', summary: "The moderator console's script", auth: 'none', answers: { 200: { contentType: 'text/javascript', description: 'The console script.' } }, errors: [] },
  { method: 'get', path: '/admin/socket.io.js', tag: 'admin', summary: "The Socket.IO client the console's live queue uses", auth: 'none', answers: { 200: { contentType: 'text/javascript', description: "socket.io-client's browser build." } }, errors: [] },
  { method: 'get', path: '/admin/console.css', tag: 'admin', summary: "The moderator console's style sheet", auth: 'none', answers: { 200: { contentType: 'text/css', description: 'The console styles.' } }, errors: [] },
  { method: 'get', path: '/admin/queue', tag: 'admin', summary: 'The moderation queue', auth: 'admin', query: QueueQuery, answers: { 200: c.ModerationQueue }, errors: ['validation_failed'] },
  {
    method: 'get',
    path: '/admin/media/{id}/{variant}',
    tag: 'admin',
    summary: 'A file of a media item, whatever its status (the queue links to these)',
    auth: 'admin',
    params: ReviewFileParams,
    answers: { 200: { contentType: 'application/octet-stream', description: 'image/webp (thumb, medium, large, poster), video/mp4 (720, 480) or audio/webm (voice); Cache-Control: private, no-store.' } },
    errors: ['validation_failed', 'not_found'],
    description:
      "Media in review is not on the public file route (approved media only), so the console fetches it here with the admin's token. A photo has thumb, medium and large; a clip has poster, 720 and 480; a voice note (a chat attachment) has voice; any other name for its kind, or a file not made yet, is 404.",
  },
  { method: 'post', path: '/admin/media/{id}/approve', tag: 'admin', summary: 'Approve a photo', auth: 'admin', params: IdParams, answers: { 200: c.ModeratedMedia }, errors: ['validation_failed', 'not_found', 'conflict', 'unsupported_media_type'] },
  {
    method: 'post',
    path: '/admin/media/{id}/reject',
    tag: 'admin',
    summary: 'Reject a photo',
    auth: 'admin',
    params: IdParams,
    body: { json: RejectBody, optional: true },
    answers: { 200: c.ModeratedMedia },
    errors: ['validation_failed', 'not_found', 'conflict', 'unsupported_media_type'],
  },
  {
    method: 'get',
    path: '/admin/reports/{id}/conversation',
    tag: 'admin',
    summary: 'The conversation a reported message was in, as the reporter saw it',
    auth: 'admin',
    params: IdParams,
    answers: { 200: c.ReportConversation },
    errors: ['validation_failed', 'not_found'],
    description:
      'Up to 20 messages before and including the reported one, oldest first, each marked reporter or reported: only those the reporter could see (not the ones they deleted for themselves, nothing after the match ended or a block), an unsent message as a placeholder (body null, deleted true). ' +
      'Attachments by GET /admin/media/{id}/{variant}. A report that names no message answers conversation_id null and no messages.',
  },
  { method: 'post', path: '/admin/reports/{id}/review', tag: 'admin', summary: 'Settle a report', auth: 'admin', params: IdParams, body: { json: ReviewBody }, answers: { 200: c.ReviewedReport }, errors: ['validation_failed', 'not_found', 'conflict', 'forbidden', 'unsupported_media_type'] },
  { method: 'post', path: '/admin/users/{id}/ban', tag: 'admin', summary: 'Ban a user', auth: 'admin', params: IdParams, body: { json: BanBody }, answers: { 200: c.BanState }, errors: ['validation_failed', 'not_found', 'unsupported_media_type'] },
  { method: 'post', path: '/admin/users/{id}/unban', tag: 'admin', summary: 'Lift a ban', auth: 'admin', params: IdParams, body: { json: UnbanBody, optional: true }, answers: { 200: c.BanState }, errors: ['validation_failed', 'not_found', 'unsupported_media_type'] },
  { method: 'get', path: '/admin/audit', tag: 'admin', summary: 'The audit log, newest first', auth: 'admin', query: AuditQuery, answers: { 200: c.AuditPage }, errors: ['validation_failed'] },
  {
    method: 'post',
    path: '/telegram/webhook',
    tag: 'telegram',
    summary: 'An update from Telegram (the bot webhook)',
    auth: 'none',
    body: { json: WebhookUpdateBody },
    answers: { 200: c.shape('WebhookAccepted', z.object({ ok: z.literal(true) })) },
    errors: ['unauthorized', 'not_found', 'validation_failed', 'unsupported_media_type'],
    description:
      'Called by Telegram only: the header `X-Telegram-Bot-Api-Secret-Token` must carry TELEGRAM_WEBHOOK_SECRET (401 otherwise; 404 when none is configured). ' +
      'The update is put on the bus and answered by the bot worker; an update_id seen before is accepted again and changes nothing. `npm run bot:set-webhook` registers the URL.',
  },
  {
    method: 'post',
    path: '/payments/invoice',
    tag: 'payments',
    summary: 'An invoice link for a product, in Stars (open it with openInvoice)',
    auth: 'bearer',
    body: { json: InvoiceBody },
    answers: { 201: c.shape('StarInvoice', Invoice) },
    errors: ['validation_failed', 'rate_limited', 'service_unavailable'],
    description: `Products: superlikes_5 (five superlikes beyond the daily quota), boost_30m (ranked higher in other people's candidates for 30 minutes: a capped multiplier on the score, never past their filters), rewind (one POST /discovery/rewind), premium_month (a subscription, renewed monthly by Telegram: ranked higher as with a boost, and rewinds free, while it runs). The link is Telegram's (createInvoiceLink, currency XTR); the invoice can be paid until expires_at (STARS_INVOICE_TTL_S) at this price. Credit comes only when Telegram reports the payment. Each user may ask for RATE_LIMIT_INVOICES_PER_10MIN invoices per 10 minutes.`,
  },
  { method: 'get', path: '/payments/entitlements', tag: 'payments', summary: "The caller's entitlements", auth: 'bearer', answers: { 200: c.shape('Entitlements', Entitlements) }, errors: [] },
  { method: 'get', path: '/admin/payments', tag: 'admin', summary: 'The Stars payments ledger, newest first', auth: 'admin', query: LedgerQuery, answers: { 200: c.shape('PaymentsLedger', Ledger) }, errors: ['validation_failed'] },
  {
    method: 'post',
    path: '/admin/payments/{charge_id}/refund',
    tag: 'admin',
    summary: 'Refund a Stars payment (refundStarPayment) and take back what it gave',
    auth: 'admin',
    params: ChargeParams,
    body: { json: RefundBody, optional: true },
    answers: { 200: c.shape('StarPayment', Payment) },
    errors: ['validation_failed', 'not_found', 'conflict', 'bad_gateway'],
  },
];

/** The error codes a route may answer: its own, its body parser's, its authentication's, and those of any route. */
export function errorsOf(op: Operation, anyRoute: readonly ErrorCode[]): ErrorCode[] {
  const auth: ErrorCode[] = op.auth === 'bearer' ? AUTHENTICATED_ERRORS : op.auth === 'admin' ? [...AUTHENTICATED_ERRORS, 'forbidden'] : [];
  const body = op.method === 'get' ? [] : BODY_PARSER_ERRORS;
  return [...new Set([...op.errors, ...body, ...auth, ...anyRoute])];
}
