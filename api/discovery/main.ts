// Composition root of the discovery service (DISCOVERY_PORT, 8083).
import { runService } from '../../shared/service-main.js';
import { createDiscoveryRouter } from './index.js';

await runService('discovery', (c) => c.ports.discovery, (platform) => ({ routers: [createDiscoveryRouter(platform)] }));
