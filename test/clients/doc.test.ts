import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');

/**
 * docs/client-caches.md shows the cache configuration the client tests use: under each heading
 * that names a file, the first code block is that file, character for character.
 */
describe('docs/client-caches.md', () => {
  const doc = read('docs/client-caches.md');
  const shown = [...doc.matchAll(/^## .*`(test\/clients\/[\w-]+\.ts)`\n[\s\S]*?```ts\n([\s\S]*?)```/gm)];

  it('shows both configuration files', () => {
    expect(shown.map((match) => match[1])).toEqual(['test/clients/apollo-cache.ts', 'test/clients/urql-cache.ts']);
  });

  it.each(shown.map((match) => [match[1]!, match[2]!]))('shows %s as it is', (path, block) => {
    expect(block).toBe(read(path));
  });
});
