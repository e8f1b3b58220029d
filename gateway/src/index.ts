import './tracing.js'; // first: see tracing.ts
import { configOrExit } from '../../lib/env.js';
import { createLogger } from '../../lib/logger.js';
import { runService } from '../../lib/process.js';
import { flushingTraces } from '../../lib/tracing.js';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';

const config = configOrExit(loadGatewayConfig);
const logger = createLogger('gateway', config.logLevel);
runService(logger, () => createGatewayApp(config, logger).then(flushingTraces));
