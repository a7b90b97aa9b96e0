// The moderator console: plain DOM over the admin API (/admin/*), no build
// step. Sign-in is through Telegram: the init data the bot's Mini App gets
// (Telegram.WebApp.initData, or #tgWebAppData=… in the address, as Telegram
// passes it) is exchanged at POST /auth/token; in a plain browser, the
// Telegram Login Widget's login link comes back to this page with its fields
// in the query (?id=…&auth_date=…&hash=…), exchanged at POST
// /auth/telegram-login. A session the web client already holds in this tab is
// used as it is. Whatever the API answers 403
// shows the "admins only" screen. Everything users wrote is put in the page
// as text, never as HTML.

const SESSION_KEY = 'tgd.session';
// A fallback: new review items arrive live (admin:review on the socket) while it is connected.
const QUEUE_POLL_MS = 10_000;
// The realtime tier's Socket.IO path (realtime/events.ts SOCKET_PATH).
const SOCKET_PATH = '/chat/connect';
const $ = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

class Forbidden extends Error {}
class SignedOut extends Error {}

// --- session -------------------------------------------------------------------

function initData() {
  const tg = window.Telegram?.WebApp?.initData;
  if (tg) return tg;
  return new URLSearchParams(location.hash.slice(1)).get('tgWebAppData') ?? '';
}

/** The Telegram Login Widget's fields, when its login link has just sent the browser here; null otherwise. */
function loginLinkFields() {
  const q = new URLSearchParams(location.search);
  return q.has('id') && q.has('hash') ? Object.fromEntries(q) : null;
}

/** The bot the Telegram Login Widget signs in with (BOT_USERNAME, put in the page by the server); empty without one. */
const loginBot = () => document.querySelector('meta[name="telegram-login-bot"]')?.content ?? '';

const postJson = (path, body) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const session = {
  get() {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    } catch {
      return null;
    }
  },
  set(pair) {
    if (pair) sessionStorage.setItem(SESSION_KEY, JSON.stringify(pair));
    else sessionStorage.removeItem(SESSION_KEY);
  },
  /** One login at a time: calls made together while signed out share it. */
  login() {
    this.pending ??= this.exchange().finally(() => {
      this.pending = null;
    });
    return this.pending;
  },
  pending: null,
  async exchange() {
    const fields = loginLinkFields();
    const data = fields ? '' : initData();
    if (!fields && !data) throw new SignedOut();
    const res = await (fields ? postJson('/auth/telegram-login', fields) : postJson('/auth/token', { init_data: data }));
    // Init data and the login link's fields are credentials: out of the address bar once used.
    if (location.hash || location.search) history.replaceState(null, '', location.pathname);
    if (!res.ok) throw new SignedOut(fields ? 'The Telegram login link has expired or is not valid: sign in again.' : '');
    const body = await res.json();
    this.set({ access_token: body.access_token, refresh_token: body.refresh_token });
  },
  async refresh() {
    const s = this.get();
    if (!s?.refresh_token) return false;
    const res = await fetch('/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: s.refresh_token }) });
    if (!res.ok) {
      this.set(null);
      return false;
    }
    const body = await res.json();
    this.set({ access_token: body.access_token, refresh_token: body.refresh_token });
    return true;
  },
};

/** A request to the admin API with the session's token: one refresh on 401, Forbidden on 403. */
async function send(method, path, body) {
  if (!session.get()) await session.login();
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${session.get()?.access_token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status === 401 && attempt === 0 && (await session.refresh())) continue;
    if (res.status === 401) {
      session.set(null);
      throw new SignedOut();
    }
    if (res.status === 403) throw new Forbidden();
    return res;
  }
}

/** A JSON call to the admin API; the error's message when it fails. */
async function api(method, path, body) {
  const res = await send(method, path, body);
  const json = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error(json?.error?.message ?? `HTTP ${res.status}`);
  return json;
}

// Media in review is served by the admin API only (GET /admin/media/{id}/{variant}),
// which needs the token: <img> and <video> cannot send it, so the file is fetched
// and shown from an object URL, made once per path while its item is in the queue.
const files = new Map();

