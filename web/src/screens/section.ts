// The lifecycle the profile screen's photo and clip sections share.
import type { App } from '../app.js';

/**
 * A section that waits for the saved profile: enable() shows it and loads it, once; after a
 * reconnect that lost events it loads again (the list on the server is the truth); dispose() stops that.
 */
export function profileSection(app: App, render: () => void, load: () => Promise<void>) {
  let enabled = false;
  const offResync = app.rt.onResync(() => enabled && void load());
  return {
    get enabled() {
      return enabled;
    },
    enable() {
      if (enabled) return;
      enabled = true;
      render();
      void load();
    },
    dispose: offResync,
  };
}
