import './tracing.js'; // first: see tracing.ts
import { configOrExit } from '../../../lib/env.js';
import { createLogger } from '../../../lib/logger.js';
import { runService } from '../../../lib/process.js';
import { flushingTraces } from '../../../lib/tracing.js';
import { createProfilesApp } from './app.js';
import { loadProfilesConfig } from './config.js';

const config = configOrExit(loadProfilesConfig);
const logger = createLogger('profiles-service', config.logLevel);
runService(logger, () => createProfilesApp(config, logger).then(flushingTraces));