function authorisedFile(path) {
  if (!files.has(path)) {
    const url = send('GET', path).then(async (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return URL.createObjectURL(await res.blob());
    });
    url.catch(() => files.delete(path));
    files.set(path, url);
  }
  return files.get(path);
}

/** Sets `attr` of `el` to the file at `path` once it has loaded. */
function showFile(el, attr, path) {
  if (!path) return el;
  authorisedFile(path).then((url) => el.setAttribute(attr, url), showError);
  return el;
}

/** Frees the object URLs of items no longer in the queue. */
function forgetFiles(paths) {
  for (const [path, url] of files) {
    if (paths.has(path)) continue;
    files.delete(path);
    url.then((u) => URL.revokeObjectURL(u), () => {});
  }
}

const filePaths = (m) => [m.urls.thumb, m.urls.medium, m.urls.large, m.video?.poster_url, m.video?.url_720, m.video?.url_480].filter(Boolean);

// --- screens -------------------------------------------------------------------

const state = { tab: 'queue', photos: [], users: [], selected: 0, poll: null };

function say(text) {
  $('status').textContent = text;
}

function showError(err) {
  if (err instanceof Forbidden) return forbidden();
  if (err instanceof SignedOut) return signedOut(err.message);
  say(`Something went wrong: ${err.message}`);
}

function forbidden() {
  stopPolling();
  stopListening();
  $('tabs').hidden = true;
  say('');
  $('view').replaceChildren(
    h('h2', {}, '403: admins only'),
    h('p', { class: 'forbidden' }, 'Your Telegram account is not one of this platform’s admins. Ask an operator to add your Telegram id to ADMIN_TELEGRAM_IDS.'),
  );
}

function signedOut(problem = '') {
  stopPolling();
  stopListening();
  $('tabs').hidden = true;
  say(problem);
  const bot = loginBot();
  $('view').replaceChildren(
    h('h2', {}, 'Sign in through Telegram'),
    h('p', {}, 'Open the console from the bot (its menu button opens it as a Mini App), or sign in here with your Telegram account.'),
    bot ? loginWidget(bot) : h('p', { class: 'hint' }, 'The Telegram login button appears here once the bot’s username (BOT_USERNAME) is configured.'),
  );
}

/**
 * Telegram's login button, as its login link: Telegram sends the browser back
 * to this page with the signed fields in the query, which login() exchanges.
 */
function loginWidget(bot) {
  const script = h('script', { async: true, src: 'https://telegram.org/js/telegram-widget.js?22' });
  Object.assign(script.dataset, { telegramLogin: bot, size: 'large', authUrl: `${location.origin}${location.pathname}` });
  return h('div', { class: 'login' }, script);
}

function stopPolling() {
  clearInterval(state.poll);
  state.poll = null;
}

async function show(tab) {
  state.tab = tab;
  stopPolling();
  for (const b of document.querySelectorAll('#tabs button')) b.setAttribute('aria-current', b.dataset.tab === tab ? 'page' : 'false');
  try {
    await { queue: showQueue, reports: showReports, bans: showBans, audit: showAudit }[tab]();
    $('tabs').hidden = false;
  } catch (err) {
    showError(err);
  }
}

// --- the queue of media in review ------------------------------------------------

async function loadQueue() {
  const [photos, users] = await Promise.all([api('GET', '/admin/queue?kind=photo&limit=200'), api('GET', '/admin/queue?kind=user&limit=200')]);
  state.users = users.items;
  // Items already on screen keep their place; new ones join at the end in priority order (the queue keeps up live).
  const known = new Set(state.photos.map((p) => p.id));
  const fresh = photos.items.filter((p) => !known.has(p.id));
  const current = new Set(photos.items.map((p) => p.id));
  state.photos = [...state.photos.filter((p) => current.has(p.id)), ...fresh];
  forgetFiles(new Set(state.photos.flatMap((p) => filePaths(p.media))));
}

