// The sendMessage load generator, in its own process: open loop at a fixed rate (delivery) or
// closed loop with a fixed number of requests in flight (send). Every answer is checked: it must
// carry the message's seq, which the receivers' check is then made against.
import { Agent, request } from 'node:http';
import { SEND_MESSAGE } from '../lib/graphql.js';
import { serve } from '../lib/ipc.js';
import { makeBody, now } from '../lib/message-body.js';
import { summarize } from '../lib/stats.js';

export interface Target {
  chatId: string;
  /** Tokens of the chat's members; sends rotate over them. */
  tokens: string[];
}

interface Outcome {
  seq?: number;
  error?: string;
}

function post(agent: Agent, url: URL, token: string, payload: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${token}`,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString()) as {
              data?: { sendMessage?: { seq?: number } };
              errors?: unknown;
            };
            const seq = body.data?.sendMessage?.seq;
            resolve(
              typeof seq === 'number' ? { seq } : { error: `${res.statusCode} ${JSON.stringify(body).slice(0, 200)}` },
            );
          } catch (error) {
            resolve({ error: `${res.statusCode} ${String(error)}` });
          }
        });
        res.on('error', (error) => resolve({ error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ error: error.message }));
    req.end(payload);
  });
}

const payloadOf = (chatId: string, body: string, clientMessageId: string) =>
  JSON.stringify({ query: SEND_MESSAGE, variables: { input: { chatId, body, clientMessageId } } });

/** Acknowledged seqs per chat, as the receivers' check wants them. */
class Acks {
  readonly byChat = new Map<string, number[]>();
  count = 0;
  failures = 0;
  firstError = '';
  add(chatId: string, outcome: Outcome): void {
    if (outcome.seq === undefined) {
      this.failures++;
      this.firstError ||= outcome.error ?? '';
      return;
    }
    this.count++;
    const list = this.byChat.get(chatId);
    if (list) list.push(outcome.seq);
    else this.byChat.set(chatId, [outcome.seq]);
  }
  entries(): [string, number[]][] {
    return [...this.byChat];
  }
}

const api = {
  /**
   * Sends `rate` messages a second for `durationMs`, spread round-robin over `targets`, each at
   * its scheduled time whatever the answers so far (open loop). A send that would exceed
   * `maxInFlight` is skipped and counted, which bounds the traffic when the server falls behind;
   * answers are awaited at most `drainMs` after the last send.
   */
  async openLoop(args: {
    url: string;
    rate: number;
    durationMs: number;
    targets: Target[];
    run: string;
    maxInFlight: number;
    drainMs: number;
  }) {
    const url = new URL(args.url);
    const agent = new Agent({ keepAlive: true, maxSockets: args.maxInFlight });
    const total = Math.round((args.rate * args.durationMs) / 1000);
    const acks = new Acks();
    const latencies: number[] = [];
    let inFlight = 0;
    let skipped = 0;
    let maxLagMs = 0;
    let lastAckAt = 0;
    const pending: Promise<void>[] = [];
    const start = now() + 20;
    const timeoutMs = args.durationMs + args.drainMs;
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / args.rate;
      const wait = due - now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const sentAt = now();
      maxLagMs = Math.max(maxLagMs, sentAt - due);
      if (inFlight >= args.maxInFlight) {
        skipped++;
        continue;
      }
      const target = args.targets[i % args.targets.length]!;
      const token = target.tokens[Math.floor(i / args.targets.length) % target.tokens.length]!;
      const payload = payloadOf(target.chatId, makeBody(args.run, `m${i}`, sentAt), `${args.run}-${i}`);
      inFlight++;
      pending.push(
        post(agent, url, token, payload, Math.max(1_000, timeoutMs - (sentAt - start))).then((outcome) => {
          inFlight--;
          const ackAt = now();
          if (outcome.seq !== undefined) {
            latencies.push(ackAt - sentAt);
            lastAckAt = Math.max(lastAckAt, ackAt);
          }
          acks.add(target.chatId, outcome);
        }),
      );
    }
    const sendWindowMs = now() - start;
    await Promise.all(pending);
    agent.destroy();
    return {
      planned: total,
      sent: total - skipped,
      skipped,
      acked: acks.count,
      failures: acks.failures,
      firstError: acks.firstError,
      ackedSeqs: acks.entries(),
      sendWindowMs,
      /** Acknowledged messages per second, from the first send to the last acknowledgement. */
      achievedRate: lastAckAt > start ? acks.count / ((lastAckAt - start) / 1000) : 0,
      maxScheduleLagMs: maxLagMs,
      ackLatency: summarize(latencies),
    };
  },

  /** Keeps `concurrency` sends in flight for `durationMs` (closed loop), spread over `targets`. */
  async closedLoop(args: { url: string; concurrency: number; durationMs: number; targets: Target[]; run: string }) {
    const url = new URL(args.url);
    const agent = new Agent({ keepAlive: true, maxSockets: args.concurrency });
    const acks = new Acks();
    const latencies: number[] = [];
    let next = 0;
    const start = now();
    const end = start + args.durationMs;
    await Promise.all(
      Array.from({ length: args.concurrency }, async () => {
        while (now() < end) {
          const i = next++;
          const target = args.targets[i % args.targets.length]!;
          const token = target.tokens[Math.floor(i / args.targets.length) % target.tokens.length]!;
          const sentAt = now();
          const payload = payloadOf(target.chatId, makeBody(args.run, `s${i}`, sentAt), `${args.run}-${i}`);
          const outcome = await post(agent, url, token, payload, 30_000);
          latencies.push(now() - sentAt);
          acks.add(target.chatId, outcome);
        }
      }),
    );
    const elapsedMs = now() - start;
    agent.destroy();
    return {
      acked: acks.count,
      failures: acks.failures,
      firstError: acks.firstError,
      ackedSeqs: acks.entries(),
      elapsedMs,
      rate: acks.count / (elapsedMs / 1000),
      latency: summarize(latencies),
    };
  },
};

export type SenderApi = typeof api;
serve(api);
