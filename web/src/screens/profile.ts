// Onboarding and the profile editor: the fields of the contract, the
// location from the device, and photos with their live moderation status.
import { errorText, field, showFieldErrors, type App, type Screen } from '../app.js';
import type { Gender, OwnProfile } from '../contract.js';
import { h, toast } from '../dom.js';
import { ApiError } from '../http.js';
import { clipSection } from './clip.js';
import { photosSection } from './photos.js';

const GENDERS: [Gender, string, string][] = [
  ['woman', 'Woman', 'Women'],
  ['man', 'Man', 'Men'],
  ['nonbinary', 'Non-binary', 'Non-binary people'],
];

function isoDate(d: Date) {
  return d.toISOString().slice(0, 10);
}

export function profileScreen(app: App): Screen {
  const me = app.me;
  const creating = me === null;
  const eighteenYearsAgo = new Date();
  eighteenYearsAgo.setUTCFullYear(eighteenYearsAgo.getUTCFullYear() - 18);

  const displayName = h('input', {
    id: 'f-display_name',
    type: 'text',
    maxlength: '64',
    required: true,
    autocomplete: 'nickname',
    value: me?.display_name ?? app.session.user?.first_name ?? '',
  });
  const birthdate = h('input', { id: 'f-birthdate', type: 'date', required: true, max: isoDate(eighteenYearsAgo), value: me?.birthdate ?? '' });
  const gender = h(
    'select',
    { id: 'f-gender', required: true },
    h('option', { value: '', disabled: true, selected: !me }, 'Choose…'),
    GENDERS.map(([v, label]) => h('option', { value: v, selected: me?.gender === v }, label)),
  );
  const bio = h('textarea', { id: 'f-bio', maxlength: '500', rows: '3', value: me?.bio ?? '' });
  const interests = h('input', { id: 'f-interests', type: 'text', value: (me?.interests ?? []).join(', '), autocomplete: 'off' });
  const lookingFor = h(
    'fieldset',
    { id: 'f-looking_for', class: 'checks' },
    h('legend', null, 'Show me'),
    GENDERS.map(([v, , plural]) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'looking_for', value: v, checked: me ? me.looking_for.includes(v) : false }),
        plural,
      ),
    ),
    h('p', { class: 'field-error', id: 'f-looking_for-error' }),
  );
  const ageMin = h('input', { id: 'f-age_min', type: 'number', min: '18', max: '100', inputmode: 'numeric', value: String(me?.age_min ?? 18) });
  const ageMax = h('input', { id: 'f-age_max', type: 'number', min: '18', max: '100', inputmode: 'numeric', value: String(me?.age_max ?? 100) });
  const distance = h('input', {
    id: 'f-max_distance_km',
    type: 'number',
    min: '1',
    max: '500',
    inputmode: 'numeric',
    value: String(me?.max_distance_km ?? 50),
  });

  let location = me?.location ?? null;
  const locationStatus = h('p', { class: 'hint', id: 'f-location-status', role: 'status' });
  const showLocation = () => {
    locationStatus.textContent = location
      ? `Location set (${location.lat.toFixed(2)}, ${location.lon.toFixed(2)}).`
      : 'No location yet: distance will not be used.';
  };
  showLocation();
  const locate = h('button', { class: 'btn', type: 'button', id: 'f-location', 'aria-describedby': 'f-location-status f-location-error' }, 'Use my current location');
  locate.addEventListener('click', () => {
    if (!('geolocation' in navigator)) {
      locationStatus.textContent = 'This device cannot share its location.';
      return;
    }
    locationStatus.textContent = 'Finding you…';
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        // Four decimals (~10 m) is plenty for distances in km.
        location = { lat: Number(pos.coords.latitude.toFixed(4)), lon: Number(pos.coords.longitude.toFixed(4)) };
        showLocation();
      },
      () => (locationStatus.textContent = 'Location not available. Allow it in your settings and try again.'),
      { enableHighAccuracy: false, timeout: 10_000, maximumAge: 600_000 },
    );
  });

  const submit = h('button', { class: 'btn primary', type: 'submit' }, creating ? 'Create profile' : 'Save changes');
  /** The save the last valid submit started (the MainButton shows progress until it ends). */
  let saving: Promise<void> | undefined;
  // Telegram's MainButton submits the form like the page's own button (the browser's checks first).
  const submitForm = () => {
    if (submit.disabled) return undefined;
    saving = undefined;
    form.requestSubmit(); // a valid form's submit event starts the save, at once
    return saving as Promise<void> | undefined;
  };
  const saveAction = { text: 'Save changes', onClick: submitForm };
  let disposed = false;
  const status = h('p', { class: 'form-status', role: 'status' });
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-labelledby': 'about-h' },
    h('h2', { id: 'about-h' }, creating ? 'Tell people about you' : 'About you'),
    field('Name', displayName),
    field('Birthday', birthdate, 'You must be 18 or older. Only your age is shown.'),
    field('I am', gender),
    field('About me', bio, 'Up to 500 characters.'),
    field('Interests', interests, 'Separate with commas, up to 10.'),
    h('h2', null, 'Who you want to meet'),
    lookingFor,
    h('div', { class: 'row' }, field('Age from', ageMin), field('to', ageMax)),
    field('Distance up to (km)', distance),
    h('div', { class: 'field' }, locate, locationStatus, h('p', { class: 'field-error', id: 'f-location-error' })),
    submit,
    status,
  );

  const collect = () => {
    const looking = [...lookingFor.querySelectorAll<HTMLInputElement>('input:checked')].map((c) => c.value as Gender);
    const tags = interests.value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const body: Record<string, unknown> = {
      display_name: displayName.value.trim(),
      birthdate: birthdate.value,
      gender: gender.value,
      bio: bio.value.trim(),
      interests: [...new Set(tags)],
      looking_for: looking,
      age_min: Number(ageMin.value),
      age_max: Number(ageMax.value),
      max_distance_km: Number(distance.value),
    };
    if (location) body.location = location;
    return body;
  };

  const localProblems = (b: Record<string, unknown>) => {
    const p: Record<string, string> = {};
    if (!b.display_name) p.display_name = 'Please enter your name.';
    if (!b.birthdate) p.birthdate = 'Please enter your birthday.';
    else if (String(b.birthdate) > isoDate(eighteenYearsAgo)) p.birthdate = 'You must be 18 or older.';
    if (!b.gender) p.gender = 'Please choose one.';
    if (!(b.looking_for as string[]).length) p.looking_for = 'Choose at least one.';
    if ((b.interests as string[]).length > 10) p.interests = 'At most 10 interests.';
    if (Number(b.age_min) > Number(b.age_max)) p.age_min = 'The lower age must not exceed the upper one.';
    return p;
  };

  const photos = photosSection(app);
  const clip = clipSection(app);
  const next = h('a', { class: 'btn primary', href: '#/discover', hidden: creating }, 'Start discovering');

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    saving = save();
  });
  const save = async () => {
    const body = collect();
    const problems = localProblems(body);
    showFieldErrors(form, problems);
    if (Object.keys(problems).length) return;
    submit.disabled = true;
    status.textContent = 'Saving…';
    try {
      app.me = app.me
        ? await app.api.put<OwnProfile>(`/profiles/${app.userId}`, body)
        : await app.api.post<OwnProfile>('/profiles', body);
      status.textContent = creating ? 'Profile created. Now add a photo.' : 'Saved.'; // role=status announces it
      submit.textContent = 'Save changes';
      if (!disposed) app.tg.setMainButton(saveAction);
      photos.enable();
      clip.enable();
      next.hidden = false;
      document.getElementById('tabs')!.hidden = false;
      if (creating) {
        document.getElementById('title')!.textContent = 'My profile';
        // Photos come next: bring them into view.
        photos.el.scrollIntoView({ block: 'start' });
      }
      void app.loadConversations();
    } catch (err) {
      status.textContent = '';
      if (err instanceof ApiError && err.code === 'validation_failed') showFieldErrors(form, err.fieldErrors());
      else if (err instanceof ApiError && err.status === 409) {
        // Created from another tab: load it and edit instead.
        app.me = await app.api.get<OwnProfile>('/profiles/me');
        status.textContent = 'You already have a profile; saved as an edit next time.';
      } else toast(errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  };

  if (!creating) {
    photos.enable();
    clip.enable();
  }
  return {
    mainButton: creating ? { text: 'Create profile', onClick: submitForm } : saveAction,
    title: creating ? 'Create your profile' : 'My profile',
    tabs: !creating,
    // Onboarding asks for the profile first (photos need it); the editor shows photos on top.
    el: h('div', { class: 'screen' }, creating ? [form, photos.el, clip.el] : [photos.el, clip.el, form], h('div', { class: 'actions' }, next)),
    dispose: () => {
      disposed = true;
      photos.dispose();
      clip.dispose();
    },
  };
}
