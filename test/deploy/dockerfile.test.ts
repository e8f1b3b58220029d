import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, commandOf } from './processes.js';

/**
 * The Dockerfile, read rather than built (no container engine runs here): stages, a non-root
 * user, the compiled output run with plain node, and nothing local or secret in the context.
 */

interface Instruction {
  keyword: string;
  args: string;
}
/** The instructions of each stage, continuation lines joined, comments dropped. */
function stages(text: string): Map<string, Instruction[]> {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const result = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const name = / AS (\S+)$/i.exec(instruction.args)?.[1] ?? String(result.size);
      current = [];
      result.set(name, current);
    }
    current?.push(instruction);
  }
  return result;
}

const dockerfile = stages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = [...dockerfile.values()].at(-1)!;
const find = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Dockerfile', () => {
  it('builds in one stage and runs the compiled output from another', () => {
    expect([...dockerfile.keys()]).toEqual(['build', 'dependencies', 'runtime']);
    expect(find(dockerfile.get('build')!, 'RUN')).toContain('npm run build');
    // Production dependencies only, installed from the lock file.
    expect(find(dockerfile.get('dependencies')!, 'RUN').join(' ')).toMatch(/npm ci --omit=dev/);
    expect(find(runtime, 'COPY')).toEqual(
      expect.arrayContaining(['--from=dependencies /app/node_modules ./node_modules', '--from=build /app/dist ./dist']),
    );
    // Nothing is built there: its one RUN makes the folders compose's key volumes mount on,
    // owned by the user the processes run as (below).
    expect(find(runtime, 'RUN')).toEqual([
      expect.stringMatching(/^mkdir -p \/keys\/private \/keys\/public && chown 1000:1000 /),
    ]);
    expect(find(runtime, 'ENV')).toContain('NODE_ENV=production');
  });

  it('runs as a non-root user, by number', () => {
    const users = find(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [user, group] = users[0]!.split(':');
    expect(Number(user)).toBeGreaterThan(0);
    expect(Number(group)).toBeGreaterThan(0);
  });

  it('starts the gateway with plain node unless a command selects another process', () => {
    expect(find(runtime, 'ENTRYPOINT')).toEqual([]);
    expect(find(runtime, 'CMD').map((args) => JSON.parse(args) as unknown)).toEqual([commandOf('gateway')]);
  });

  it('leaves local, built and secret files out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.env', '.git', 'node_modules', 'dist', '.data', 'web/dist']) expect(ignored).toContain(entry);
  });
});
