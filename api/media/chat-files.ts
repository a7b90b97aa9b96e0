// Files of chat attachments (shared/chat-attachments.ts): served under
// MEDIA_PUBLIC_URL as chat/{message_id}/{file}?exp=&sig= to whoever holds a
// signed URL that has not expired, while the message's conversation is live.
// `preview` is the blurred preview of a photo, made with sharp on its first
// request and kept under its own content-addressed key.
import sharp from 'sharp';
import type { Knex } from 'knex';
import type { Config } from '../../shared/config.js';
import { ATTACHMENT_FILES, liveAttachment, verifyAttachmentSignature, type AttachmentFile } from '../../shared/chat-attachments.js';
import type { StoredAvFiles, StoredVariants } from '../../shared/media-urls.js';
import { blurredPreviewKey, type Storage } from '../../shared/storage/index.js';
import type { ServedFile } from './service.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHAT_PATH_RE = /^chat\/([^/]+)\/([a-z]+)$/;

export interface ChatFileRequest {
  messageId: string;
  file: AttachmentFile;
  exp: number;
}

/** The parts of a chat/… key with a valid signature; null for anything else (a 404, never telling why). */
export function parseChatFile(config: Pick<Config, 'jwt'>, key: string, query: Record<string, unknown>): ChatFileRequest | null | undefined {
  const m = CHAT_PATH_RE.exec(key);
  if (!key.startsWith('chat/')) return undefined;
  if (!m || !UUID_RE.test(m[1]) || !(ATTACHMENT_FILES as string[]).includes(m[2])) return null;
  const exp = Number(query.exp);
  const sig = typeof query.sig === 'string' ? query.sig : '';
  const file = m[2] as AttachmentFile;
  if (!verifyAttachmentSignature(config, m[1].toLowerCase(), file, exp, sig)) return null;
  return { messageId: m[1].toLowerCase(), file, exp };
}

const PREVIEW_WIDTH = 320;

async function blurredPreview(storage: Storage, sha256: string, sourceKey: string): Promise<string | null> {
  const key = blurredPreviewKey(sha256);
  if (await storage.exists(key)) return key;
  const source = await storage.read(sourceKey);
  if (!source) return null;
  // Down to a few pixels first: nothing of the photo survives, whatever the blur radius.
  const tiny = await sharp(source).resize({ width: 24 }).toBuffer();
  const out = await sharp(tiny).resize({ width: PREVIEW_WIDTH }).blur(8).webp({ quality: 60 }).toBuffer();
  await storage.put(key, out, 'image/webp');
  return key;
}

/** The file to serve for a verified request, or null (404) when the conversation is no longer live or the file is gone. */
export async function servedChatFile(db: Knex, storage: Storage, req: ChatFileRequest): Promise<ServedFile | null> {
  const a = await liveAttachment(db, req.messageId);
  if (!a) return null;
  if (a.kind === 'voice') {
    const voice = (a.variants as StoredAvFiles | null)?.voice;
    if (req.file !== 'file' || !voice) return null;
    return { etag: `"${voice.sha256}"`, contentType: 'audio/webm', size: voice.size, open: (range) => storage.open(voice.key, range) };
  }
  if (a.kind !== 'image') return null;
  const v = (a.variants ?? {}) as StoredVariants;
  const best = v.large ?? v.medium ?? v.thumb;
  if (!best) return null;
  if (req.file === 'file') return { etag: `"${best.key.slice(best.key.lastIndexOf('/') + 1, -5)}"`, contentType: 'image/webp', open: () => storage.open(best.key) };
  const key = await blurredPreview(storage, a.sha256, (v.medium ?? best).key);
  if (!key) return null;
  return { etag: `"blur-${a.sha256}"`, contentType: 'image/webp', open: () => storage.open(key) };
}
