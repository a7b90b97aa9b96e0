// Matches, newest activity first, with the last message and unread counts.
// Live: new matches, new messages and unmatches update the list in place.
import { errorText, type App, type Screen } from '../app.js';
import type { MatchItem, Message } from '../contract.js';
import { h, initials, relativeTime, replaceChildren } from '../dom.js';

export function matchesScreen(app: App): Screen {
  let items: MatchItem[] = [];
  let disposed = false;
  const list = h('ul', { class: 'match-list', 'aria-label': 'Your matches', 'aria-busy': 'true' });
  const status = h('p', { class: 'form-status', role: 'status' });

  const activity = (m: MatchItem) => m.last_message?.created_at ?? m.created_at;

  const render = () => {
    list.setAttribute('aria-busy', 'false');
    items.sort((a, b) => activity(b).localeCompare(activity(a)));
    if (!items.length) {
      replaceChildren(list, h('li', { class: 'empty' }, 'No matches yet. Like someone in Discover: when they like you back, you can chat here.'));
      return;
    }
    replaceChildren(
      list,
      items.map((m) => {
        const unread = app.conversations.get(m.conversation_id)?.unread_count ?? 0;
        const last = m.last_message;
        const preview = last ? `${last.sender_id === app.userId ? 'You: ' : ''}${last.body ?? 'Message deleted'}` : 'New match: say hello!';
        const thumb = m.user.photos[0]?.urls.thumb;
        return h(
          'li',
          null,
          h(
            'a',
            { class: 'match-item', href: `#/chat/${m.conversation_id}`, 'data-conversation-id': m.conversation_id },
            thumb
              ? h('img', { class: 'avatar', src: thumb, alt: '', width: '48', height: '48', decoding: 'async' })
              : h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(m.user.display_name)),
            h(
              'span',
              { class: 'match-text' },
              h('span', { class: 'match-name' }, m.user.display_name),
              h('span', { class: `match-preview${unread ? ' unread' : ''}` }, preview),
            ),
            h(
              'span',
              { class: 'match-meta' },
              h('span', { class: 'time' }, relativeTime(activity(m))),
              unread ? h('span', { class: 'badge', 'aria-label': `${unread} unread` }, String(unread)) : null,
            ),
          ),
        );
      }),
    );
  };

  const load = async () => {
    try {
      const [res] = await Promise.all([app.api.get<{ matches: MatchItem[] }>('/discovery/matches'), app.loadConversations()]);
      if (disposed) return;
      items = res.matches;
      status.textContent = '';
      render();
    } catch (err) {
      if (!disposed) status.textContent = errorText(err);
    }
  };

  const onMessage = ({ message }: { message: Message }) => {
    const m = items.find((x) => x.conversation_id === message.conversation_id);
    if (!m) return void load();
    if (!m.last_message || m.last_message.seq < message.seq) m.last_message = message;
    render(); // the app already counted it as unread
  };

  const offs = [
    app.rt.on('message:new', onMessage),
    app.rt.on('match:new', () => void load()),
    app.rt.on('match:removed', ({ match_id }) => {
      items = items.filter((m) => m.match_id !== match_id);
      render();
    }),
    app.rt.onResync(() => void load()),
  ];
  void load();
  return {
    title: 'Matches',
    el: h('div', { class: 'screen' }, list, status),
    dispose: () => {
      disposed = true;
      for (const off of offs) off();
    },
  };
}
