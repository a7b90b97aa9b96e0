// Composition root of the media service (MEDIA_PORT, 8084).
import { runService } from '../../shared/service-main.js';
import { createMediaRouter } from './index.js';

await runService('media', (c) => c.ports.media, (platform) => ({ routers: [createMediaRouter(platform)] }));
