// One conversation on screen: the DOM side only. What the conversation holds
// and how it stays complete (history, live messages, catch-up, sends through
// the outbox, read positions) is ChatDelivery's (chat-delivery.ts); typing and
// presence are ChatActivity's (chat-activity.ts). Each message row is keyed by
// client_msg_id, so the pending row becomes the stored one in place. Message
// actions (reply, react, edit, unsend, report) open from a long-press, a right
// click or the ⋯ button (chat-actions.ts); a swipe to the right replies.
import { errorText, type App, type ConversationInfo, type Screen } from '../app.js';
import { ChatActivity } from '../chat-activity.js';
import { ChatDelivery, type MessageSource } from '../chat-delivery.js';
import { Draft, draftKey, type ReplyTarget } from '../drafts.js';
import { EDIT_WINDOW_MS, MAX_BODY_CHARS, type MatchItem, type Message, type ReactionEmoji } from '../contract.js';
import { announce, h, relativeTime, toast } from '../dom.js';
import { ApiError } from '../http.js';
import type { Pending } from '../outbox.js';
import { askAreYouSure, askBlock, gestures, openActionSheet } from './chat-actions.js';
import { quoteText, renderRow, type Row } from './chat-rows.js';
import { uploadWithProgress } from '../upload.js';
import type { PendingAttachment } from '../outbox.js';

/** What the composer's next submit does besides sending: answer a message (kept with the draft), or rewrite one of ours. */
type Compose = { kind: 'new' } | { kind: 'reply'; target: ReplyTarget } | { kind: 'edit'; message: Message };

const replyTarget = (m: Message): ReplyTarget => ({ seq: m.seq, sender_id: m.sender_id, quote: quoteText(m) });