function reportsAgainst(userId) {
  return state.users.find((u) => u.user.user_id === userId)?.open_reports ?? 0;
}

const DECIDED = { dismiss: 'dismissed', warn: 'warned', ban: 'banned' };

/** The reports against a user, any status, newest first (collapsed: it can be long). */
function reportHistory(entries, whose) {
  return h(
    'details',
    { class: 'history' },
    h('summary', {}, `Report history of ${whose} (${entries.length})`),
    entries.length
      ? h(
          'ol',
          { 'aria-label': `Reports against ${whose}` },
          entries.map((r) =>
            h(
              'li',
              {},
              h('strong', {}, r.reason),
              ` · ${r.status} · ${new Date(r.created_at).toLocaleString()} · reporter ${r.reporter}`,
              r.has_message ? ' · about a message' : '',
              r.decision
                ? h('span', { class: 'hint' }, ` — ${DECIDED[r.decision.action]}${r.decision.reviewed_at ? ` ${new Date(r.decision.reviewed_at).toLocaleString()}` : ''}${r.decision.note ? `: ${r.decision.note}` : ''}`)
                : '',
            ),
          ),
        )
      : h('p', {}, 'No reports.'),
  );
}

function photoCard(item, index) {
  const m = item.media;
  const name = item.owner.display_name ?? 'No profile yet';
  const scores = Object.entries(m.nsfw_scores ?? {}).sort((a, b) => b[1] - a[1]);
  const picture = m.video
    ? showFile(showFile(h('video', { controls: true, muted: true, preload: 'metadata', 'aria-label': `Clip by ${name}` }), 'poster', m.video.poster_url), 'src', m.video.url_480)
    : showFile(h('img', { alt: `Photo by ${name}` }), 'src', m.urls.medium ?? m.urls.thumb ?? m.urls.large);
  return h(
    'li',
    { class: 'card', tabindex: index === state.selected ? '0' : '-1', 'aria-current': String(index === state.selected), dataset: { id: m.id }, onfocus: () => select(index, false) },
    picture,
    h('h3', {}, name, item.owner.banned ? ' (banned)' : ''),
    h(
      'dl',
      { class: 'scores', 'aria-label': 'NSFW scores' },
      h('dt', {}, 'NSFW'),
      h('dd', {}, m.nsfw_score === null ? 'not scored' : m.nsfw_score.toFixed(2)),
      scores.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v.toFixed(2))]),
    ),
    h('p', { class: 'hint' }, `${m.is_profile_photo ? 'Profile photo' : 'Upload'} · ${m.width ?? '?'}×${m.height ?? '?'} · ${reportsAgainst(m.owner_id)} open reports against the owner`),
    reportHistory(item.report_history, name),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'approve', onclick: () => decide(index, 'approve') }, 'Approve (A)'),
      h('button', { type: 'button', class: 'danger', onclick: () => decide(index, 'reject') }, 'Reject (R)'),
      h('button', { type: 'button', onclick: () => decide(index, 'skip') }, 'Skip (S)'),
    ),
  );
}

function renderQueue() {
  state.selected = Math.min(state.selected, Math.max(state.photos.length - 1, 0));
  const heading = h('h2', {}, `Media in review (${state.photos.length})`);
  if (!state.photos.length) {
    $('view').replaceChildren(heading, h('p', {}, 'Nothing waits for review. New items appear here as they arrive.'));
    return;
  }
  $('view').replaceChildren(
    heading,
    h('p', { class: 'hint' }, 'Keys: A approve, R reject, S skip, arrows or J/K to move.'),
    h('ul', { class: 'grid', 'aria-label': 'Queue' }, state.photos.map(photoCard)),
  );
}

function select(index, focus = true) {
  if (index < 0 || index >= state.photos.length) return;
  state.selected = index;
  const cards = document.querySelectorAll('.card');
  cards.forEach((c, i) => {
    c.setAttribute('aria-current', String(i === index));
    c.tabIndex = i === index ? 0 : -1;
  });
  if (focus) cards[index]?.focus();
}

