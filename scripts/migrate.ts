// `npm run migrate`: create and migrate every service database (the embedded one when no URL is set).
import { exitOnConfigError } from '../lib/env.js';
import { createLogger } from '../lib/logger.js';
import { loadLauncherEnv } from './config.js';
import { migrateAll, prepareDatabases } from './databases.js';

try {
  const config = loadLauncherEnv();
  const logger = createLogger('migrate', config.LOG_LEVEL);
  const databases = await prepareDatabases(config, logger);
  try {
    await migrateAll(databases.urls, logger);
  } finally {
    await databases.stop();
  }
} catch (error) {
  exitOnConfigError(error);
}
