// The chat's message actions on screen: the action sheet a long-press (or a
// right click, or the ⋯ button) opens, and the two safety prompts. DOM only:
// what the actions do is ChatDelivery's (chat-delivery.ts).
import { REACTIONS, type Message, type ReactionEmoji } from '../contract.js';
import { h } from '../dom.js';

export interface SheetChoices {
  message: Message;
  mine: boolean;
  canEdit: boolean;
  /** Unsend for both sides (the peer has not read it); else only "delete for me". */
  canUnsend: boolean;
  onReact(emoji: ReactionEmoji | null): void;
  onReply(): void;
  onEdit(): void;
  onUnsend(): void;
  onDeleteForMe(): void;
  onReport(): void;
}

/** A modal sheet: focus moves in, Escape or a tap outside closes it and gives focus back. */
function modal(label: string, build: (close: () => void) => HTMLElement[]): void {
  const back = document.activeElement as HTMLElement | null;
  const overlay = h('div', { class: 'overlay sheet-overlay' });
  const close = () => {
    overlay.remove();
    document.removeEventListener('keydown', onKey, true);
    back?.focus?.();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  };
  const dialog = h('div', { class: 'dialog sheet', role: 'dialog', 'aria-modal': 'true', 'aria-label': label }, ...build(close));
  overlay.addEventListener('click', (e) => e.target === overlay && close());
  overlay.appendChild(dialog);
  document.body.appendChild(overlay);
  document.addEventListener('keydown', onKey, true);
  dialog.querySelector<HTMLElement>('button')?.focus();
}

export function openActionSheet(c: SheetChoices): void {
  const deleted = c.message.deleted === true;
  modal('Message actions', (close) => {
    const run = (fn: () => void) => () => {
      close();
      fn();
    };
    const reactions = deleted
      ? null
      : h(
          'div',
          { class: 'reaction-picker', role: 'group', 'aria-label': 'React' },
          REACTIONS.map((emoji) => {
            const chosen = c.message.my_reaction === emoji;
            return h(
              'button',
              { type: 'button', class: `btn reaction-choice${chosen ? ' chosen' : ''}`, 'aria-pressed': String(chosen), 'aria-label': `React ${emoji}`, onclick: run(() => c.onReact(chosen ? null : emoji)) },
              emoji,
            );
          }),
        );
    const item = (text: string, fn: () => void, cls = '') => h('button', { type: 'button', class: `btn sheet-item ${cls}`, onclick: run(fn) }, text);
    const items: (HTMLElement | null)[] = [
      reactions ?? h('p', { class: 'hint' }, 'This message was deleted.'),
      !deleted ? item('Reply', c.onReply) : null,
      c.mine && c.canEdit && !deleted ? item('Edit', c.onEdit) : null,
      c.mine && c.canUnsend && !deleted ? item('Unsend', c.onUnsend, 'danger') : null,
      item('Delete for me', c.onDeleteForMe, 'danger'),
      !c.mine && !deleted ? item('Report', c.onReport, 'danger') : null,
      h('button', { type: 'button', class: 'btn link', onclick: close }, 'Cancel'),
    ];
    return items.filter((x): x is HTMLElement => x !== null);
  });
}

/** "Are you sure?": the filter flagged what the user wrote. */
export function askAreYouSure(peerName: string, onSend: () => void, onEdit: () => void): void {
  modal('Are you sure?', (close) => [
    h('h2', null, 'Are you sure?'),
    h('p', null, `This message may hurt ${peerName}. Would you like to change it before sending?`),
    h('button', { type: 'button', class: 'btn primary', onclick: () => (close(), onEdit()) }, 'Edit message'),
    h('button', { type: 'button', class: 'btn', onclick: () => (close(), onSend()) }, 'Send anyway'),
  ]);
}

/** Blocking ends the match: asked once more, since it cannot be undone from the app. */
export function askBlock(peerName: string, onBlock: () => void): void {
  modal(`Block ${peerName}?`, (close) => [
    h('h2', null, `Block ${peerName}?`),
    h('p', null, `${peerName} will no longer see you or be able to message you, and this chat closes.`),
    h('button', { type: 'button', class: 'btn danger', onclick: () => (close(), onBlock()) }, 'Block'),
    h('button', { type: 'button', class: 'btn link', onclick: close }, 'Cancel'),
  ]);
}

/** Long-press (or a right click) opens the sheet; a swipe to the right replies. */
export function gestures(el: HTMLElement, onMenu: () => void, onSwipe: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let startX = 0;
  let startY = 0;
  let swiped = false;
  const cancel = () => {
    clearTimeout(timer);
    timer = undefined;
    el.style.transform = '';
  };
  el.addEventListener('pointerdown', (e) => {
    startX = e.clientX;
    startY = e.clientY;
    swiped = false;
    timer = setTimeout(() => {
      timer = undefined;
      onMenu();
    }, 500);
  });
  el.addEventListener('pointermove', (e) => {
    const dx = e.clientX - startX;
    if (Math.abs(e.clientY - startY) > 12 || Math.abs(dx) > 12) clearTimeout(timer);
    if (dx > 0 && !swiped) el.style.transform = `translateX(${Math.min(dx, 72)}px)`;
    if (dx > 60 && !swiped) {
      swiped = true;
      onSwipe();
    }
  });
  for (const ev of ['pointerup', 'pointercancel', 'pointerleave'] as const) el.addEventListener(ev, cancel);
  el.addEventListener('contextmenu', (e) => {
    e.preventDefault();
    cancel();
    onMenu();
  });
}
