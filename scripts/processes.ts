/**
 * The system's processes, by the TypeScript entry file of each. `npm start` (start.ts) runs them
 * from these sources with tsx, or compiled (`npm run build`: `dist/<entry>.js`) with plain node;
 * the image, compose.yaml and deploy/k8s run the compiled ones (test/deploy/ checks they match).
 */
export const ENTRIES = {
  auth: 'services/auth/src/index.ts',
  chat: 'services/chat/src/index.ts',
  profiles: 'services/profiles/src/index.ts',
  gateway: 'gateway/src/index.ts',
  /** `npm run migrate`; the launcher itself migrates in-process before it starts the services. */
  migrate: 'scripts/migrate.ts',
  /** `npm run keys`: the token keys (created once, rotated, retired); compose's one-shot `keys`. */
  keys: 'scripts/keys.ts',
  /** The embedded PostgreSQL (npm start without database URLs only). */
  postgres: 'scripts/postgres-process.ts',
} as const;

/** Where `npm run build` puts an entry, relative to the repository (or the image's /app). */
export const compiledEntry = (entry: string): string => `dist/${entry.replace(/\.ts$/, '.js')}`;
