// Prints Telegram init data signed with the configured bot token (the
// development token when BOT_TOKEN is unset), for trying the API with curl:
//   npm run sign-init-data -- --id 123 --first-name Ann [--username ann] [--last-name …] [--language-code en] [--auth-date <unix s>]
//   curl -s localhost:8080/auth/token -H 'content-type: application/json' \
//     -d "{\"init_data\": \"$(npm run -s sign-init-data -- --id 123 --first-name Ann)\"}"
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../shared/config.js';
import { devInitData, TelegramUserSchema } from '../api/auth/init-data.js';

const usage = 'usage: npm run sign-init-data -- --id <telegram id> --first-name <name> [--username <u>] [--last-name <n>] [--language-code <c>] [--auth-date <unix seconds>]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(64); // EX_USAGE
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      id: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      username: { type: 'string' },
      'language-code': { type: 'string' },
      'auth-date': { type: 'string' },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}

const parsed = TelegramUserSchema.safeParse({
  id: Number(values.id),
  first_name: values['first-name'],
  ...(values['last-name'] ? { last_name: values['last-name'] } : {}),
  ...(values.username ? { username: values.username } : {}),
  ...(values['language-code'] ? { language_code: values['language-code'] } : {}),
});
if (!values.id || !/^\d+$/.test(values.id) || !values['first-name'] || !parsed.success) fail('--id (a positive number) and --first-name are required');
const authDate = values['auth-date'] === undefined ? undefined : Number(values['auth-date']);
if (authDate !== undefined && !Number.isInteger(authDate)) fail('--auth-date must be unix seconds');

const config = loadConfigOrExit();
if (config.devMode) process.stderr.write('(development mode: signed with the development bot token)\n');
process.stdout.write(`${devInitData(parsed.data, config.telegram.botToken, authDate)}\n`);
