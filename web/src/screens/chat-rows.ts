// How one message row of the chat looks: the quote of a reply, the text (or
// the deleted placeholder), the edited mark, time and tick, the reaction
// counts (a tap toggles ours), the "does this bother you?" prompt under a
// flagged message from the peer, and the ⋯ button of the action sheet.
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
    m?.deleted ? h('span', { class: 'body deleted' }, h('em', null, 'Message deleted')) : h('span', { class: 'body' }, body ?? ''),
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
