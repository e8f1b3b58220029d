import './tracing.js'; // first: see tracing.ts
import { configOrExit } from '../../../lib/env.js';
import { createLogger } from '../../../lib/logger.js';
import { runService } from '../../../lib/process.js';
import { flushingTraces } from '../../../lib/tracing.js';
import { createAuthApp } from './app.js';
import { loadAuthConfig } from './config.js';

const config = configOrExit(loadAuthConfig);
const logger = createLogger('auth-service', config.logLevel);
runService(logger, () => createAuthApp(config, logger).then(flushingTraces));
