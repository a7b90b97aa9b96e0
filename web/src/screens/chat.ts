// One conversation: history (older pages on demand), live messages, typing,
// read ticks, the peer's presence, and optimistic sends through the outbox.
// Each message row is keyed by client_msg_id, so the pending row becomes the
// stored one in place. After any (re)connect the screen catches up with
// `after_seq` so nothing missed while away stays missing.
import { errorText, type App, type ConversationInfo, type Screen } from '../app.js';
import { MAX_BODY_CHARS, TYPING_TTL_MS, type MatchItem, type Message } from '../contract.js';
import { announce, clockTime, h, relativeTime } from '../dom.js';
import { ApiError } from '../http.js';
import type { Pending } from '../outbox.js';

interface Row {
  key: string;
  message?: Message;
  pending?: Pending;
  li: HTMLLIElement;
  status?: HTMLElement;
}

const PAGE = 50;

export function chatScreen(app: App, conversationId: string): Screen {
  const rows = new Map<string, Row>();
  let lastSeq = 0; // we hold every stored message from the first loaded one up to this seq
  const held = new Set<number>();
  let firstSeq = Infinity;
  let peerReadSeq = 0;
  let myReadSeq = 0;
  let info: ConversationInfo | undefined = app.conversations.get(conversationId);
  let disposed = false;
  let catchingUp: Promise<void> | null = null;

  const subtitle = h('span', { class: 'presence', id: 'presence' });
  const list = h('ol', { class: 'messages' });
  const older = h('button', { class: 'btn link older', type: 'button', hidden: true }, 'Load earlier messages');
  // The log role goes on a wrapper: on the <ol> itself it would hide the list semantics.
  const log = h('div', { role: 'log', 'aria-label': 'Messages', 'aria-live': 'polite', 'aria-relevant': 'additions' }, list);
  const scroller = h('div', { class: 'message-scroll' }, older, log);
  const typingLine = h('p', { class: 'typing', 'aria-live': 'polite' });
  const input = h('textarea', { id: 'composer', rows: '1', maxlength: String(MAX_BODY_CHARS), placeholder: 'Message', 'aria-label': 'Message', enterkeyhint: 'send' });
  const sendBtn = h('button', { class: 'send', type: 'submit', 'aria-label': 'Send' });
  sendBtn.innerHTML = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path d="M3 20l18-8L3 4l2 8-2 8zm2-8h9" fill="currentColor" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>';
  const composer = h('form', { class: 'composer' }, input, sendBtn);

  const peerName = () => info?.peer.display_name ?? 'your match';
  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  const toBottom = () => (scroller.scrollTop = scroller.scrollHeight);

  // --- rendering -----------------------------------------------------------
  const tick = (row: Row) => {
    if (!row.status) return;
    const mine = row.message ? row.message.sender_id === app.userId : true;
    if (!mine) return;
    let state: string;
    let symbol: string;
    let label: string;
    if (row.message) {
      const read = row.message.seq <= peerReadSeq;
      state = read ? 'read' : 'sent';
      symbol = read ? '✓✓' : '✓';
      label = read ? 'Read' : 'Sent';
    } else if (row.pending?.state === 'failed') {
      state = 'failed';
      symbol = '!';
      label = `Not sent: ${row.pending.error ?? 'error'}. Tap to retry.`;
    } else {
      state = 'sending';
      symbol = '◷';
      label = 'Sending';
    }
    row.li.dataset.status = state;
    row.status.textContent = symbol;
    row.status.setAttribute('aria-label', label);
    row.status.title = label;
  };

  const makeRow = (key: string, body: string, createdAt: string, mine: boolean): Row => {
    const status = mine ? h('span', { class: 'tick', role: 'img' }) : undefined;
    const li = h(
      'li',
      { class: `msg ${mine ? 'mine' : 'theirs'}`, 'data-key': key },
      h('span', { class: 'sr-only' }, mine ? 'You: ' : `${peerName()}: `),
      h('span', { class: 'body' }, body),
      h('span', { class: 'meta' }, h('time', { datetime: createdAt }, clockTime(createdAt)), status),
    );
    const row: Row = { key, li, status };
    if (mine) {
      li.addEventListener('click', () => {
        if (row.pending?.state === 'failed') app.outbox.retry(row.pending.client_msg_id);
      });
    }
    return row;
  };

  /** Puts a row in seq order (pending rows stay last, in send order). */
  const place = (row: Row) => {
    const seq = row.message?.seq;
    let before: Element | null = null;
    if (seq !== undefined) {
      for (const el of list.children) {
        if (el === row.li) continue;
        const s = rows.get((el as HTMLElement).dataset.key!)?.message?.seq;
        if (s === undefined || s > seq) {
          before = el;
          break;
        }
      }
    }
    // Already in place (a pending row that got its seq): leave it, so nothing moves or is re-announced.
    if (row.li.parentNode === list && row.li.nextElementSibling === before) return;
    list.insertBefore(row.li, before);
  };

  const upsertMessage = (m: Message) => {
    if (m.conversation_id !== conversationId) return;
    let row = rows.get(m.client_msg_id);
    const existedAsPending = row && !row.message;
    if (row?.message && row.message.sender_id !== m.sender_id) row = undefined; // two senders, same client id
    if (row) {
      row.message = m;
      row.pending = undefined;
      if (existedAsPending) place(row);
      tick(row);
    } else {
      row = makeRow(m.client_msg_id, m.body, m.created_at, m.sender_id === app.userId);
      row.message = m;
      rows.set(m.client_msg_id, row);
      place(row);
      tick(row);
    }
    held.add(m.seq);
    while (held.has(lastSeq + 1)) lastSeq++;
    firstSeq = Math.min(firstSeq, m.seq);
  };

  const addPending = (p: Pending) => {
    if (rows.has(p.client_msg_id)) return;
    const row = makeRow(p.client_msg_id, p.body, p.created_at, true);
    row.pending = p;
    rows.set(p.client_msg_id, row);
    place(row);
    tick(row);
  };

  const refreshTicks = () => {
    for (const row of rows.values()) tick(row);
  };

  // --- loading and catching up ---------------------------------------------
  const fetchPage = (query: string) => app.api.get<{ messages: Message[]; has_more: boolean }>(`/chat/messages/${conversationId}?${query}`);

  const loadLatest = async () => {
    const res = await fetchPage(`limit=${PAGE}`);
    if (disposed) return;
    const sorted = [...res.messages].sort((a, b) => a.seq - b.seq);
    if (sorted.length) lastSeq = sorted[0].seq - 1;
    for (const m of sorted) upsertMessage(m);
    older.hidden = !res.has_more;
    for (const p of app.outbox.forConversation(conversationId)) addPending(p);
    toBottom();
  };

  /** Everything after the last seq we hold (after a reconnect, or on a gap). */
  const catchUp = () => {
    catchingUp ??= (async () => {
      try {
        for (let guard = 0; guard < 20 && !disposed; guard++) {
          const stick = nearBottom();
          const res = await fetchPage(`after_seq=${lastSeq}&limit=${PAGE}`);
          const sorted = [...res.messages].sort((a, b) => a.seq - b.seq);
          for (const m of sorted) upsertMessage(m);
          if (stick) toBottom();
          if (!res.has_more || !sorted.length) break;
        }
        markRead();
      } catch {
        // The next reconnect or message tries again.
      } finally {
        catchingUp = null;
      }
    })();
    return catchingUp;
  };

  older.addEventListener('click', async () => {
    older.disabled = true;
    const before = scroller.scrollHeight - scroller.scrollTop;
    try {
      const res = await fetchPage(`before_seq=${firstSeq}&limit=${PAGE}`);
      for (const m of res.messages) upsertMessage(m);
      older.hidden = !res.has_more;
      // Keep the message the user was looking at where it was.
      scroller.scrollTop = scroller.scrollHeight - before;
    } catch (err) {
      announce(errorText(err));
    } finally {
      older.disabled = false;
    }
  });

  // --- reading ---------------------------------------------------------------
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  const markRead = () => {
    clearTimeout(readTimer);
    readTimer = setTimeout(async () => {
      if (disposed || document.visibilityState !== 'visible') return;
      let maxPeer = 0;
      for (const r of rows.values()) if (r.message && r.message.sender_id !== app.userId) maxPeer = Math.max(maxPeer, r.message.seq);
      if (maxPeer <= myReadSeq) return;
      const seq = maxPeer;
      const ack = await app.rt.request('message:read', { conversation_id: conversationId, seq });
      if (!ack.ok) {
        const ok = await app.api.post(`/chat/conversations/${conversationId}/read`, { seq }).then(
          () => true,
          () => false,
        );
        if (!ok) return;
      }
      myReadSeq = Math.max(myReadSeq, seq);
      if (info) {
        info.unread_count = 0;
        app.updateBadge();
      }
    }, 250);
  };

  // --- typing ------------------------------------------------------------------
  let typingSentAt = 0;
  let typingIdle: ReturnType<typeof setTimeout> | undefined;
  const stopTyping = () => {
    clearTimeout(typingIdle);
    if (typingSentAt) app.rt.send('typing:stop', { conversation_id: conversationId });
    typingSentAt = 0;
  };
  input.addEventListener('input', () => {
    autosize();
    if (!input.value.trim()) return stopTyping();
    // Renew before the server's 6 s expiry while the user keeps typing.
    if (Date.now() - typingSentAt > TYPING_TTL_MS / 2) {
      app.rt.send('typing:start', { conversation_id: conversationId });
      typingSentAt = Date.now();
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(stopTyping, 4000);
  });
  input.addEventListener('blur', stopTyping);

  let peerTypingTimer: ReturnType<typeof setTimeout> | undefined;
  const showPeerTyping = (on: boolean, ttl = TYPING_TTL_MS) => {
    clearTimeout(peerTypingTimer);
    typingLine.textContent = on ? `${peerName()} is typing…` : '';
    if (on) peerTypingTimer = setTimeout(() => showPeerTyping(false), ttl);
  };

  // --- presence ---------------------------------------------------------------
  let presence: { online: boolean; last_seen: string | null } | null = null;
  const showPresence = () => {
    subtitle.textContent = !presence ? '' : presence.online ? 'online' : presence.last_seen ? `last seen ${relativeTime(presence.last_seen)}` : '';
  };
  const queryPresence = async () => {
    if (!info) return;
    const ack = await app.rt.request('presence:query', { user_ids: [info.peer.user_id] });
    if (ack.ok && ack.presence[info.peer.user_id]) {
      presence = ack.presence[info.peer.user_id];
      showPresence();
    }
  };
  const presenceTimer = setInterval(showPresence, 60_000); // keep "last seen" fresh

  // --- sending -------------------------------------------------------------------
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  };
  const send = () => {
    const body = input.value.trim();
    if (!body) return;
    input.value = '';
    autosize();
    stopTyping();
    addPending(app.outbox.send(conversationId, body));
    toBottom();
    input.focus();
  };
  composer.addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });

  // --- live events -----------------------------------------------------------------
  const offs = [
    app.rt.on('message:new', ({ message }) => {
      if (message.conversation_id !== conversationId) return;
      const stick = nearBottom() || message.sender_id === app.userId;
      if (message.seq > lastSeq + 1) void catchUp(); // a gap: fetch what is missing
      upsertMessage(message);
      if (message.sender_id !== app.userId) {
        showPeerTyping(false);
        announce(`${peerName()}: ${message.body}`);
        markRead();
      }
      if (stick) toBottom();
    }),
    app.rt.on('message:read', ({ conversation_id, user_id, seq }) => {
      if (conversation_id !== conversationId) return;
      if (user_id === app.userId) myReadSeq = Math.max(myReadSeq, seq);
      else if (seq > peerReadSeq) {
        peerReadSeq = seq;
        refreshTicks();
      }
    }),
    app.rt.on('typing', ({ conversation_id, user_id, typing, expires_in_ms }) => {
      if (conversation_id === conversationId && user_id !== app.userId) showPeerTyping(typing, expires_in_ms);
    }),
    app.rt.on('presence', (p) => {
      if (info && p.user_id === info.peer.user_id) {
        presence = p;
        showPresence();
      }
    }),
    app.rt.on('match:removed', ({ match_id }) => {
      if (info && match_id === info.match_id) {
        presence = null;
        showPresence();
        showPeerTyping(false);
        composer.replaceChildren(h('p', { class: 'notice', role: 'status' }, 'This match has ended. The chat is closed.'));
      }
    }),
    app.outbox.on((e) => {
      if (e.pending.conversation_id !== conversationId) return;
      if (e.type === 'acked') upsertMessage(e.message);
      else {
        const row = rows.get(e.pending.client_msg_id);
        if (row && !row.message) {
          row.pending = e.pending;
          tick(row);
        }
      }
    }),
  ];
  // While we are disconnected the peer's presence is unknown: show none rather than a stale one.
  offs.push(
    app.rt.onState((s) => {
      if (s === 'online') return;
      presence = null;
      showPresence();
    }),
  );
  const onConnect = () => {
    void catchUp();
    void queryPresence();
  };
  app.rt.socket.on('connect', onConnect);
  const onVisible = () => document.visibilityState === 'visible' && markRead();
  document.addEventListener('visibilitychange', onVisible);

  // --- start ---------------------------------------------------------------------------
  const start = async () => {
    if (!info) {
      // Opened directly (a link, a reload): find the conversation among the matches.
      await app.loadConversations();
      info = app.conversations.get(conversationId);
      if (!info) {
        const res = await app.api.get<{ matches: MatchItem[] }>('/discovery/matches').catch(() => null);
        const m = res?.matches.find((x) => x.conversation_id === conversationId);
        if (m) info = { conversation_id: m.conversation_id, match_id: m.match_id, peer: m.user, unread_count: 0 };
      }
    }
    if (disposed) return;
    if (info) {
      document.getElementById('title')!.textContent = info.peer.display_name;
      document.title = `${info.peer.display_name} · Dating`;
      peerReadSeq = Math.max(peerReadSeq, info.peer_last_read_seq ?? 0);
    }
    try {
      await loadLatest();
      markRead();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) {
        composer.replaceChildren(h('p', { class: 'notice', role: 'status' }, 'This chat is not available.'));
      } else announce(errorText(err));
    }
    if (app.rt.connected) void queryPresence();
  };
  void start();

  return {
    title: info?.peer.display_name ?? 'Chat',
    subtitle,
    back: 'matches',
    tabs: false,
    el: h('div', { class: 'chat' }, scroller, typingLine, composer),
    dispose() {
      disposed = true;
      stopTyping();
      clearTimeout(readTimer);
      clearTimeout(peerTypingTimer);
      clearInterval(presenceTimer);
      for (const off of offs) off();
      app.rt.socket.off('connect', onConnect);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
