import './tracing.js'; // first: see tracing.ts
import { configOrExit } from '../../../lib/env.js';
import { createLogger } from '../../../lib/logger.js';
import { runService } from '../../../lib/process.js';
import { flushingTraces } from '../../../lib/tracing.js';
import { createChatApp } from './app.js';
import { loadChatConfig } from './config.js';

const config = configOrExit(loadChatConfig);
const logger = createLogger('chat-service', config.logLevel);
runService(logger, () => createChatApp(config, logger).then(flushingTraces));
