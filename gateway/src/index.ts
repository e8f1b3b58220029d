import './tracing.js'; // first: see tracing.ts
import { launch } from '../../lib/app.js';
import { configOrExit } from '../../lib/env.js';
import { createLogger } from '../../lib/logger.js';
import { runService } from '../../lib/process.js';
import { flushingTraces } from '../../lib/tracing.js';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';
import { openGatewayResources } from './resources.js';

const config = configOrExit(loadGatewayConfig);
const logger = createLogger('gateway', config.logLevel);
runService(logger, async () =>
  flushingTraces(
    await launch(openGatewayResources(config, logger), (resources) =>
      createGatewayApp({ config, logger, ...resources }),
    ),
  ),
);
