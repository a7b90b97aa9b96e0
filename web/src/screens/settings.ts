// Settings: who sees the profile, what it shows, signed-in devices, logout
// and deleting the account (profile, photos and matches go; then logout).
import { errorText, type App, type Screen } from '../app.js';
import type { OwnProfile, ProfileUpdate, SessionItem, Visibility } from '../contract.js';
import { announce, h, relativeTime, replaceChildren, toast } from '../dom.js';
import { ApiError } from '../http.js';
import { premiumSection } from './premium.js';

const VISIBILITY: [Visibility, string, string][] = [
  ['visible', 'Visible', 'You appear in discovery.'],
  ['paused', 'Paused', 'You keep your matches and chats but nobody new sees you.'],
  ['hidden', 'Hidden', 'Your profile is hidden from everyone.'],
];

export function settingsScreen(app: App): Screen {
  const me = app.me!;
  const save = async (patch: ProfileUpdate, done: string) => {
    try {
      app.me = await app.api.put<OwnProfile>(`/profiles/${app.userId}`, patch);
      announce(done);
      toast(done);
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };

  const visibility = h(
    'fieldset',
    { class: 'radios' },
    h('legend', null, 'Profile visibility'),
    VISIBILITY.map(([value, label, hint]) =>
      h(
        'label',
        { class: 'radio' },
        h('input', {
          type: 'radio',
          name: 'visibility',
          value,
          checked: me.visibility === value,
          'aria-describedby': `vis-${value}`,
          onchange: () => void save({ visibility: value }, `Your profile is now ${label.toLowerCase()}.`),
        }),
        h('span', null, h('strong', null, label), h('span', { class: 'hint', id: `vis-${value}` }, hint)),
      ),
    ),
  );

  const toggle = (key: 'show_age' | 'show_distance', label: string) =>
    h(
      'label',
      { class: 'check' },
      h('input', {
        type: 'checkbox',
        checked: me.settings?.[key] !== false,
        onchange: (e: Event) => {
          const on = (e.target as HTMLInputElement).checked;
          void save({ settings: { ...(app.me?.settings ?? {}), [key]: on } }, `${label}: ${on ? 'on' : 'off'}.`);
        },
      }),
      label,
    );

  const sessions = h('ul', { class: 'sessions', 'aria-label': 'Signed-in devices' });
  const loadSessions = async () => {
    try {
      const res = await app.api.get<{ sessions: SessionItem[] }>('/auth/sessions');
      replaceChildren(
        sessions,
        res.sessions.map((s) =>
          h(
            'li',
            null,
            h('span', null, h('strong', null, s.current ? 'This device' : shortAgent(s.user_agent)), h('span', { class: 'hint' }, ` · active ${relativeTime(s.last_used_at)}`)),
            s.current
              ? null
              : h(
                  'button',
                  {
                    class: 'btn small',
                    type: 'button',
                    onclick: async () => {
                      await app.api.del(`/auth/sessions/${s.id}`).catch((err) => toast(errorText(err), 'error'));
                      void loadSessions();
                    },
                  },
                  'Sign out',
                ),
          ),
        ),
      );
    } catch {
      replaceChildren(sessions, h('li', { class: 'hint' }, 'Could not load your devices.'));
    }
  };
  void loadSessions();

  const logout = async () => {
    await app.api.post('/auth/logout').catch(() => {});
    app.session.clear();
  };

  const dangerZone = h('div', { class: 'danger' });
  const askDelete = () => {
    const confirmBtn = h('button', { class: 'btn danger', type: 'button' }, 'Delete forever');
    const cancel = h('button', { class: 'btn', type: 'button', onclick: () => resetDanger() }, 'Cancel');
    confirmBtn.addEventListener('click', async () => {
      confirmBtn.disabled = true;
      try {
        await app.api.del(`/profiles/${app.userId}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) {
          confirmBtn.disabled = false;
          return toast(errorText(err), 'error');
        }
      }
      sessionStorage.removeItem('tgd.demo');
      await logout();
    });
    replaceChildren(
      dangerZone,
      h('p', { role: 'alert', id: 'delete-warning' }, 'This removes your profile, photos, matches and chats. It cannot be undone.'),
      h('div', { class: 'row' }, cancel, confirmBtn),
    );
    cancel.focus();
  };
  const resetDanger = () => replaceChildren(dangerZone, h('button', { class: 'btn danger-outline', type: 'button', onclick: askDelete }, 'Delete my account'));
  resetDanger();

  return {
    title: 'Settings',
    el: h(
      'div',
      { class: 'screen' },
      h('section', { class: 'card' }, visibility),
      h('section', { class: 'card', 'aria-labelledby': 'privacy-h' }, h('h2', { id: 'privacy-h' }, 'What others see'), toggle('show_age', 'Show my age'), toggle('show_distance', 'Show my distance')),
      premiumSection(app),
      h('section', { class: 'card', 'aria-labelledby': 'devices-h' }, h('h2', { id: 'devices-h' }, 'Devices'), sessions),
      h('section', { class: 'card', 'aria-labelledby': 'account-h' }, h('h2', { id: 'account-h' }, 'Account'), h('button', { class: 'btn', type: 'button', onclick: () => void logout() }, 'Log out'), dangerZone),
    ),
  };
}

function shortAgent(ua: string | null): string {
  if (!ua) return 'Another device';
  const m = /(Telegram|Chrome|Firefox|Safari|Edg)[/ ]?[\d.]*/.exec(ua);
  return m ? `${m[1]}${/Android|iPhone|iPad|Mac|Windows|Linux/.exec(ua) ? ` on ${/Android|iPhone|iPad|Mac|Windows|Linux/.exec(ua)![0]}` : ''}` : 'Another device';
}
