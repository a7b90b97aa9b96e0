/** @deprecated moved to database.ts; these re-exports go once no test imports them from here. */
export { isolatedDatabase as ownDatabase, type IsolatedDatabase as OwnDatabase } from './database.js';
