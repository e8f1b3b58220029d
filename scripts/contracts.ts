// The public contracts, the gateway's GraphQL schema and the gRPC protos, against their committed
// snapshot in contracts/ (see contracts/README.md and docs/contracts.md):
//
//   npm run contracts:check                          fails on a breaking change, naming each one
//   npm run contracts:update [-- --reason "why"]     records the current contracts as the snapshot
//
// GraphQL Inspector classifies the schema's changes; `buf breaking` (the FILE rules of buf.yaml)
// the protos'. Additions never fail the check: it passes and asks for a refresh of the snapshot.
// Recording a breaking change takes a reason, which goes with the change list into
// contracts/CHANGES.md; every entry there ends with the hash of the snapshot it recorded, and the
// check refuses a snapshot that is not the one the last entry names (edited by hand, so unexplained).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Change, CriticalityLevel, diff } from '@graphql-inspector/core';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema as schemaFromSdl, lexicographicSortSchema } from 'graphql';
import { format, resolveConfig } from 'prettier';
import { buildSchema } from '../gateway/src/schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTRACTS = join(ROOT, 'contracts');
const SCHEMA_SNAPSHOT = join(CONTRACTS, 'schema.graphql');
const PROTO_SNAPSHOT = join(CONTRACTS, 'proto');
const CHANGES = join(CONTRACTS, 'CHANGES.md');
const BUF = join(ROOT, 'node_modules/.bin/buf');
const HASH_LINE = /^Snapshot: `sha256:([0-9a-f]{64})`$/gm;

/** A difference between the snapshot and the current contracts. */
interface Difference {
  contract: 'GraphQL' | 'gRPC';
  message: string;
  breaking: boolean;
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line = '') => process.stderr.write(`${line}\n`);
const rel = (path: string) => relative(ROOT, path);

async function prettier(text: string, file: string): Promise<string> {
  return format(text, { ...(await resolveConfig(file)), filepath: file });
}

/** The schema the gateway serves, as SDL: sorted, so moving a type between schema files changes nothing. */
async function currentSdl(): Promise<string> {
  return prettier(printSchemaWithDirectives(lexicographicSortSchema(buildSchema())), SCHEMA_SNAPSHOT);
}

function buf(args: string[]) {
  return spawnSync(BUF, args, { cwd: ROOT, encoding: 'utf8' });
}

/** The .proto files buf.yaml's modules hold (relative to the repository, e.g. proto/auth/v1/auth.proto). */
function protoFiles(): string[] {
  const listed = buf(['ls-files']);
  if (listed.status !== 0) throw new Error(`buf ls-files failed:\n${listed.stderr}`);
  return listed.stdout.split('\n').filter(Boolean).sort();
}

/** The snapshot's files, by path relative to contracts/, with their contents. */
function snapshotFiles(): Map<string, string> {
  const files = new Map<string, string>();
  if (existsSync(SCHEMA_SNAPSHOT)) files.set('schema.graphql', readFileSync(SCHEMA_SNAPSHOT, 'utf8'));
  const listed = existsSync(PROTO_SNAPSHOT) ? buf(['ls-files', rel(PROTO_SNAPSHOT)]) : undefined;
  for (const path of listed?.stdout.split('\n').filter(Boolean) ?? []) {
    files.set(relative(CONTRACTS, join(ROOT, path)), readFileSync(join(ROOT, path), 'utf8'));
  }
  return files;
}

/** What `update` would write: the same shape as snapshotFiles(). */
async function currentFiles(): Promise<Map<string, string>> {
  const files = new Map([['schema.graphql', await currentSdl()]]);
  for (const path of protoFiles()) files.set(path, readFileSync(join(ROOT, path), 'utf8'));
  return files;
}

function hash(files: Map<string, string>): string {
  const sha = createHash('sha256');
  for (const path of [...files.keys()].sort()) sha.update(`${path}\0${files.get(path)}\0`);
  return sha.digest('hex');
}

