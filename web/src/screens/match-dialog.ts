// "It's a match!": shown on `match:new`, wherever the user is. A modal
// dialog: focus moves in, Escape or "Keep swiping" closes it and returns focus.
import type { App } from '../app.js';
import type { MatchUser } from '../contract.js';
import { h, initials } from '../dom.js';

const queue: { match_id: string; conversation_id: string; user: MatchUser | null }[] = [];
let open = false;

export function showMatch(app: App, m: { match_id: string; conversation_id: string; user: MatchUser | null }) {
  if (queue.some((q) => q.match_id === m.match_id)) return;
  queue.push(m);
  if (!open) next(app);
}

function next(app: App) {
  const m = queue[0];
  const overlay = document.getElementById('overlay')!;
  if (!m) {
    open = false;
    overlay.hidden = true;
    app.tg.setDialogMainButton(undefined);
    return;
  }
  open = true;
  const returnFocus = document.activeElement as HTMLElement | null;
  const name = m.user?.display_name ?? 'Someone';
  const photo = m.user?.photos[0]?.urls;
  const src = photo?.medium ?? photo?.thumb ?? photo?.large;
  const close = (to?: string) => {
    queue.shift();
    overlay.textContent = '';
    document.removeEventListener('keydown', onKey);
    if (to) app.navigate(to);
    else returnFocus?.focus();
    next(app);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close();
    if (e.key === 'Tab') {
      // Keep focus inside the dialog.
      const f = [...overlay.querySelectorAll<HTMLElement>('button')];
      const i = f.indexOf(document.activeElement as HTMLElement);
      if (e.shiftKey && i <= 0) {
        e.preventDefault();
        f[f.length - 1].focus();
      } else if (!e.shiftKey && i === f.length - 1) {
        e.preventDefault();
        f[0].focus();
      }
    }
  };
  const message = h('button', { class: 'btn primary', type: 'button', onclick: () => close(`chat/${m.conversation_id}`) }, 'Send a message');
  const dialog = h(
    'div',
    { class: 'dialog match', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'match-h', 'aria-describedby': 'match-d' },
    h('h2', { id: 'match-h' }, "It's a match!"),
    src
      ? h('img', { class: 'match-photo', src, alt: `Photo of ${name}`, width: '160', height: '160' })
      : h('div', { class: 'match-photo avatar-big', 'aria-hidden': 'true' }, initials(name)),
    h('p', { id: 'match-d' }, `You and ${name} like each other.`),
    message,
    h('button', { class: 'btn', type: 'button', onclick: () => close() }, 'Keep swiping'),
  );
  overlay.textContent = '';
  overlay.appendChild(dialog);
  overlay.hidden = false;
  document.addEventListener('keydown', onKey);
  // Telegram's MainButton opens the chat while the dialog is up (not the screen's action underneath).
  app.tg.setDialogMainButton({ text: 'Send a message', onClick: () => close(`chat/${m.conversation_id}`) });
  message.focus();
}
