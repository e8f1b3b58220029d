// The users and chats the scenarios share, made once per run through the public GraphQL API and
// only when a selected scenario needs them. Setup is not measured.
import {
  addDevices,
  createDirectChat,
  createGroup,
  inBatches,
  registerUsers,
  sendMessage,
  type User,
} from './graphql.js';
import type { System } from './system.js';

export interface DirectChat {
  id: string;
  members: [User, User];
}

/** Sizes from issue #10's table. */
export const SIZES = {
  deliveryUsers: 100,
  devices: 10,
  groupMembers: 1_000,
  readSenders: 20,
  readMessages: 50,
  sendChats: 100,
} as const;

export interface Fixtures {
  /** `count` users (registered on first need, one device each). */
  users(count: number): Promise<User[]>;
  /** 100 users × 10 devices in 50 direct chats (user 2i with 2i+1). */
  delivery(): Promise<{ users: User[]; chats: DirectChat[] }>;
  /** One group of 1,000 members (the 100 delivery users among them). */
  group(): Promise<{ id: string; members: User[] }>;
  /** A group of 20 senders with 50 messages, for the read path; `reader` is a member. */
  history(): Promise<{ chatId: string; reader: User }>;
  /** 100 direct chats of their own (users 200–399), for the send path. */
  sendChats(): Promise<DirectChat[]>;
}

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
};

export function createFixtures(system: System, log: (line: string) => void): Fixtures {
  const url = system.gatewayUrl;
  const pool: User[] = [];
  let registering = Promise.resolve();
  const users = (count: number): Promise<User[]> => {
    registering = registering.then(async () => {
      if (pool.length >= count) return;
      const started = performance.now();
      pool.push(...(await registerUsers(url, `b${pool.length}`, count - pool.length)));
      log(`registered users up to ${count} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });
    return registering.then(() => pool.slice(0, count));
  };

  const pairs = async (members: User[]): Promise<DirectChat[]> =>
    inBatches(
      Array.from({ length: members.length / 2 }, (_, i) => [members[2 * i]!, members[2 * i + 1]!] as [User, User]),
      8,
      async ([a, b]) => ({ id: await createDirectChat(url, a, b), members: [a, b] as [User, User] }),
    );

  return {
    users,
    delivery: once(async () => {
      const members = (await users(SIZES.deliveryUsers)).slice(0, SIZES.deliveryUsers);
      const started = performance.now();
      await addDevices(url, members, SIZES.devices);
      log(`signed in ${SIZES.devices} devices each in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return { users: members, chats: await pairs(members) };
    }),
    group: once(async () => {
      const members = await users(SIZES.groupMembers);
      const id = await createGroup(url, members[0]!, members.slice(1));
      return { id, members };
    }),
    history: once(async () => {
      const senders = (await users(120)).slice(100, 100 + SIZES.readSenders);
      const chatId = await createGroup(url, senders[0]!, senders.slice(1));
      for (let i = 0; i < SIZES.readMessages; i++) {
        const sender = senders[i % senders.length]!;
        await sendMessage(url, sender.tokens[0]!, chatId, `history message ${i + 1}`, `h${i}`);
      }
      return { chatId, reader: senders[0]! };
    }),
    sendChats: once(async () => pairs((await users(400)).slice(200, 200 + 2 * SIZES.sendChats))),
  };
}
