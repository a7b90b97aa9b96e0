// The owner's profile clip: record one with the camera or pick a file, watch
// the upload's progress, then "Processing…" until `media:moderated` says how
// moderation went; the approved clip plays muted in a loop, as others see it
// on the discovery card. One clip per profile: a new one replaces the old.
import { errorText, type App } from '../app.js';
import type { PhotoStatus } from '../contract.js';
import { announce, h, replaceChildren, toast } from '../dom.js';
import { ApiError } from '../http.js';
import { uploadWithProgress } from '../upload.js';
import { moderationNotice, profileSection } from './section.js';

const ACCEPT = 'video/mp4,video/quicktime,video/webm';

interface ClipMedia {
  id: string;
  status: PhotoStatus;
  profile_video: boolean;
  video: { url_720: string; url_480: string; poster_url: string; duration_s: number } | null;
}

type State =
  | { kind: 'none' }
  | { kind: 'uploading'; preview: string; percent: number }
  | { kind: 'processing'; id: string; preview?: string }
  | { kind: 'done'; media: ClipMedia; preview?: string };

const STATUS_TEXT: Partial<Record<PhotoStatus, string>> = { review: 'In review', rejected: 'Rejected: choose another clip' };

function refusal(err: unknown): string {
  if (!(err instanceof ApiError)) return errorText(err);
  const reason = (err.details as { reason?: string } | undefined)?.reason;
  if (err.status === 413) return 'That clip is too large.';
  if (err.status === 415) return 'That file is not a video we can use (MP4, MOV or WebM).';
  if (err.code === 'invalid_video' && reason === 'too_long') return 'Clips can be at most 15 seconds long.';
  if (err.code === 'invalid_video' && reason === 'too_large') return 'That clip is larger than 4K.';
  if (err.code === 'invalid_video') return 'That clip cannot be played: it may be damaged.';
  return errorText(err);
}

function looping(src: string, poster: string | undefined, label: string) {
  // Muted, inline and looping: how it shows on the discovery card.
  const v = h('video', { src, muted: '', loop: '', autoplay: '', playsinline: '', preload: 'metadata', 'aria-label': label, width: '320', height: '320' });
  if (poster) v.setAttribute('poster', poster);
  v.muted = true;
  return v;
}

