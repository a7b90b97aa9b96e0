// How one message row of the chat looks: the quote of a reply, the text (or
// the deleted placeholder), the edited mark, time and tick, the reaction
// counts (a tap toggles ours), the "does this bother you?" prompt under a
// flagged message from the peer, report and block under a flagged photo from
// the peer, and the ⋯ button of the action sheet.
import type { Message, ReactionEmoji } from '../contract.js';
import { clockTime, h } from '../dom.js';
import type { Pending } from '../outbox.js';

export interface Row {
  key: string;
  message?: Message;
  pending?: Pending;
  li: HTMLLIElement;
  status?: HTMLElement;
}

export interface RowContext {
  me: string;
  peerName: string;
  /** The message held at a seq (a pending reply quotes it until the server's quote arrives). */
  held(seq: number): Message | undefined;
  /** Whether the user reported the message at this seq already. */
  reported(seq: number): boolean;
  onReact(m: Message, emoji: ReactionEmoji | null): void;
  onReport(m: Message): void;
  onMenu(): void;
  /** The original's URL of a blurred photo once the user tapped to reveal it. */
  revealed(seq: number): string | undefined;
  onReveal(m: Message): void;
  /** Block the peer (offered under a flagged photo they sent). */
  onBlock(): void;
}

/** The row's content from its message (or its pending send). */
export function renderRow(row: Row, c: RowContext): void {
  const m = row.message;
  const mine = m ? m.sender_id === c.me : true;
  const nameOf = (userId: string) => (userId === c.me ? 'You' : c.peerName);
  const body = m ? m.body : (row.pending?.body ?? '');
  const quote = m?.reply_to
    ? h('blockquote', { class: 'quote' }, h('strong', null, nameOf(m.reply_to.sender_id)), ' ', m.reply_to.deleted ? h('em', null, 'Deleted message') : (m.reply_to.body ?? ''))
    : row.pending?.reply_to_seq
      ? h('blockquote', { class: 'quote' }, quoteText(c.held(row.pending.reply_to_seq)))
      : null;
  const reactions =
    m?.reactions && !m.deleted
      ? h(
          'div',
          { class: 'reactions' },
          Object.entries(m.reactions).map(([emoji, n]) => {
            const chosen = m.my_reaction === emoji;
            return h(
              'button',
              {
                type: 'button',
                class: `reaction${chosen ? ' chosen' : ''}`,
                'aria-pressed': String(chosen),
                'aria-label': `${emoji} ${n}${chosen ? ', yours' : ''}`,
                onclick: (e: Event) => {
                  e.stopPropagation();
                  c.onReact(m, chosen ? null : (emoji as ReactionEmoji));
                },
              },
              `${emoji} ${n}`,
            );
          }),
        )
      : null;
  const bother =
    m && !mine && m.flagged && !m.deleted && !c.reported(m.seq)
      ? h(
          'div',
          { class: 'bother', role: 'group', 'aria-label': 'Does this bother you?' },
          h('span', null, 'Does this bother you?'),
          h('button', { type: 'button', class: 'btn link', onclick: () => c.onReport(m) }, 'Report'),
        )
      : null;
  const createdAt = m?.created_at ?? row.pending?.created_at ?? new Date().toISOString();
  row.li.dataset.seq = m ? String(m.seq) : '';
  row.li.classList.toggle('deleted', m?.deleted === true);
  const parts: (HTMLElement | null)[] = [
    h('span', { class: 'sr-only' }, mine ? 'You: ' : `${c.peerName}: `),
    quote,
    m && !m.deleted && m.attachment ? attachmentView(m, mine, c) : null,
    !m && row.pending?.attachment ? h('span', { class: 'attachment pending' }, row.pending.attachment.kind === 'voice' ? '🎤 Voice note' : '📷 Photo') : null,
    m?.deleted ? h('span', { class: 'body deleted' }, h('em', null, 'Message deleted')) : body ? h('span', { class: 'body' }, body) : null,
    h('span', { class: 'meta' }, m?.edited_at && !m.deleted ? h('span', { class: 'edited' }, 'edited') : null, h('time', { datetime: createdAt }, clockTime(createdAt)), row.status),
    reactions,
    bother,
    m ? h('button', { type: 'button', class: 'more', 'aria-label': 'Message actions', onclick: (e: Event) => (e.stopPropagation(), c.onMenu()) }, '⋯') : null,
  ];
  row.li.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
}