/** The hash the last entry of CHANGES.md records, if there is one. */
function recordedHash(): string | undefined {
  if (!existsSync(CHANGES)) return undefined;
  return [...readFileSync(CHANGES, 'utf8').matchAll(HASH_LINE)].at(-1)?.[1];
}

/** Inspector's "dangerous": nothing old stops working, but old clients may mishandle what is new. */
function dangerous(change: Change): string {
  const reason = change.criticality.reason;
  return `${change.message} (dangerous${reason && reason !== change.message ? `: ${reason}` : ''})`;
}

async function graphqlDifferences(snapshotSdl: string, sdl: string): Promise<Difference[]> {
  // Both sides go through the same print and parse, so only real differences show.
  const changes = await diff(
    schemaFromSdl(snapshotSdl, { assumeValidSDL: true }),
    schemaFromSdl(sdl, { assumeValidSDL: true }),
  );
  // Descriptions break nobody and come by the hundred when a schema gets documented: one line for all.
  const described = changes.filter(
    (change) => String(change.type).includes('DESCRIPTION') && change.criticality.level !== CriticalityLevel.Breaking,
  );
  const differences: Difference[] = changes
    .filter((change) => !described.includes(change))
    .map((change) => ({
      contract: 'GraphQL',
      message: change.criticality.level === CriticalityLevel.Dangerous ? dangerous(change) : change.message,
      breaking: change.criticality.level === CriticalityLevel.Breaking,
    }));
  if (described.length > 0) {
    differences.push({
      contract: 'GraphQL',
      message: `${described.length} description(s) added or changed`,
      breaking: false,
    });
  }
  return differences;
}

/** `buf breaking` against the snapshot's protos, plus each file that changed in a way it allows. */
function protoDifferences(snapshot: Map<string, string>, current: Map<string, string>): Difference[] {
  const differences: Difference[] = [];
  const result = buf(['breaking', '--against', rel(PROTO_SNAPSHOT), '--error-format', 'json']);
  // 100 is buf's "breaking changes found"; anything else non-zero is a failure to run (a proto that
  // does not compile, say), which must not pass for "nothing breaking".
  if (result.status !== 0 && result.status !== 100) throw new Error(`buf breaking failed:\n${result.stderr}`);
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const { path, start_line, message } = JSON.parse(line) as { path?: string; start_line?: number; message: string };
    // A removed file has no path in the current module: its message names it.
    const where = path ? `${path}:${start_line}: ` : '';
    differences.push({ contract: 'gRPC', message: `${where}${message}`, breaking: true });
  }
  const paths = new Set([...snapshot.keys(), ...current.keys()].filter((path) => path.endsWith('.proto')));
  for (const path of [...paths].sort()) {
    const [before, after] = [snapshot.get(path), current.get(path)];
    // A removed file, and a file buf breaking names, are told about already (FILE_NO_DELETE, …).
    if (before === after || after === undefined) continue;
    if (differences.some((difference) => difference.message.startsWith(`${path}:`))) continue;
    differences.push({
      contract: 'gRPC',
      message: `${path} ${before === undefined ? 'added' : 'changed'}`,
      breaking: false,
    });
  }
  return differences;
}

async function differences(snapshot: Map<string, string>, current: Map<string, string>): Promise<Difference[]> {
  return [
    ...(await graphqlDifferences(snapshot.get('schema.graphql')!, current.get('schema.graphql')!)),
    ...protoDifferences(snapshot, current),
  ];
}

const bullet = (difference: Difference) => `- ${difference.contract}: ${difference.message}`;

/**
 * The snapshot, if it is the one CHANGES.md's last entry records. Otherwise it was edited by hand
 * (or an entry was dropped): its differences to the code would then hide what really changed.
 */
