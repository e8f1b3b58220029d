import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125100000_init } from './Migration20261125100000_init.js';
import { Migration20261130100000_send_message } from './Migration20261130100000_send_message.js';

/** chat-service's migrations, oldest first. Add each new one here. */
export const chatMigrations: MigrationObject[] = [
  { name: 'Migration20261125100000_init', class: Migration20261125100000_init },
  { name: 'Migration20261130100000_send_message', class: Migration20261130100000_send_message },
];
