// What the bot says, in the user's language (English unless Telegram says Russian).
export type Lang = 'en' | 'ru';

export const langOf = (code: string | null | undefined): Lang => (code?.toLowerCase().startsWith('ru') ? 'ru' : 'en');

const TEXTS = {
  en: {
    welcome: '👋 Welcome! Open the app to meet people nearby.',
    referred: '🎁 You and the friend who invited you each got a superlike.',
    open: 'Open the app',
  },
  ru: {
    welcome: '👋 Добро пожаловать! Откройте приложение, чтобы познакомиться с людьми рядом.',
    referred: '🎁 Вы и пригласивший вас друг получили по суперлайку.',
    open: 'Открыть приложение',
  },
} as const;

export const textsFor = (lang: Lang) => TEXTS[lang];
