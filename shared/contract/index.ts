// The REST contract's response shapes: one zod schema each, the TypeScript
// types inferred from it. The server shapes its answers by them, the web
// client imports the types only (erased from its bundle), and the OpenAPI
// document (openapi.ts) is generated from the same schemas.
export * from './common.js';
export * from './profiles.js';
export * from './chat.js';
export * from './discovery.js';
export * from './media.js';
export * from './auth.js';
export * from './admin.js';
export * from './socket.js';
