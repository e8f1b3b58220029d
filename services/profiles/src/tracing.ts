// Imported first by index.ts: the instrumentations patch grpc-js, pg and pino as they load, so
// tracing starts before any other module imports them (lib/tracing.ts; off without an endpoint).
import { startTracing } from '../../../lib/tracing.js';

startTracing('profiles-service');