function verifiedSnapshot(): Map<string, string> | undefined {
  const snapshot = snapshotFiles();
  const recorded = recordedHash();
  if (!snapshot.has('schema.graphql') || recorded === undefined) {
    err(`contracts: no snapshot in ${rel(CONTRACTS)}/ (or no CHANGES.md entry recording it).`);
    err('Record one with: npm run contracts:update');
    return undefined;
  }
  if (hash(snapshot) !== recorded) {
    err(`contracts: the snapshot in ${rel(CONTRACTS)}/ is not the one the last entry of ${rel(CHANGES)} records.`);
    err('It was edited by hand, or an entry was removed. Restore contracts/ from git (git checkout contracts/)');
    err('and record changes only with: npm run contracts:update [-- --reason "why"]');
    return undefined;
  }
  return snapshot;
}

async function check(): Promise<number> {
  const snapshot = verifiedSnapshot();
  if (!snapshot) return 1;
  const found = await differences(snapshot, await currentFiles());
  const breaking = found.filter((difference) => difference.breaking);
  const other = found.filter((difference) => !difference.breaking);
  if (breaking.length > 0) {
    err(`contracts: ${breaking.length} breaking change(s) against the snapshot in ${rel(CONTRACTS)}/:`);
    breaking.forEach((difference) => err(bullet(difference)));
    err();
    err('Clients and services built against the snapshot would break. Keep the old field, argument, RPC or');
    err('field number (deprecate it, add the new one beside it), or, if the break is intended, record it with');
    err('a reason in the same change: npm run contracts:update -- --reason "why this break is acceptable"');
    return 1;
  }
  if (other.length > 0) {
    out(`contracts: no breaking change; ${other.length} other change(s) since the snapshot:`);
    other.forEach((difference) => out(bullet(difference)));
    out('Refresh the snapshot with: npm run contracts:update');
    return 0;
  }
  out('contracts: the GraphQL schema and the protos match the snapshot');
  return 0;
}

async function update(reason: string | undefined): Promise<number> {
  const first = !existsSync(CHANGES);
  const snapshot = first ? new Map<string, string>() : verifiedSnapshot();
  if (!snapshot) return 1;
  const current = await currentFiles();
  if (!first && hash(snapshot) === hash(current)) {
    out('contracts: the snapshot is current; nothing to record');
    return 0;
  }
  const found = first ? [] : await differences(snapshot, current);
  const breaking = found.filter((difference) => difference.breaking);
  const other = found.filter((difference) => !difference.breaking);
  if (breaking.length > 0 && !reason?.trim()) {
    err(`contracts: ${breaking.length} breaking change(s); recording them takes a reason:`);
    breaking.forEach((difference) => err(bullet(difference)));
    err();
    err('npm run contracts:update -- --reason "why this break is acceptable (who is affected, what they do)"');
    return 1;
  }

  rmSync(PROTO_SNAPSHOT, { recursive: true, force: true });
  for (const [path, text] of current) {
    mkdirSync(dirname(join(CONTRACTS, path)), { recursive: true });
    writeFileSync(join(CONTRACTS, path), text);
  }

  const date = new Date().toISOString().slice(0, 10);
  const title = first ? 'first snapshot' : breaking.length > 0 ? 'breaking' : 'not breaking';
  const entry = [
    `## ${date}: ${title}`,
    reason?.trim() ? `Why: ${reason.trim()}` : '',
    breaking.length > 0 ? `Breaking:\n\n${breaking.map(bullet).join('\n')}` : '',
    other.length > 0 ? `Not breaking:\n\n${other.map(bullet).join('\n')}` : '',
    `Snapshot: \`sha256:${hash(current)}\``,
  ].filter(Boolean);
  const log = first
    ? '# Contract changes\n\nWritten by `npm run contracts:update`; see README.md.\n'
    : readFileSync(CHANGES, 'utf8');
  writeFileSync(CHANGES, await prettier(`${log.trimEnd()}\n\n${entry.join('\n\n')}\n`, CHANGES));
  out(`contracts: recorded the snapshot in ${rel(CONTRACTS)}/ (${title}); commit it with the change`);
  return 0;
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { reason: { type: 'string' } } });
const command = positionals[0];
if (command !== 'check' && command !== 'update') {
  err('usage: tsx scripts/contracts.ts check | update [--reason "why"]');
  process.exit(2);
}
process.exitCode = command === 'check' ? await check() : await update(values.reason);
