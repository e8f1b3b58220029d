// Imported first by index.ts: the instrumentations patch http, grpc-js and pg as they load, so
// tracing starts before any other module imports them (lib/tracing.ts; off without an endpoint).
import { startTracing } from '../../../lib/tracing.js';

startTracing('auth-service');