async function showQueue() {
  say('Loading the queue…');
  await loadQueue();
  say('');
  renderQueue();
  document.querySelector('.card')?.focus();
  state.poll = setInterval(refreshQueue, QUEUE_POLL_MS);
  listen();
}

/** Reloads the queue and redraws it when it changed (not under an open dialog). */
async function refreshQueue() {
  if (state.tab !== 'queue' || document.querySelector('dialog[open]')) return;
  try {
    const before = state.photos.map((p) => p.id).join();
    await loadQueue();
    if (state.photos.map((p) => p.id).join() !== before) {
      renderQueue();
      select(state.selected);
    }
  } catch (err) {
    showError(err);
  }
}

/**
 * The live queue: a socket to the realtime tier that asks for admin:review
 * (let in only for admins), opened once the queue has loaded. Each event
 * reloads the queue; the poll above covers the time it is disconnected.
 */
let socket = null;
function listen() {
  if (socket || typeof window.io !== 'function') return;
  socket = window.io({ path: SOCKET_PATH, auth: (cb) => cb({ token: session.get()?.access_token, admin: true }) });
  socket.on('admin:review', () => refreshQueue());
  // The server closes a socket whose token ran out: a fresh token, and in again.
  socket.on('disconnect', async (reason) => {
    document.body.removeAttribute('data-live');
    if (reason === 'io server disconnect' && (await session.refresh())) socket.connect();
  });
  socket.on('connect', () => document.body.setAttribute('data-live', 'true'));
}

function stopListening() {
  socket?.close();
  socket = null;
}

function askReason() {
  const dialog = $('reject-dialog');
  $('reject-reason').value = '';
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' ? $('reject-reason').value.trim() : null), { once: true });
  });
}

async function decide(index, action) {
  const item = state.photos[index];
  if (!item) return;
  if (action === 'skip') {
    // To the end of the list: seen, not decided.
    state.photos.splice(index, 1);
    state.photos.push(item);
    renderQueue();
    select(Math.min(index, state.photos.length - 1));
    say(`Skipped the photo by ${item.owner.display_name ?? 'a user without a profile'}.`);
    return;
  }
  let body;
  if (action === 'reject') {
    const reason = await askReason();
    if (!reason) return select(index);
    body = { reason };
  }
  try {
    await api('POST', `/admin/media/${item.media.id}/${action}`, body);
    state.photos.splice(index, 1);
    renderQueue();
    select(Math.min(index, state.photos.length - 1));
    say(action === 'approve' ? 'Approved.' : `Rejected: ${body.reason}.`);
  } catch (err) {
    showError(err);
  }
}