export function chatScreen(app: App, conversationId: string): Screen {
  const me = app.userId ?? '';
  const delivery = new ChatDelivery(app.transport, app.outbox, { conversationId, userId: me, visible: () => document.visibilityState === 'visible' });
  const activity = new ChatActivity(app.rt, conversationId, me);
  const draft = new Draft(app.tg.storage, draftKey(me, conversationId));
  const rows = new Map<string, Row>();
  /** Messages the user reported from the "does this bother you?" prompt. */
  const reported = new Set<number>();
  /** Originals of blurred photos the user chose to see, by seq. */
  const revealed = new Map<number, string>();
  let compose: Compose = { kind: 'new' };
  let info: ConversationInfo | undefined = app.conversations.get(conversationId);
  let disposed = false;
  /** The composer is gone (the match ended, the chat is not available). */
  let closed = false;

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
  // Photos and voice notes: a photo picked from the device, a voice note recorded while the mic button is held.
  const photoInput = h('input', { type: 'file', accept: 'image/*', hidden: true, 'aria-hidden': 'true', tabindex: '-1' });
  const attachBtn = h('button', { class: 'attach', type: 'button', 'aria-label': 'Attach photo' }, '📷');
  const micBtn = h('button', { class: 'mic', type: 'button', 'aria-label': 'Hold to record a voice note' }, '🎤');
  const composer = h('form', { class: 'composer' }, attachBtn, photoInput, input, micBtn, sendBtn);
  const contextBar = h('div', { class: 'compose-context', hidden: true });
  const notice = h('p', { class: 'notice compose-notice', role: 'status', hidden: true });

  const peerName = () => info?.peer.display_name ?? 'your match';
  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  const toBottom = () => (scroller.scrollTop = scroller.scrollHeight);
  const closeComposer = (text: string) => {
    composer.replaceChildren(h('p', { class: 'notice', role: 'status' }, text));
    closed = true;
    showMainButton();
  };

  // --- message rows ------------------------------------------------------------
  const tick = (row: Row) => {
    if (!row.status) return;
    const mine = row.message ? row.message.sender_id === me : true;
    if (!mine) return;
    let state: string;
    let symbol: string;
    let label: string;
    if (row.message) {
      const read = row.message.seq <= delivery.peerReadSeq;
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

  const nameOf = (userId: string) => (userId === me ? 'You' : peerName());

  const render = (row: Row) =>
    renderRow(row, {
      me,
      peerName: peerName(),
      held: (seq) => delivery.messages.get(seq),
      reported: (seq) => reported.has(seq),
      revealed: (seq) => revealed.get(seq),
      onReveal: (m) => void reveal(m),
      onReact: react,
      onReport: (m) => void reportMessage(m),
      onBlock: () => askBlock(peerName(), () => void blockPeer()),
      onMenu: () => openSheet(row),
    });

  const makeRow = (key: string, mine: boolean): Row => {
    const status = mine ? h('span', { class: 'tick', role: 'img' }) : undefined;
    const li = h('li', { class: `msg ${mine ? 'mine' : 'theirs'}`, 'data-key': key });
    const row: Row = { key, li, status };
    if (mine) {
      li.addEventListener('click', () => {
        if (row.pending?.state === 'failed') delivery.retry(row.pending.client_msg_id);
      });
    }
    gestures(
      li,
      () => row.message && openSheet(row),
      () => row.message && !row.message.deleted && startReply(row.message),
    );
    return row;
  };

  const dropRow = (key: string) => {
    rows.get(key)?.li.remove();
    rows.delete(key);
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

  const showMessage = (m: Message) => {
    let row = rows.get(m.client_msg_id);
    const existedAsPending = row && !row.message;
    if (row?.message && row.message.sender_id !== m.sender_id) row = undefined; // two senders, same client id
    if (row) {
      row.message = m;
      row.pending = undefined;
      render(row);
      if (existedAsPending) place(row);
    } else {
      row = makeRow(m.client_msg_id, m.sender_id === me);
      row.message = m;
      rows.set(m.client_msg_id, row);
      render(row);
      place(row);
    }
    tick(row);
  };

  const showPending = (p: Pending) => {
    const row = rows.get(p.client_msg_id);
    if (row?.message) return;
    if (p.state === 'failed' && (p.code === 'opener_not_unique' || p.code === 'needs_confirmation')) return refusedSend(p);
    if (row) {
      row.pending = p;
      tick(row);
      return;
    }
    const fresh = makeRow(p.client_msg_id, true);
    fresh.pending = p;
    rows.set(p.client_msg_id, fresh);
    render(fresh);
    place(fresh);
    tick(fresh);
  };

  // --- message actions -------------------------------------------------------------
  const showNotice = (text: string) => {
    notice.textContent = text;
    notice.hidden = !text;
  };
  const failed = (err: unknown) => toast(errorText(err), 'error');

  const react = (m: Message, emoji: ReactionEmoji | null) => void delivery.react(m.seq, emoji).catch(failed);

  const reportMessage = async (m: Message) => {
    try {
      await delivery.report(m.seq);
      reported.add(m.seq);
      const row = rows.get(m.client_msg_id);
      if (row) render(row);
      toast('Reported. Thank you: a moderator will look at it.');
    } catch (err) {
      failed(err);
    }
  };

  // The block ends the match too: its live match:removed may come before or after the answer, and the block's notice wins.
  let blocking = false;
  const blockedNotice = () => `You blocked ${peerName()}. The chat is closed.`;
  const blockPeer = async () => {
    if (!info) return;
    blocking = true;
    try {
      await app.api.post('/discovery/block', { target_id: info.peer.user_id });
      closeComposer(blockedNotice());
      toast(`${peerName()} is blocked.`);
    } catch (err) {
      blocking = false;
      failed(err);
    }
  };

  const setCompose = (next: Compose) => {
    compose = next;
    // The reply goes with the draft; an edit leaves the draft (and its reply) for after it.
    if (next.kind !== 'edit') draft.replyTo(next.kind === 'reply' ? next.target : undefined);
    showMainButton();
    if (next.kind === 'new') {
      contextBar.hidden = true;
      contextBar.replaceChildren();
      return;
    }
    const label = next.kind === 'reply' ? `Replying to ${nameOf(next.target.sender_id)}` : 'Editing message';
    const quote = next.kind === 'reply' ? next.target.quote : quoteText(next.message);
    contextBar.replaceChildren(
      h('div', { class: 'compose-what' }, h('strong', null, label), h('span', { class: 'compose-quote' }, quote)),
      h('button', { type: 'button', class: 'btn link', 'aria-label': next.kind === 'reply' ? 'Cancel reply' : 'Cancel edit', onclick: () => cancelCompose() }, '✕'),
    );
    contextBar.hidden = false;
  };
  /** What the composer goes back to after an edit: the draft, with its reply if it has one. */
  const afterEdit = (): Compose => (draft.reply ? { kind: 'reply', target: draft.reply } : { kind: 'new' });
  const cancelCompose = () => {
    const editing = compose.kind === 'edit';
    if (editing) input.value = draft.text;
    setCompose(editing ? afterEdit() : { kind: 'new' });
    autosize();
    input.focus();
  };
  const startReply = (m: Message) => {
    setCompose({ kind: 'reply', target: replyTarget(m) });
    input.focus();
  };
  const startEdit = (m: Message) => {
    setCompose({ kind: 'edit', message: m });
    input.value = m.body ?? '';
    autosize();
    showMainButton();
    input.focus();
  };

  const openSheet = (row: Row) => {
    const m = row.message;
    if (!m) return;
    const mine = m.sender_id === me;
    openActionSheet({
      message: m,
      mine,
      canEdit: Date.now() - Date.parse(m.created_at) < EDIT_WINDOW_MS,
      canUnsend: !delivery.readByPeer(m.seq),
      onReact: (emoji) => react(m, emoji),
      onReply: () => startReply(m),
      onEdit: () => startEdit(m),
      onUnsend: () => void delivery.remove(m.seq, 'everyone').catch(failed),
      onDeleteForMe: () => void delivery.remove(m.seq, 'me').catch(failed),
      onReport: () => void reportMessage(m),
    });
  };

  /** A send the server refused until the user acts: the text goes back to the composer. */
  const refusedSend = (p: Pending) => {
    dropRow(p.client_msg_id);
    if (p.code === 'opener_not_unique') {
      delivery.discard(p.client_msg_id);
      setComposerText(p.body);
      showNotice(`This opener looks like one you have sent before. Write ${peerName()} something of your own.`);
      input.focus();
      return;
    }
    askAreYouSure(
      peerName(),
      () => delivery.confirm(p.client_msg_id),
      () => {
        delivery.discard(p.client_msg_id);
        setComposerText(p.body);
        input.focus();
      },
    );
  };

  /** A message arrived: show it, and follow it down if the user was at the bottom (or sent it). */
  const arrived = (m: Message, source: MessageSource) => {
    const mine = m.sender_id === me;
    const stick = (source === 'live' && (mine || nearBottom())) || (source === 'catch-up' && nearBottom());
    showMessage(m);
    if (source === 'live' && !mine) announce(`${peerName()}: ${m.body ?? ''}`);
    if (stick) toBottom();
  };

  // --- photos and voice notes ---------------------------------------------------------
  const reveal = async (m: Message) => {
    try {
      const { url } = await app.api.post<{ url: string }>(`/chat/messages/${conversationId}/${m.seq}/reveal`);
      revealed.set(m.seq, url);
      const row = rows.get(m.client_msg_id);
      if (row) render(row);
    } catch (err) {
      failed(err);
    }
  };

  /** Resolves once moderation decided on an upload: `media:moderated` live, or a look every 2 s. */
  const moderated = (id: string) =>
    new Promise<string>((resolve) => {
      let done = false;
      const finish = (status: string) => {
        if (done || status === 'pending') return;
        done = true;
        off();
        clearInterval(poll);
        resolve(status);
      };
      const off = app.rt.on('media:moderated', (e) => e.id === id && finish(e.status));
      const poll = setInterval(() => void app.api.get<{ status: string }>(`/media/${id}`).then((r) => finish(r.status), () => {}), 2000);
    });

  const sendAttachment = async (file: Blob, kind: PendingAttachment['kind'], filename: string) => {
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', file, filename);
    const what = kind === 'voice' ? 'voice note' : 'photo';
    try {
      showNotice(`Uploading the ${what}…`);
      const res = await uploadWithProgress<{ id: string; status: string }>(app.session, '/media/upload', form, (sent, total) => {
        if (total) showNotice(`Uploading the ${what}… ${Math.min(100, Math.round((sent / total) * 100))}%`);
      });
      showNotice(`Processing the ${what}…`);
      const status = res.status === 'pending' ? await moderated(res.id) : res.status;
      if (disposed) return;
      showNotice('');
      if (status !== 'approved') return toast(`The ${what} was not accepted.`, 'error');
      const caption = compose.kind === 'edit' ? '' : input.value.trim();
      if (caption) {
        input.value = '';
        autosize();
        draft.clear();
        showMainButton();
      }
      delivery.send(caption, { attachment: { media_id: res.id, kind } });
      toBottom();
    } catch (err) {
      showNotice('');
      failed(err);
    }
  };

  attachBtn.addEventListener('click', () => photoInput.click());
  photoInput.addEventListener('change', () => {
    const file = photoInput.files?.[0];
    photoInput.value = '';
    if (file) void sendAttachment(file, 'image', file.name);
  });

  // Hold to record: recording runs while the button is held; a release sends, a very short one is dropped.
  let recorder: MediaRecorder | undefined;
  let recordStart = 0;
  let held = false;
  const startRecording = async () => {
    if (recorder || typeof MediaRecorder === 'undefined') {
      if (typeof MediaRecorder === 'undefined') toast('Voice notes are not supported in this browser.', 'error');
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      // Released while the microphone was being opened: nothing to record.
      if (!held || recorder) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      const type = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'].find((t) => MediaRecorder.isTypeSupported(t));
      const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      rec.onstop = () => {
        for (const t of stream.getTracks()) t.stop();
        micBtn.classList.remove('recording');
        showNotice('');
        if (Date.now() - recordStart < 500) return;
        const mime = rec.mimeType || 'audio/webm';
        const ext = mime.includes('ogg') ? 'ogg' : mime.includes('mp4') ? 'm4a' : 'webm';
        void sendAttachment(new Blob(chunks, { type: mime }), 'voice', `voice.${ext}`);
      };
      recorder = rec;
      recordStart = Date.now();
      rec.start();
      micBtn.classList.add('recording');
      showNotice('Recording… release to send');
    } catch (err) {
      toast(err instanceof Error && err.name === 'NotAllowedError' ? 'The microphone is blocked.' : errorText(err), 'error');
    }
  };
  const stopRecording = () => {
    const rec = recorder;
    recorder = undefined;
    if (rec && rec.state !== 'inactive') rec.stop();
  };
  micBtn.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    held = true;
    void startRecording();
  });
  for (const ev of ['pointerup', 'pointerleave', 'pointercancel'] as const)
    micBtn.addEventListener(ev, () => {
      held = false;
      stopRecording();
    });

  // --- typing and presence ---------------------------------------------------------
  const showPresence = () => {
    const p = activity.presence;
    subtitle.textContent = !p ? '' : p.online ? 'online' : p.last_seen ? `last seen ${relativeTime(p.last_seen)}` : '';
  };
  const presenceTimer = setInterval(showPresence, 60_000); // keep "last seen" fresh

  // --- composer ------------------------------------------------------------------------
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  };
  /** Telegram's MainButton sends (or saves an edit) while there is text to send. */
  const mainAction = { text: 'Send', onClick: () => send() };
  const editAction = { text: 'Save', onClick: () => send() };
  const showMainButton = () => {
    if (disposed) return;
    app.tg.setMainButton(closed || !input.value.trim() ? null : compose.kind === 'edit' ? editAction : mainAction);
  };
  /** Text put into the composer for the user (a refused send, a kept draft); it is the draft now. */
  const setComposerText = (text: string) => {
    input.value = text;
    autosize();
    draft.typed(text);
    showMainButton();
  };
  const saveEdit = async (m: Message, body: string, confirm = false): Promise<void> => {
    try {
      await delivery.edit(m.seq, body, confirm);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'needs_confirmation') {
        askAreYouSure(peerName(), () => void saveEdit(m, body, true), () => startEdit({ ...m, body }));
      } else failed(err);
    }
  };

  const send = () => {
    const body = input.value.trim();
    if (!body || closed) return;
    const c = compose;
    // An edit leaves the draft that was there before it; a sent message was the draft.
    input.value = c.kind === 'edit' ? draft.text : '';
    if (c.kind !== 'edit') draft.clear();
    autosize();
    activity.stopTyping();
    showNotice('');
    setCompose(c.kind === 'edit' ? afterEdit() : { kind: 'new' });
    if (c.kind === 'edit') {
      if (body !== c.message.body) void saveEdit(c.message, body);
    } else {
      delivery.send(body, c.kind === 'reply' ? { replyToSeq: c.target.seq } : {}); // its row appears through the 'pending' event
      toBottom();
    }
    input.focus();
  };
  input.addEventListener('input', () => {
    autosize();
    activity.typed(Boolean(input.value.trim()));
    if (compose.kind !== 'edit') draft.typed(input.value);
    showMainButton();
  });
  input.addEventListener('blur', () => activity.stopTyping());
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

  older.addEventListener('click', async () => {
    older.disabled = true;
    const before = scroller.scrollHeight - scroller.scrollTop;
    try {
      await delivery.loadOlder();
      older.hidden = !delivery.hasOlder;
      // Keep the message the user was looking at where it was.
      scroller.scrollTop = scroller.scrollHeight - before;
    } catch (err) {
      announce(errorText(err));
    } finally {
      older.disabled = false;
    }
  });

  // --- events ------------------------------------------------------------------------------
  delivery.on((e) => {
    if (e.type === 'message') {
      if (e.source === 'change') showMessage(e.message);
      else arrived(e.message, e.source);
    }
    else if (e.type === 'pending') showPending(e.pending);
    else if (e.type === 'peer-read') for (const row of rows.values()) tick(row);
    else if (e.type === 'read' && info) {
      info.unread_count = 0;
      app.updateBadge();
    }
  });
  activity.on((e) => {
    if (e.type === 'typing') typingLine.textContent = e.typing ? `${peerName()} is typing…` : '';
    else if (e.type === 'presence') showPresence();
    else closeComposer(blocking ? blockedNotice() : 'This match has ended. The chat is closed.');
  });
  const onVisible = () => document.visibilityState === 'visible' && delivery.markRead();
  document.addEventListener('visibilitychange', onVisible);

  // --- start ---------------------------------------------------------------------------------
  const keptDraft = draft.load();
  /** The text kept from before (another visit, a reload), unless the user has typed already. */
  const restoreDraft = async () => {
    const kept = await keptDraft;
    if (disposed || closed || !kept.text || input.value) return;
    input.value = kept.text;
    autosize();
    showMainButton();
  };
  /**
   * The kept draft's reply, once the messages are loaded: only to a message
   * that is still there (as it is now); one deleted or gone meanwhile drops
   * out of the draft. When the look-up of a message not held fails, the
   * reply bar shows what it showed before.
   */
  const restoreReply = async () => {
    const { reply } = await keptDraft;
    if (!reply || draft.reply?.seq !== reply.seq) return; // none, or the user replied to another one or cancelled meanwhile
    const found = await delivery.find(reply.seq).then(
      (m) => (m && !m.deleted ? replyTarget(m) : null),
      () => reply,
    );
    if (disposed || closed || draft.reply?.seq !== reply.seq) return;
    if (!found) draft.replyTo(undefined);
    else if (compose.kind === 'new') setCompose({ kind: 'reply', target: found });
    else if (compose.kind === 'edit') draft.replyTo(found);
  };

  const start = async () => {
    void restoreDraft();
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
      delivery.notePeerRead(info.peer_last_read_seq ?? 0);
      activity.setPeer({ userId: info.peer.user_id, matchId: info.match_id });
    }
    try {
      await delivery.loadLatest();
      if (disposed) return;
      older.hidden = !delivery.hasOlder;
      for (const p of delivery.pending()) showPending(p);
      toBottom();
      void restoreReply();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 403)) closeComposer('This chat is not available.');
      else announce(errorText(err));
    }
  };
  void start();

  return {
    title: info?.peer.display_name ?? 'Chat',
    subtitle,
    back: 'matches',
    tabs: false,
    el: h('div', { class: 'chat' }, scroller, typingLine, notice, contextBar, composer),
    dispose() {
      disposed = true;
      draft.close();
      delivery.close();
      activity.close();
      clearInterval(presenceTimer);
      stopRecording();
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}

