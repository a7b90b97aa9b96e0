// Signing in. Inside Telegram the WebApp's init data does it (this screen
// only shows when that failed). In a browser, in development mode, the
// platform signs init data for a demo user of this tab.
import { errorText, field, type App, type Screen } from '../app.js';
import { h } from '../dom.js';
import { ApiError, API_BASE, readError } from '../http.js';

const DEMO_KEY = 'tgd.demo';
const NAMES = ['Alex', 'Sam', 'Robin', 'Kim', 'Jules', 'Noa', 'Charlie', 'Max'];

interface DemoUser {
  id: number;
  first_name: string;
}

function demoUser(): DemoUser {
  try {
    const saved = JSON.parse(sessionStorage.getItem(DEMO_KEY) ?? 'null') as DemoUser | null;
    if (saved && Number.isSafeInteger(saved.id)) return saved;
  } catch {
    // a new one below
  }
  return newDemoUser();
}

function newDemoUser(): DemoUser {
  const u = {
    id: 100_000_000 + Math.floor(Math.random() * 8_000_000_000),
    first_name: NAMES[Math.floor(Math.random() * NAMES.length)],
  };
  sessionStorage.setItem(DEMO_KEY, JSON.stringify(u));
  return u;
}

async function devInitData(user: DemoUser): Promise<string> {
  const res = await fetch(`${API_BASE}/auth/dev/init-data`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  }).catch(() => {
    throw new ApiError(0, 'network_error', 'No connection to the server');
  });
  if (res.status === 404) throw new ApiError(404, 'not_found', 'Demo users exist only in development mode. Open this app from Telegram.');
  if (!res.ok) throw await readError(res);
  const body = (await res.json()) as { init_data?: string };
  if (!body.init_data) throw new ApiError(500, 'unavailable', 'The server did not sign the demo login.');
  return body.init_data;
}

export function loginScreen(app: App): Screen {
  const status = h('p', { class: 'form-status', role: 'status' });
  const signIn = async (button: HTMLButtonElement, getInitData: () => Promise<string>) => {
    button.disabled = true;
    status.textContent = 'Signing in…';
    status.classList.remove('error');
    try {
      await app.session.login(await getInitData());
      status.textContent = '';
      await app.enter();
    } catch (err) {
      status.textContent = errorText(err);
      status.classList.add('error');
      button.disabled = false;
    }
  };

  if (app.tg.inTelegram) {
    const retry = h('button', { class: 'btn primary', type: 'button' }, 'Sign in again');
    retry.addEventListener('click', () => void signIn(retry, async () => app.tg.initData));
    return {
      title: 'Sign in',
      tabs: false,
      el: h(
        'div',
        { class: 'screen center' },
        h('p', null, 'We could not sign you in with Telegram.'),
        h('p', { class: 'hint' }, 'If this keeps happening, close the app and open it again from the bot.'),
        retry,
        status,
      ),
    };
  }

  let demo = demoUser();
  const name = h('input', { id: 'f-name', type: 'text', autocomplete: 'given-name', maxlength: '64', required: true, value: demo.first_name });
  const submit = h('button', { class: 'btn primary', type: 'submit' }, 'Log in as demo user');
  const form = h(
    'form',
    { class: 'card login', novalidate: true },
    h('p', { class: 'lead' }, 'Meet people nearby, right inside Telegram.'),
    h('p', { class: 'hint' }, 'Outside Telegram, this development server lets you try the app as a demo user. Each browser tab is its own user.'),
    field('Your name', name),
    submit,
    h(
      'button',
      {
        class: 'btn link',
        type: 'button',
        onclick: () => {
          demo = newDemoUser();
          name.value = demo.first_name;
          status.textContent = 'A new demo user: log in to start fresh.';
        },
      },
      'Use a new demo user',
    ),
    status,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const first = name.value.trim();
    if (!first) {
      status.textContent = 'Please enter a name.';
      status.classList.add('error');
      name.focus();
      return;
    }
    demo = { ...demo, first_name: first };
    sessionStorage.setItem(DEMO_KEY, JSON.stringify(demo));
    void signIn(submit, () => devInitData(demo));
  });
  requestAnimationFrame(() => performance.mark('first-screen-interactive'));
  return { title: 'Welcome', tabs: false, el: h('div', { class: 'screen' }, form) };
}
