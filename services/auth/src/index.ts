import './tracing.js'; // first: see tracing.ts
import { launch } from '../../../lib/app.js';
import { configOrExit } from '../../../lib/env.js';
import { createLogger } from '../../../lib/logger.js';
import { runService } from '../../../lib/process.js';
import { flushingTraces } from '../../../lib/tracing.js';
import { createAuthApp } from './app.js';
import { loadAuthConfig } from './config.js';
import { openAuthResources } from './resources.js';

const config = configOrExit(loadAuthConfig);
const logger = createLogger('auth-service', config.logLevel);
runService(logger, async () =>
  flushingTraces(
    await launch(await openAuthResources(config, logger), (resources) =>
      createAuthApp({ config, logger, ...resources }),
    ),
  ),
);
