// The lifecycle the profile screen's photo and clip sections share.
import type { App } from '../app.js';
import type { PhotoStatus } from '../contract.js';

/** What a screen reader hears when moderation decides on one of the user's own media items ("photo", "clip"). */
export function moderationNotice(what: string, status: PhotoStatus): string {
  return status === 'approved' ? `Your ${what} was approved.` : status === 'rejected' ? `Your ${what} was rejected.` : `Your ${what} is being reviewed.`;
}

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
