// Rewind on the discovery deck: POST /discovery/rewind undoes the last swipe
// and answers that candidate, which the deck shows again. Without a rewind to
// spend (402) it offers Premium; with no swipe to undo (409) it says so.
import { errorText, type App } from '../app.js';
import type { Candidate } from '../contract.js';
import { announce, h } from '../dom.js';
import { ApiError } from '../http.js';

export function rewindButton(app: App, opts: { show(candidate: Candidate): void; say(message: string | HTMLElement): void }): HTMLElement {
  const button = h('button', { class: 'btn link rewind', type: 'button' }, h('span', { 'aria-hidden': 'true' }, '↶ '), 'Rewind');
  button.addEventListener('click', async () => {
    button.disabled = true;
    opts.say('');
    try {
      const { candidate } = await app.api.post<{ candidate: Candidate }>('/discovery/rewind');
      opts.show(candidate);
      announce(`${candidate.display_name} is back.`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 402) {
        opts.say(h('span', null, 'Rewinds come with Premium. ', h('a', { href: '#/premium/discover' }, 'Get Premium')));
      } else if (err instanceof ApiError && err.status === 409) opts.say('Nothing to rewind.');
      else opts.say(errorText(err));
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { class: 'deck-tools' }, button);
}
