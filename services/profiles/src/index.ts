import './tracing.js'; // first: see tracing.ts
import { launch } from '../../../lib/app.js';
import { configOrExit } from '../../../lib/env.js';
import { createLogger } from '../../../lib/logger.js';
import { runService } from '../../../lib/process.js';
import { flushingTraces } from '../../../lib/tracing.js';
import { createProfilesApp } from './app.js';
import { loadProfilesConfig } from './config.js';
import { openProfilesResources } from './resources.js';

const config = configOrExit(loadProfilesConfig);
const logger = createLogger('profiles-service', config.logLevel);
runService(logger, async () =>
  flushingTraces(
    await launch(await openProfilesResources(config, logger), (resources) =>
      createProfilesApp({ config, logger, ...resources }),
    ),
  ),
);
