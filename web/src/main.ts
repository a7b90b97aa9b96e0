// Entry point of the Mini App bundle.
import { App } from './app.js';
import { connectTelegram } from './telegram.js';
import { chatScreen } from './screens/chat.js';
import { discoverScreen } from './screens/discover.js';
import { loginScreen } from './screens/login.js';
import { matchesScreen } from './screens/matches.js';
import { premiumScreen } from './screens/premium.js';
import { profileScreen } from './screens/profile.js';
import { settingsScreen } from './screens/settings.js';

const tg = await connectTelegram();
const app = new App(tg)
  .route('login', loginScreen)
  .route('profile', profileScreen)
  .route('discover', discoverScreen)
  .route('matches', matchesScreen)
  .route('chat', chatScreen)
  .route('settings', settingsScreen)
  .route('premium', premiumScreen);
await app.start();
performance.mark('app-started');
