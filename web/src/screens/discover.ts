// The discovery deck: one candidate at a time, pass / superlike / like.
// A mutual like arrives as `match:new` (the app shows the match dialog).
// Quota and rate messages sit in a reserved line under the buttons.
import { errorText, type App, type Screen } from '../app.js';
import type { Candidate } from '../contract.js';
import { announce, h, initials, replaceChildren } from '../dom.js';
import { ApiError } from '../http.js';
import { rewindButton } from './rewind.js';

type Action = 'pass' | 'like' | 'superlike';

function retryText(s: number | undefined) {
  if (!s) return 'later';
  if (s < 90) return `in ${s} s`;
  if (s < 5400) return `in ${Math.round(s / 60)} min`;
  return `in ${Math.round(s / 3600)} h`;
}

export function discoverScreen(app: App): Screen {
  let deck: Candidate[] = [];
  let photoIndex = 0;
  let busy = false;
  let disposed = false;
  /** The candidate the last rewind brought back, until a page of candidates has come (see load) or it is swiped. */
  let rewound: Candidate | undefined;
  const stage = h('div', { class: 'deck', 'aria-live': 'polite', 'aria-busy': 'true' });
  const message = h('p', { class: 'deck-message', role: 'status' });
  const note =
    app.me && app.me.visibility !== 'visible'
      ? h('p', { class: 'notice' }, `Your profile is ${app.me.visibility}: others don't see you. `, h('a', { href: '#/settings' }, 'Change in settings'))
      : null;

  const btn = (action: Action, label: string, symbol: string) =>
    h('button', { class: `swipe ${action}`, type: 'button', 'data-action': action, onclick: () => void swipe(action) }, h('span', { 'aria-hidden': 'true' }, symbol), h('span', { class: 'swipe-label' }, label));
  const buttons = h('div', { class: 'swipe-row' }, btn('pass', 'Pass', '✕'), btn('superlike', 'Super like', '★'), btn('like', 'Like', '♥'));

  const setButtons = (on: boolean) => {
    for (const b of buttons.querySelectorAll('button')) {
      b.disabled = !on;
      const who = deck[0]?.display_name;
      const label = b.querySelector('.swipe-label')!.textContent!;
      b.setAttribute('aria-label', who ? `${label} ${who}` : label);
    }
  };

  const likeAction = { text: 'Like', onClick: () => swipe('like') };
  const renderCard = () => {
    const c = deck[0];
    stage.setAttribute('aria-busy', 'false');
    app.tg.setMainButton(c ? likeAction : null);
    if (!c) {
      setButtons(false);
      replaceChildren(
        stage,
        h(
          'div',
          { class: 'card empty-deck' },
          h('p', null, 'No one new around you right now.'),
          h('button', { class: 'btn', type: 'button', onclick: () => void load() }, 'Check again'),
        ),
      );
      return;
    }
    const photo = c.photos[photoIndex % Math.max(1, c.photos.length)];
    const src = photo?.urls.medium ?? photo?.urls.large ?? photo?.urls.thumb;
    const facts = [c.age !== null ? String(c.age) : null, c.distance_km != null ? `${c.distance_km} km away` : null].filter(Boolean).join(' · ');
    replaceChildren(
      stage,
      h(
        'article',
        { class: 'card candidate', 'aria-labelledby': 'cand-name', 'data-user-id': c.user_id },
        h(
          'div',
          { class: 'candidate-photo' },
          c.video && photoIndex === 0
            ? cardClip(c.video, c.display_name)
            : src
              ? h('img', { src, alt: `Photo of ${c.display_name}`, width: '720', height: '960', decoding: 'async' })
              : h('div', { class: 'avatar-big', 'aria-hidden': 'true' }, initials(c.display_name)),
          c.photos.length > 1
            ? h(
                'button',
                {
                  class: 'next-photo',
                  type: 'button',
                  'aria-label': `Next photo (${(photoIndex % c.photos.length) + 1} of ${c.photos.length})`,
                  onclick: () => {
                    photoIndex++;
                    renderCard();
                    stage.querySelector<HTMLElement>('.next-photo')?.focus();
                  },
                },
                '›',
              )
            : null,
        ),
        h('div', { class: 'candidate-body' }, h('h2', { id: 'cand-name' }, c.display_name), facts ? h('p', { class: 'facts' }, facts) : null, c.bio ? h('p', { class: 'bio' }, c.bio) : null, c.interests.length ? h('ul', { class: 'chips', 'aria-label': 'Interests' }, c.interests.map((i) => h('li', null, i))) : null),
      ),
    );
    setButtons(true);
  };

  const load = async () => {
    stage.setAttribute('aria-busy', 'true');
    message.textContent = '';
    try {
      const res = await app.api.get<{ candidates: Candidate[] }>('/discovery/candidates?limit=20');
      if (disposed) return;
      // A card a rewind brought back while this page was on its way stays on top.
      deck = rewound ? [rewound, ...res.candidates.filter((x) => x.user_id !== rewound!.user_id)] : res.candidates;
      rewound = undefined;
      photoIndex = 0;
      renderCard();
    } catch (err) {
      if (disposed) return;
      stage.setAttribute('aria-busy', 'false');
      message.textContent = errorText(err);
    }
  };

  const swipe = async (action: Action) => {
    const c = deck[0];
    if (!c || busy) return;
    busy = true;
    app.tg.impact(action === 'pass' ? 'light' : action === 'like' ? 'medium' : 'heavy');
    setButtons(false);
    message.textContent = '';
    try {
      await app.api.post(`/discovery/${action}`, { target_id: c.user_id });
      advance(action === 'pass' ? `Passed on ${c.display_name}.` : `You liked ${c.display_name}.`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) advance(''); // already swiped (another device)
      else if (err instanceof ApiError && err.status === 404) advance(''); // gone meanwhile
      else if (err instanceof ApiError && err.code === 'quota_exceeded') {
        message.textContent =
          action === 'superlike'
            ? `You've used today's super likes. More ${retryText(err.retryAfterS)}.`
            : `You've used today's likes. More ${retryText(err.retryAfterS)}.`;
        setButtons(true);
      } else {
        message.textContent = err instanceof ApiError && err.status === 429 ? `Slow down a little. Try again ${retryText(err.retryAfterS)}.` : errorText(err);
        setButtons(true);
      }
    } finally {
      busy = false;
    }
  };

  const advance = (said: string) => {
    // A swipe answered after the user left the deck: the next card would take the new screen's MainButton.
    if (disposed) return;
    if (rewound?.user_id === deck[0]?.user_id) rewound = undefined;
    deck.shift();
    photoIndex = 0;
    if (said) announce(said);
    if (deck.length) renderCard();
    else void load();
  };

  const rewind = rewindButton(app, {
    show: (candidate) => {
      rewound = candidate;
      deck = [candidate, ...deck.filter((x) => x.user_id !== candidate.user_id)];
      photoIndex = 0;
      renderCard();
    },
    say: (said) => replaceChildren(message, said),
  });

  void load();
  return {
    title: 'Discover',
    swipeDeck: true,
    el: h('div', { class: 'screen discover' }, note, stage, buttons, rewind, message),
    dispose: () => {
      disposed = true;
    },
  };
}

/** The profile clip on the card: muted, inline, looping (its poster until it plays). */
function cardClip(video: NonNullable<Candidate['video']>, name: string) {
  const v = h('video', { class: 'candidate-clip', src: video.url_480, poster: video.poster_url, muted: '', loop: '', autoplay: '', playsinline: '', preload: 'auto', 'aria-label': `Clip of ${name}`, width: '720', height: '960' });
  v.muted = true;
  return v;
}
