// @deprecated: moved to test/helpers (realtime.ts, users.ts, profiles.ts); these re-exports go once no test imports them.
import type { Knex } from 'knex';
import { createProfile as profileRow } from '../helpers/profiles.js';
import type { TestUser } from '../helpers/users.js';

export { clientMsgId, startNode, type Node } from '../helpers/realtime.js';
export { matchedPair } from '../helpers/users.js';

export async function createProfile(db: Knex, user: TestUser, displayName = 'Test') {
  await profileRow(db, user.id, { display_name: displayName });
}
