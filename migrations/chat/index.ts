import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125100000_init } from './Migration20261125100000_init.js';

/** chat-service's migrations, oldest first. Add each new one here. */
export const chatMigrations: MigrationObject[] = [
  { name: 'Migration20261125100000_init', class: Migration20261125100000_init },
];
