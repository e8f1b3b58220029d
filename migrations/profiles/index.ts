import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125200000_init } from './Migration20261125200000_init.js';

/** profiles-service's migrations, oldest first. Add each new one here. */
export const profilesMigrations: MigrationObject[] = [
  { name: 'Migration20261125200000_init', class: Migration20261125200000_init },
];