export function clipSection(app: App) {
  let state: State = { kind: 'none' };
  // render and load are defined below; the section calls them only once enabled.
  const section = profileSection(app, () => render(), () => load());
  const early = new Map<string, PhotoStatus>(); // moderated before the upload call returned
  const body = h('div', { class: 'clip-body' });
  const pick = h('input', { type: 'file', id: 'clip-input', class: 'sr-only', accept: ACCEPT, tabindex: '-1', 'aria-label': 'Choose a clip' });
  const record = h('input', { type: 'file', id: 'clip-record', class: 'sr-only', accept: 'video/*', capture: 'user', tabindex: '-1', 'aria-label': 'Record a clip' });
  const el = h('section', { class: 'card clip', 'aria-labelledby': 'clip-h' }, h('h2', { id: 'clip-h' }, 'Clip'), body, pick, record);

  const keyOpen = (input: HTMLInputElement) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.click();
    }
  };
  const chooser = (again: boolean) =>
    h(
      'div',
      { class: 'clip-actions' },
      h('label', { for: 'clip-record', class: 'btn', tabindex: '0', role: 'button', onkeydown: keyOpen(record) }, again ? 'Record another' : 'Record a clip'),
      h('label', { for: 'clip-input', class: 'btn secondary', tabindex: '0', role: 'button', onkeydown: keyOpen(pick) }, again ? 'Choose another' : 'Choose a clip'),
    );

  const render = () => {
    if (!section.enabled) return replaceChildren(body, h('p', { class: 'hint' }, 'Save your profile first, then add a clip.'));
    switch (state.kind) {
      case 'none':
        return replaceChildren(body, h('p', { class: 'hint' }, 'A clip of up to 15 seconds plays, muted, on your card.'), chooser(false));
      case 'uploading':
        return replaceChildren(
          body,
          looping(state.preview, undefined, 'Your clip (uploading)'),
          h('label', { for: 'clip-progress', class: 'clip-status' }, `Uploading… ${state.percent}%`),
          h('progress', { id: 'clip-progress', max: '100', value: String(state.percent) }),
        );
      case 'processing':
        return replaceChildren(
          body,
          state.preview ? looping(state.preview, undefined, 'Your clip (processing)') : null,
          h('label', { for: 'clip-progress', class: 'clip-status', 'data-status': 'pending' }, 'Processing…'),
          h('progress', { id: 'clip-progress', max: '100' }),
        );
      case 'done': {
        const m = state.media;
        const video = m.status === 'approved' && m.video ? looping(m.video.url_480, m.video.poster_url, 'Your clip') : state.preview ? looping(state.preview, undefined, 'Your clip') : null;
        return replaceChildren(
          body,
          h('div', { class: 'clip-view', 'data-status': m.status }, video, STATUS_TEXT[m.status] ? h('p', { class: 'clip-status' }, STATUS_TEXT[m.status]!) : null),
          h('div', { class: 'clip-actions' }, h('button', { class: 'btn secondary', type: 'button', onclick: () => void remove() }, 'Remove clip')),
          chooser(true),
        );
      }
    }
  };

  const previewOf = () => (state.kind === 'uploading' || state.kind === 'processing' || state.kind === 'done' ? state.preview : undefined);

  const show = async (id: string) => {
    const media = await app.api.get<ClipMedia>(`/media/${id}`);
    if (media.status === 'pending') state = { kind: 'processing', id, preview: previewOf() };
    else state = { kind: 'done', media, preview: previewOf() };
    render();
  };

  const load = async () => {
    try {
      const res = await app.api.get<{ media: ClipMedia[] }>(`/media/user/${app.userId}`);
      const clip = res.media.find((m) => m.profile_video);
      state = !clip ? { kind: 'none' } : clip.status === 'pending' ? { kind: 'processing', id: clip.id } : { kind: 'done', media: clip };
      render();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) toast(errorText(err), 'error');
    }
  };

  const upload = async (file: File) => {
    const before = state;
    const preview = URL.createObjectURL(file);
    state = { kind: 'uploading', preview, percent: 0 };
    render();
    const form = new FormData();
    form.append('kind', 'video');
    form.append('file', file, file.name);
    try {
      const res = await uploadWithProgress<{ id: string; status: PhotoStatus }>(app.session, '/media/upload', form, (sent, total) => {
        if (state.kind !== 'uploading' || !total) return;
        state.percent = Math.min(100, Math.round((sent / total) * 100));
        const bar = body.querySelector('progress');
        if (bar) bar.value = state.percent;
        const label = body.querySelector('.clip-status');
        if (label) label.textContent = `Uploading… ${state.percent}%`;
      });
      await app.api.post(`/profiles/${app.userId}/video`, { media_id: res.id });
      state = { kind: 'processing', id: res.id, preview };
      render();
      announce('Clip uploaded. Processing it now.');
      if ((early.get(res.id) ?? res.status) !== 'pending') await show(res.id);
    } catch (err) {
      URL.revokeObjectURL(preview);
      state = before;
      render();
      toast(refusal(err), 'error');
    }
  };

  const remove = async () => {
    try {
      await app.api.del(`/profiles/${app.userId}/video`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) return toast(errorText(err), 'error');
    }
    const p = previewOf();
    if (p) URL.revokeObjectURL(p);
    state = { kind: 'none' };
    render();
    announce('Clip removed.');
  };

  for (const input of [pick, record]) {
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      input.value = '';
      if (file) void upload(file);
    });
  }

  const offModerated = app.rt.on('media:moderated', ({ id, status }) => {
    if (state.kind !== 'processing' || state.id !== id) {
      early.set(id, status);
      return;
    }
    announce(moderationNotice('clip', status));
    void show(id).catch((err) => toast(errorText(err), 'error'));
  });

  render();
  return {
    el,
    enable: section.enable,
    dispose() {
      offModerated();
      section.dispose();
      const p = previewOf();
      if (p) URL.revokeObjectURL(p);
    },
  };
}
