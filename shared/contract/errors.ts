// Every error code of the contract with its HTTP status and meaning: what the
// generated documents list per route (docs/API.md § Errors explains them at length).
export const ERROR_CODES = {
  validation_failed: { status: 400, meaning: 'The body, query or path is malformed or breaks a rule; details lists {field, message} per problem.' },
  bad_request: { status: 400, meaning: 'The HTTP request itself is malformed, or a parser refused it for a reason no other code names.' },
  image_too_large: { status: 400, meaning: 'The image has more pixels than MEDIA_MAX_PIXELS (details: {width, height, max_pixels}).' },
  invalid_image: { status: 400, meaning: "The image's header cannot be read, or its data is corrupt or truncated." },
  invalid_video: {
    status: 400,
    meaning: 'A video clip that cannot be read (corrupt or truncated), has no video track, lasts longer than MEDIA_MAX_VIDEO_SECONDS or is larger than 4K (details.reason: unreadable, no_video_track, too_long, too_large).',
  },
  invalid_audio: {
    status: 400,
    meaning: 'A voice note that cannot be read, has no audio track (or has video), or lasts longer than MEDIA_MAX_VOICE_SECONDS (details.reason: unreadable, no_audio_track, has_video, too_long).',
  },
  unknown_event: { status: 400, meaning: 'Socket only: an event name the server does not have.' },
  unauthorized: { status: 401, meaning: 'No access token, a malformed or forged one, a revoked session, or a bad or spent refresh token.' },
  invalid_init_data: { status: 401, meaning: 'Init data with a bad or missing hash (or signature), or too old an auth_date.' },
  invalid_login_data: { status: 401, meaning: 'Telegram Login Widget data with a bad or missing hash, an auth_date older than AUTH_MAX_AGE_S (or in the future), or a malformed user.' },
  token_expired: { status: 401, meaning: 'The access token has expired: refresh it and repeat the call.' },
  payment_required: { status: 402, meaning: 'The action is paid for in Telegram Stars (POST /payments/invoice) and the caller has none of it left, nor premium that includes it.' },
  forbidden: { status: 403, meaning: 'Authenticated but not allowed.' },
  not_found: { status: 404, meaning: 'No such thing, or one the caller may not see: the two are never told apart.' },
  method_not_allowed: { status: 405, meaning: 'The path exists but not with this method.' },
  request_timeout: { status: 408, meaning: 'The request (headers or body) took too long to arrive.' },
  conflict: { status: 409, meaning: 'The request clashes with the current state.' },
  nothing_to_rewind: { status: 409, meaning: "Rewind: the caller's last swipe is not a pass of the last 24 hours (a like or superlike is never undone), there is none, or its profile is no longer shown. Nothing was spent." },
  opener_not_unique: { status: 409, meaning: "Chat: a conversation's first message that copies an opener the sender used lately (CHAT_OPENER_WINDOW_DAYS); write another." },
  needs_confirmation: { status: 409, meaning: 'Chat: the offensive-language filter flagged the text; send it again with confirm: true to send it anyway.' },
  payload_too_large: { status: 413, meaning: 'The body is over its limit (MEDIA_MAX_BYTES for uploads, MEDIA_MAX_VIDEO_BYTES for video clips, 1 MB for JSON).' },
  unsupported_media_type: {
    status: 415,
    meaning: 'An upload that is not a supported image, video clip or voice note by its content (or codec), or a JSON route sent another media type.',
  },
  range_not_satisfiable: { status: 416, meaning: 'A Range outside the served file (Content-Range: bytes */size says its size).' },
  rate_limited: { status: 429, meaning: 'Too many requests or events in a window; wait Retry-After seconds (details.retry_after_s).' },
  quota_exceeded: { status: 429, meaning: 'A quota is used up; Retry-After says when room frees up.' },
  headers_too_large: { status: 431, meaning: 'The request line and headers are over 16 KB.' },
  internal_error: { status: 500, meaning: 'A bug; details.request_id names the request in the logs.' },
  bad_gateway: { status: 502, meaning: 'The gateway got no valid answer from a service.' },
  service_unavailable: { status: 503, meaning: 'PostgreSQL or Redis cannot be reached, or (gateway) the service is down; retry after Retry-After.' },
  gateway_timeout: { status: 504, meaning: 'A service did not answer the gateway within GATEWAY_TIMEOUT_MS.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What any route may answer: a request too slow or too large to read, a bug, a store or service that is down, a gateway that got no answer. */
export const ANY_ROUTE_ERRORS: ErrorCode[] = ['request_timeout', 'headers_too_large', 'internal_error', 'bad_gateway', 'service_unavailable', 'gateway_timeout'];
/** What a route behind a bearer token may answer besides its own errors. */
export const AUTHENTICATED_ERRORS: ErrorCode[] = ['unauthorized', 'token_expired'];
/** What the body parser answers before any route that takes a body (shared/http/app.ts parses POST, PUT, PATCH and DELETE). */
export const BODY_PARSER_ERRORS: ErrorCode[] = ['validation_failed', 'payload_too_large', 'unsupported_media_type'];