/** A line of the quoted message: its first words, or that it was deleted. */
export function quoteText(m: Message | undefined): string {
  if (!m) return '';
  if (m.deleted) return 'Deleted message';
  const text = m.body ?? '';
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

type Attachment = NonNullable<Message['attachment']>;

/** A photo (blurred until revealed when the model flagged it), or a voice note with its waveform. */
function attachmentView(m: Message, mine: boolean, c: RowContext): HTMLElement {
  const a = m.attachment!;
  if (a.kind === 'voice') return voiceView(a);
  const revealed = c.revealed(m.seq);
  const blurred = a.blurred === true && !revealed;
  const img = h('img', { class: 'photo', src: revealed ?? a.url, alt: blurred ? 'Photo, blurred' : 'Photo', loading: 'lazy' });
  if (a.width && a.height) img.style.aspectRatio = `${a.width} / ${a.height}`;
  const figure = h('figure', { class: `attachment photo-wrap${blurred ? ' blurred' : ''}` }, img);
  if (blurred) {
    figure.append(
      h(
        'button',
        { type: 'button', class: 'reveal', onclick: (e: Event) => (e.stopPropagation(), c.onReveal(m)) },
        mine ? 'Flagged as sensitive: shown blurred. Tap to view' : 'Sensitive photo. Tap to reveal',
      ),
    );
  }
  if (mine || a.blurred !== true) return figure;
  // A flagged photo from the peer: report it or block them right there, before or after revealing it.
  const stop = (fn: () => void) => (e: Event) => (e.stopPropagation(), fn());
  return h(
    'div',
    { class: 'flagged-photo' },
    figure,
    h(
      'div',
      { class: 'photo-actions', role: 'group', 'aria-label': 'Sensitive photo' },
      c.reported(m.seq) ? h('span', { class: 'hint' }, 'Reported') : h('button', { type: 'button', class: 'btn link', onclick: stop(() => c.onReport(m)) }, 'Report photo'),
      h('button', { type: 'button', class: 'btn link block-peer', onclick: stop(() => c.onBlock()) }, `Block ${c.peerName}`),
    ),
  );
}

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** Play/pause, the waveform (played bars highlighted) and the time left. */
function voiceView(a: Attachment): HTMLElement {
  const audio = h('audio', { src: a.url, preload: 'none' });
  const total = a.duration_s ?? 0;
  const peaks = a.waveform?.length ? a.waveform : Array.from({ length: 32 }, () => 0.3);
  const bars = peaks.map((p) => {
    const bar = h('span', { class: 'bar' });
    bar.style.height = `${Math.max(8, Math.round(p * 100))}%`;
    return bar;
  });
  const wave = h('span', { class: 'wave', 'aria-hidden': 'true' }, ...bars);
  const time = h('span', { class: 'duration' }, clock(total));
  const play = h('button', { type: 'button', class: 'play', 'aria-label': 'Play voice note' }, '▶');
  play.addEventListener('click', (e) => {
    e.stopPropagation();
    if (audio.paused) void audio.play().catch(() => {});
    else audio.pause();
  });
  const show = () => {
    const played = total > 0 ? audio.currentTime / total : 0;
    bars.forEach((b, i) => b.classList.toggle('played', i / bars.length < played));
    time.textContent = clock(audio.paused && audio.currentTime === 0 ? total : Math.max(0, total - audio.currentTime));
  };
  audio.addEventListener('timeupdate', show);
  audio.addEventListener('play', () => {
    play.textContent = '❚❚';
    play.setAttribute('aria-label', 'Pause voice note');
  });
  const stopped = () => {
    play.textContent = '▶';
    play.setAttribute('aria-label', 'Play voice note');
    show();
  };
  audio.addEventListener('pause', stopped);
  audio.addEventListener('ended', () => {
    audio.currentTime = 0;
    stopped();
  });
  return h('div', { class: 'attachment voice', role: 'group', 'aria-label': `Voice note, ${clock(total)}` }, play, wave, time, audio);
}
