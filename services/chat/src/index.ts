import './tracing.js'; // first: see tracing.ts
import { launch } from '../../../lib/app.js';
import { configOrExit } from '../../../lib/env.js';
import { createLogger } from '../../../lib/logger.js';
import { runService } from '../../../lib/process.js';
import { flushingTraces } from '../../../lib/tracing.js';
import { createChatApp } from './app.js';
import { loadChatConfig } from './config.js';
import { openChatResources } from './resources.js';

const config = configOrExit(loadChatConfig);
const logger = createLogger('chat-service', config.logLevel);
runService(logger, async () =>
  flushingTraces(
    await launch(await openChatResources(config, logger), (resources) =>
      createChatApp({ config, logger, ...resources }),
    ),
  ),
);
