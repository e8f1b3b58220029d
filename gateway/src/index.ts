import './tracing.js'; // first: see tracing.ts
import { configOrExit } from '../../lib/env.js';
import { createLogger } from '../../lib/logger.js';
import { runService } from '../../lib/process.js';
import { flushingTraces } from '../../lib/tracing.js';
import { createGatewayApp } from './app.js';
import { loadGatewayConfig } from './config.js';
import { openGatewayResources } from './resources.js';

const config = configOrExit(loadGatewayConfig);
const logger = createLogger('gateway', config.logLevel);

/** Opens the resources, builds the gateway over them and starts it; stopping closes them last. */
async function start() {
  const resources = openGatewayResources(config, logger);
  const gateway = createGatewayApp({ config, logger, upstreams: resources.upstreams, redis: resources.redis });
  await gateway.start();
  return {
    async stop() {
      await gateway.stop();
      resources.close();
    },
  };
}

runService(logger, () => start().then(flushingTraces));