document.addEventListener('keydown', (e) => {
  if (state.tab !== 'queue' || document.querySelector('dialog[open]') || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  const key = e.key.toLowerCase();
  const moves = { arrowright: 1, arrowdown: 1, j: 1, arrowleft: -1, arrowup: -1, k: -1 };
  if (key in moves) {
    e.preventDefault();
    select(state.selected + moves[key]);
  } else if (key === 'a' || key === 'r' || key === 's') {
    e.preventDefault();
    decide(state.selected, { a: 'approve', r: 'reject', s: 'skip' }[key]);
  }
});

// --- reports -----------------------------------------------------------------------

function confirmBan(name) {
  const dialog = $('ban-dialog');
  $('ban-name').textContent = name;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

async function review(user, report, action) {
  const name = user.user.display_name ?? 'this user';
  if (action === 'ban' && !(await confirmBan(name))) return;
  try {
    const out = await api('POST', `/admin/reports/${report.id}/review`, { action });
    const done = { dismiss: 'Dismissed the report', warn: `Warned ${name}`, ban: `Banned ${name}: ${out.ban?.sessions_revoked ?? 0} sessions revoked, profile hidden` }[action];
    await showReports();
    say(`${done}.`);
  } catch (err) {
    showError(err);
  }
}

async function showReports() {
  say('Loading reports…');
  const { items } = await api('GET', '/admin/queue?kind=user&limit=200');
  say('');
  const heading = h('h2', {}, `Reported users (${items.length})`);
  if (!items.length) return $('view').replaceChildren(heading, h('p', {}, 'No open reports.'));
  $('view').replaceChildren(
    heading,
    ...items.map((u) => {
      const name = u.user.display_name ?? 'No profile yet';
      return h(
        'article',
        { class: 'report', 'aria-label': `Reports against ${name}` },
        h('h3', {}, name, u.user.banned ? ' (banned)' : ''),
        h('p', { class: 'hint' }, `${u.open_reports} open reports from ${u.reporters} people · ${u.flagged_messages} messages sent past the language filter · user ${u.user.user_id}`),
        reportHistory(u.report_history, name),
        u.reports.map((r) =>
          h(
            'section',
            { 'aria-label': `Report: ${r.reason}` },
            h('p', {}, h('strong', {}, r.reason), r.details ? ` — ${r.details}` : '', ` (${new Date(r.created_at).toLocaleString()})`),
            r.evidence
              ? h('figure', {}, h('blockquote', {}, r.evidence.body ?? '(no text)'), h('figcaption', { class: 'hint' }, `Message #${r.evidence.seq}, ${new Date(r.evidence.created_at).toLocaleString()}${r.evidence.edited_at ? ', edited' : ''}${r.evidence.flagged ? ', sent past the language filter' : ''}${evidenceAttachment(r.evidence.attachment)}`))
              : h('p', { class: 'hint' }, 'No message given as evidence.'),
            r.evidence ? conversationExcerpt(r) : '',
            h(
              'div',
              { class: 'actions' },
              h('button', { type: 'button', onclick: () => review(u, r, 'dismiss') }, 'Dismiss'),
              h('button', { type: 'button', onclick: () => review(u, r, 'warn') }, 'Warn'),
              h('button', { type: 'button', class: 'danger', onclick: () => review(u, r, 'ban') }, 'Ban'),
            ),
          ),
        ),
      );
    }),
  );
}

/** What a reported message carried besides its text (the file itself is in the conversation below, kept after an unsend). */
function evidenceAttachment(a) {
  if (!a) return '';
  return a.kind === 'voice' ? ', with a voice note' : a.blurred ? ', with a photo that arrived blurred (NSFW score above the chat threshold)' : ', with a photo';
}

/**
 * The conversation up to the reported message, as the reporter saw it
 * (GET /admin/reports/{id}/conversation), filled in once it has loaded.
 */
function conversationExcerpt(report) {
  const list = h('ol', { class: 'excerpt', 'aria-label': 'Messages up to the reported one' });
  const summary = h('summary', {}, 'The conversation before the report (loading…)');
  api('GET', `/admin/reports/${report.id}/conversation`).then(({ messages }) => {
    summary.textContent = `The conversation before the report (${messages.length} messages, as the reporter saw it)`;
    list.replaceChildren(...messages.map(excerptMessage));
  }, showError);
  return h('details', { open: true, class: 'excerpt-box' }, summary, list);
}

function excerptMessage(m) {
  const who = m.sender === 'reporter' ? 'Reporter' : 'Reported user';
  const a = m.attachment;
  const attachment = !a
    ? ''
    : a.kind === 'image'
      ? showFile(h('img', { alt: `Photo sent by the ${who.toLowerCase()}` }), 'src', a.url)
      : showFile(h(a.kind === 'voice' ? 'audio' : 'video', { controls: true, preload: 'metadata', 'aria-label': `${a.kind === 'voice' ? 'Voice note' : 'Clip'} sent by the ${who.toLowerCase()}` }), 'src', a.url);
  return h(
    'li',
    { class: `from-${m.sender}${m.reported ? ' is-reported' : ''}`, dataset: { seq: m.seq } },
    h('p', { class: 'who' }, h('strong', {}, who), ` · #${m.seq} · ${new Date(m.created_at).toLocaleString()}${m.edited_at ? ' · edited' : ''}${m.reported ? ' · reported message' : ''}`),
    m.deleted ? h('p', { class: 'hint' }, '(unsent by its sender)') : m.body ? h('p', {}, m.body) : '',
    attachment,
  );
}

// --- bans ----------------------------------------------------------------------------

async function showBans() {
  say('Loading bans…');
  const [bans, unbans] = await Promise.all([api('GET', '/admin/audit?action=user.ban&limit=500'), api('GET', '/admin/audit?action=user.unban&limit=500')]);
  say('');
  // The latest ban of each user, unless an unban came after it.
  const lifted = new Map(unbans.entries.map((e) => [e.target_id, e.id]));
  const seen = new Set();
  const current = bans.entries.filter((e) => {
    if (seen.has(e.target_id)) return false;
    seen.add(e.target_id);
    return !(lifted.get(e.target_id) > e.id);
  });
  const heading = h('h2', {}, `Bans (${current.length})`);
  if (!current.length) return $('view').replaceChildren(heading, h('p', {}, 'Nobody is banned.'));
  $('view').replaceChildren(
    heading,
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'User'), h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col' }, 'Banned'), h('th', { scope: 'col' }, h('span', { class: 'hint' }, 'Action')))),
      h(
        'tbody',
        {},
        current.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, h('code', {}, e.target_id)),
            h('td', {}, String(e.details.reason ?? '')),
            h('td', {}, new Date(e.created_at).toLocaleString()),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  onclick: async () => {
                    try {
                      await api('POST', `/admin/users/${e.target_id}/unban`);
                      await showBans();
                      say('Ban lifted.');
                    } catch (err) {
                      showError(err);
                    }
                  },
                },
                'Unban',
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

// --- the audit log -----------------------------------------------------------------

const ACTIONS = ['media.approve', 'media.reject', 'report.dismiss', 'report.warn', 'report.ban', 'user.ban', 'user.unban'];

async function showAudit(filters = {}) {
  say('Loading the audit log…');
  const q = new URLSearchParams({ limit: '200' });
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  const { entries } = await api('GET', `/admin/audit?${q}`);
  say('');
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Search the audit log',
      onsubmit: (e) => {
        e.preventDefault();
        const f = new FormData(e.target);
        showAudit({ admin_id: f.get('admin_id').trim(), action: f.get('action'), target_id: f.get('target_id').trim() }).catch(showError);
      },
    },
    h('label', {}, 'Admin id', h('input', { name: 'admin_id', value: filters.admin_id ?? '', size: 36 })),
    h('label', {}, 'Action', h('select', { name: 'action' }, h('option', { value: '' }, 'any'), ACTIONS.map((a) => h('option', { value: a, selected: filters.action === a }, a)))),
    h('label', {}, 'User or item id', h('input', { name: 'target_id', value: filters.target_id ?? '', size: 36 })),
    h('button', { type: 'submit' }, 'Search'),
  );
  $('view').replaceChildren(
    h('h2', {}, 'Audit log'),
    form,
    entries.length
      ? h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ['When', 'Admin', 'Action', 'Target', 'Details'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            {},
            entries.map((e) =>
              h(
                'tr',
                {},
                h('td', {}, new Date(e.created_at).toLocaleString()),
                h('td', {}, h('code', {}, e.admin_user_id)),
                h('td', {}, e.action),
                h('td', {}, `${e.target_type} `, h('code', {}, e.target_id)),
                h('td', {}, h('code', {}, JSON.stringify(e.details))),
              ),
            ),
          ),
        )
      : h('p', {}, 'No entries.'),
  );
}

// --- start -----------------------------------------------------------------------------

for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => show(b.dataset.tab));
$('reject-cancel').addEventListener('click', () => $('reject-dialog').close('cancel'));
$('ban-cancel').addEventListener('click', () => $('ban-dialog').close('cancel'));
window.Telegram?.WebApp?.ready?.();
// A login link just came back: it signs in afresh, whoever held this tab before.
if (loginLinkFields()) session.set(null);
show('queue');
