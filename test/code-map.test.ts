import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/code-map.md is the one-page map of the code (issue #15): it must match the tree, so that a
 * move or a new folder fails here until the map says where things went.
 */
const root = new URL('..', import.meta.url).pathname;
const map = readFileSync(new URL('../docs/code-map.md', import.meta.url), 'utf8');
/** Everything the map names in backticks. */
const named = [...map.matchAll(/`([^`\s]+)`/g)].map((match) => match[1]!);

/** Hand-written TypeScript tracked by git (generated code is named by folder only). */
const sources = execFileSync('git', ['ls-files', '*.ts', '*.tsx'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((path) => path && !/^(proto\/gen|gateway\/src\/generated|web\/src\/graphql)\//.test(path));

describe('docs/code-map.md', () => {
  it('names only paths that exist: from the top, or inside the folder whose section names them', () => {
    const paths = named.filter((name) => name.includes('/') && !name.includes('*') && !name.startsWith('http'));
    expect(paths.length).toBeGreaterThan(30);
    const exists = (path: string) => existsSync(`${root}${path}`) || sources.some((file) => file.includes(`/${path}`));
    expect(paths.filter((path) => !exists(path))).toEqual([]);
  });

  it('names every file it mentions by name only as a file that exists', () => {
    const files = new Set(sources.map((path) => basename(path)));
    const bare = named.filter((name) => /^[\w.-]+\.tsx?$/.test(name));
    expect(bare.filter((name) => !files.has(name))).toEqual([]);
  });

  it('names every folder of hand-written code, by its path or as a sub-folder', () => {
    const folders = [...new Set(sources.map((path) => dirname(path)))].filter(
      (folder) => folder !== '.' && !/(^|\/)test(\/|$)/.test(folder) && !folder.startsWith('bench/'),
    );
    const byPath = (folder: string) => named.includes(`${folder}/`) || named.includes(folder);
    const isNamed = (folder: string) =>
      byPath(folder) || (named.includes(`${basename(folder)}/`) && byPath(dirname(folder)));
    expect(folders.filter((folder) => !isNamed(folder))).toEqual([]);
  });

  it('names every file of each process’s own folder and of lib/', () => {
    const top = sources.filter(
      (path) => /^(lib|gateway\/src|services\/\w+\/src)\/[^/]+\.ts$/.test(path) || /^lib\/grpc\/[^/]+\.ts$/.test(path),
    );
    expect(top.filter((path) => !named.includes(basename(path)) && !named.includes(path))).toEqual([]);
  });
});
