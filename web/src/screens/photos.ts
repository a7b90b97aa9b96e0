// The owner's photos: upload (multipart `file`), remove, and the moderation
// status that arrives live as `media:moderated`. Tiles are fixed squares, so
// a status change or a finished upload never moves anything.
import { errorText, type App } from '../app.js';
import type { OwnPhoto, PhotoStatus } from '../contract.js';
import { announce, h, replaceChildren, toast } from '../dom.js';
import { ApiError } from '../http.js';
import { moderationNotice, profileSection } from './section.js';

const MAX_PHOTOS = 6;
const STATUS_TEXT: Record<PhotoStatus | 'uploading', string> = {
  uploading: 'Uploading…',
  pending: 'Checking…',
  review: 'In review',
  approved: 'Approved',
  rejected: 'Rejected',
};

interface Tile {
  id: string;
  status: PhotoStatus | 'uploading';
  src: string | null;
  /** Local preview while the server has no variants yet. */
  preview?: string;
}

export function photosSection(app: App) {
  let tiles: Tile[] = [];
  // render and load are defined below; the section calls them only once enabled.
  const section = profileSection(app, () => render(), () => load());
  const early = new Map<string, PhotoStatus>(); // moderated before the upload call returned
  const grid = h('ul', { class: 'photo-grid', 'aria-label': 'Your photos' });
  const note = h('p', { class: 'hint', id: 'photos-note' });
  const input = h('input', {
    type: 'file',
    id: 'photo-input',
    class: 'sr-only',
    'aria-label': 'Add a photo',
    tabindex: '-1', // reached through the "Add photo" tile
    accept: 'image/jpeg,image/png,image/webp,image/heic,image/avif',
  });
  const el = h('section', { class: 'card', 'aria-labelledby': 'photos-h' }, h('h2', { id: 'photos-h' }, 'Photos'), note, grid, input);

  const render = () => {
    const items = tiles.map((t) => {
      const src = t.src ?? t.preview;
      return h(
        'li',
        { class: `photo ${t.status}`, 'data-photo-id': t.id, 'data-status': t.status },
        src ? h('img', { src, alt: 'Your photo', width: '160', height: '160', decoding: 'async' }) : h('div', { class: 'photo-empty', 'aria-hidden': 'true' }),
        h('span', { class: 'photo-status' }, STATUS_TEXT[t.status]),
        t.status === 'uploading'
          ? null
          : h('button', { class: 'photo-remove', type: 'button', 'aria-label': 'Remove this photo', onclick: () => void remove(t) }, '×'),
      );
    });
    if (section.enabled && tiles.length < MAX_PHOTOS) {
      items.push(h('li', { class: 'photo add' }, h('label', { for: 'photo-input', class: 'photo-add', tabindex: '0', role: 'button', onkeydown: keyOpen }, h('span', { 'aria-hidden': 'true' }, '+'), 'Add photo')));
    }
    replaceChildren(grid, items);
    note.textContent = !section.enabled
      ? 'Save your profile first, then add photos.'
      : tiles.some((t) => t.status === 'approved')
        ? 'Only approved photos are shown to others.'
        : 'Add at least one photo. Each is checked before others can see it.';
  };

  function keyOpen(e: KeyboardEvent) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.click();
    }
  }

  const load = async () => {
    try {
      const res = await app.api.get<{ photos: OwnPhoto[] }>(`/profiles/${app.userId}/photos`);
      const previews = new Map(tiles.map((t) => [t.id, t.preview]));
      const uploading = tiles.filter((t) => t.status === 'uploading');
      tiles = [
        ...res.photos.map((p) => ({ id: p.id, status: p.status, src: p.urls.thumb ?? p.urls.medium, preview: previews.get(p.id) })),
        ...uploading,
      ];
      render();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) toast(errorText(err), 'error');
    }
  };

  const upload = async (file: File) => {
    const temp: Tile = { id: `local-${Date.now()}`, status: 'uploading', src: null, preview: URL.createObjectURL(file) };
    tiles.push(temp);
    render();
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const res = await app.api.post<{ id: string; status: PhotoStatus }>(`/profiles/${app.userId}/photos`, form);
      temp.id = res.id;
      temp.status = early.get(res.id) ?? res.status ?? 'pending';
      render();
      announce('Photo uploaded. Checking it now.');
      if (temp.status === 'approved') void load();
    } catch (err) {
      tiles = tiles.filter((t) => t !== temp);
      URL.revokeObjectURL(temp.preview!);
      render();
      const text =
        err instanceof ApiError && err.status === 413
          ? 'That photo is too large.'
          : err instanceof ApiError && err.status === 415
            ? 'That file is not a photo we can use (JPEG, PNG, WebP, HEIC or AVIF).'
            : errorText(err);
      toast(text, 'error');
    }
  };

  const remove = async (t: Tile) => {
    try {
      await app.api.del(`/profiles/${app.userId}/photos/${t.id}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) return toast(errorText(err), 'error');
    }
    tiles = tiles.filter((x) => x !== t);
    if (t.preview) URL.revokeObjectURL(t.preview);
    render();
    announce('Photo removed.');
    grid.querySelector<HTMLElement>('.photo-add, .photo-remove')?.focus();
  };

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (file) void upload(file);
  });

  const offModerated = app.rt.on('media:moderated', ({ id, status }) => {
    const t = tiles.find((x) => x.id === id);
    if (!t) {
      early.set(id, status);
      return;
    }
    t.status = status;
    render();
    announce(moderationNotice('photo', status));
    if (status === 'approved') void load(); // fetch the variant URLs
  });

  render();
  return {
    el,
    enable: section.enable,
    dispose() {
      offModerated();
      section.dispose();
      for (const t of tiles) if (t.preview) URL.revokeObjectURL(t.preview);
    },
  };
}
