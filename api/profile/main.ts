// The profile service on its own (cluster mode): PROFILE_PORT, default 8082.
import { runService } from '../../shared/service-main.js';
import { createProfileRouter } from './index.js';

await runService('profile', (c) => c.ports.profile, (platform) => ({ routers: [createProfileRouter(platform)] }));
