// The roles a machine of the PM2 cluster can take (`npm run cluster -- --only
// <roles>`), each the ecosystem.config.js apps it runs. App names work too.
export const ROLES: Record<string, string[]> = {
  gateway: ['gateway'],
  api: ['auth', 'profile', 'discovery', 'media', 'admin'],
  realtime: ['realtime'],
  workers: ['matching', 'moderation', 'notifications'],
};
export const APPS = Object.values(ROLES).flat();

/** The apps of `a,b` (roles or app names), in the order given; an unknown name is an error naming the choices. */
export function appsOf(raw: string): string[] {
  const apps = new Set<string>();
  for (const name of raw.split(',').map((n) => n.trim()).filter(Boolean)) {
    const of = ROLES[name] ?? (APPS.includes(name) ? [name] : undefined);
    if (!of) throw new Error(`--only: unknown role or app "${name}" (roles: ${Object.keys(ROLES).join(', ')}; apps: ${APPS.join(', ')})`);
    for (const app of of) apps.add(app);
  }
  return [...apps];
}
