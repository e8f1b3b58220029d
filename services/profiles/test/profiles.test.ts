import { randomBytes, randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorField, isServiceError } from '../../../lib/errors.js';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import { createServiceClient, type ServiceClient } from '../../../lib/grpc/client.js';
import { as, expiredAccessToken } from '../../../test/support/auth.js';
import { useChatService } from '../../../test/support/chat.js';
import { leftover } from '../../../test/support/leftovers.js';
import { useProfilesService } from '../../../test/support/profiles.js';
import type { ChatEvent } from '../../../proto/gen/chat/v1/chat.js';
import { ProfilesServiceClient, type Profile } from '../../../proto/gen/profiles/v1/profiles.js';
import { is, openStream, withBody } from '../../chat/test/stream-helpers.js';

const chat = useChatService('profiles_grpc');
const profiles = useProfilesService('profiles_grpc_p', () => ({
  auth: chat.authService.app.port,
  chat: chat.app.port,
}));

let client: ServiceClient<ProfilesServiceClient>;
beforeAll(() => {
  client = createServiceClient(ProfilesServiceClient, [`127.0.0.1:${profiles.app.port}`], { deadlineMs: 10_000 });
  leftover(() => client.close());
});

type TestUser = Awaited<ReturnType<typeof chat.user>>;

/** How a call ended: `OK`, or the status name with the `field` trailer the service named. */
async function outcome(promise: Promise<unknown>): Promise<{ code: string; field?: string }> {
  try {
    await promise;
    return { code: 'OK' };
  } catch (error) {
    if (!isServiceError(error)) throw error;
    const field = errorField(error);
    return { code: status[error.code], ...(field !== undefined ? { field } : {}) };
  }
}

const invalid = (field: string) => ({ code: 'INVALID_ARGUMENT', field });

/** A prefix no other test's display name starts with. */
const uniquePrefix = () => `p${randomBytes(4).toString('hex')}`;

async function profileOf(user: TestUser): Promise<Profile | undefined> {
  const { results } = await client.unary.getProfiles({ userIds: [user.id] }, user.md);
  return results[0]?.profile;
}

describe('GetProfiles', () => {
  it('answers one result per id in order, duplicates included, with defaults for users without a profile', async () => {
    const a = await chat.user('ga');
    const b = await chat.user('gb');
    await client.unary.updateProfile({ fields: ['display_name', 'bio'], displayName: 'Bee', bio: 'hi' }, b.md);
    const unknown = randomUUID();

    const { results } = await client.unary.getProfiles(
      { userIds: [b.id, a.id, unknown, b.id, 'not-a-uuid', a.id] },
      a.md,
    );

    expect(results.map((result) => result.userId)).toEqual([b.id, a.id, unknown, b.id, 'not-a-uuid', a.id]);
    const [first, second, third, fourth, fifth, sixth] = results;
    expect(first?.profile).toMatchObject({ userId: b.id, displayName: 'Bee', bio: 'hi' });
    expect(first?.profile?.updatedAt).toBeInstanceOf(Date);
    expect(fourth?.profile).toEqual(first?.profile);
    // The default profile: the username, no bio, no avatar, never stored.
    expect(second?.profile).toEqual({ userId: a.id, displayName: a.username, bio: '' });
    expect(second?.profile?.avatarUrl).toBeUndefined();
    expect(second?.profile?.updatedAt).toBeUndefined();
    expect(sixth?.profile).toEqual(second?.profile);
    expect(third?.profile).toBeUndefined();
    expect(fifth?.profile).toBeUndefined();
  });

  it('takes at most 1000 ids', async () => {
    const a = await chat.user('gl');
    const ids = (count: number) => Array.from({ length: count }, () => randomUUID());
    const { results } = await client.unary.getProfiles({ userIds: [...ids(999), a.id] }, a.md);
    expect(results).toHaveLength(1000);
    expect(results[999]?.profile?.displayName).toBe(a.username);
    expect(await outcome(client.unary.getProfiles({ userIds: ids(1001) }, a.md))).toEqual(invalid('userIds'));
  });

  it('requires an access token', async () => {
    const a = await chat.user('gt');
    expect(await outcome(client.unary.getProfiles({ userIds: [a.id] }, as()))).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await outcome(client.unary.getProfiles({ userIds: [a.id] }, as('not.a.token')))).toEqual({
      code: 'UNAUTHENTICATED',
    });
    expect(await outcome(client.unary.updateProfile({ fields: ['bio'], bio: 'x' }, as()))).toEqual({
      code: 'UNAUTHENTICATED',
    });
    expect(await outcome(client.unary.searchProfiles({ query: 'a', limit: 0 }, as()))).toEqual({
      code: 'UNAUTHENTICATED',
    });
    expect(await profileOf(a)).toEqual({ userId: a.id, displayName: a.username, bio: '' });
  });
});

describe('a token past its exp', () => {
  const expiredToken = (userId: string, sessionId: string) =>
    expiredAccessToken(chat.authService.keys, userId, sessionId);

  it('reads profiles for a subscription only, and never changes one', async () => {
    const a = await chat.user('ex');
    const b = await chat.user('ey');
    const token = await expiredToken(a.id, a.sessionId);
    const marked = { metadata: callMetadata({ authorization: `Bearer ${token}`, subscription: true }) };
    const plain = { metadata: callMetadata({ authorization: `Bearer ${token}` }) };

    const { results } = await client.unary.getProfiles({ userIds: [b.id] }, marked);
    expect(results[0]?.profile).toEqual({ userId: b.id, displayName: b.username, bio: '' });
    expect(await outcome(client.unary.getProfiles({ userIds: [b.id] }, plain))).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await outcome(client.unary.updateProfile({ fields: ['bio'], bio: 'late' }, marked))).toEqual({
      code: 'UNAUTHENTICATED',
    });
    expect(await profileOf(a)).toEqual({ userId: a.id, displayName: a.username, bio: '' });
  });
});

describe('UpdateProfile', () => {
  it('changes only the caller’s own profile', async () => {
    const a = await chat.user('ua');
    const b = await chat.user('ub');
    const { profile } = await client.unary.updateProfile({ fields: ['display_name'], displayName: 'Alice' }, a.md);
    expect(profile).toMatchObject({ userId: a.id, displayName: 'Alice', bio: '' });
    expect(profile?.updatedAt).toBeInstanceOf(Date);
    expect(await profileOf(a)).toMatchObject({ displayName: 'Alice' });
    expect(await profileOf(b)).toEqual({ userId: b.id, displayName: b.username, bio: '' });
  });

  it('sets named fields with a value, resets named fields without one, and leaves the others', async () => {
    const a = await chat.user('um');
    const before = Date.now();
    const set = await client.unary.updateProfile(
      {
        fields: ['display_name', 'bio', 'avatar_url'],
        displayName: '  Ann  ',
        bio: 'about me',
        avatarUrl: 'https://example.com/a.png',
      },
      a.md,
    );
    expect(set.profile).toMatchObject({
      userId: a.id,
      displayName: 'Ann',
      bio: 'about me',
      avatarUrl: 'https://example.com/a.png',
    });
    const firstUpdate = set.profile?.updatedAt;
    expect(firstUpdate).toBeInstanceOf(Date);
    // Clocks of the database and the test may differ a little; the stamp is of this change.
    expect(Math.abs(firstUpdate!.getTime() - before)).toBeLessThan(60_000);

    // Only bio named: display name and avatar stay.
    const bioOnly = await client.unary.updateProfile({ fields: ['bio'], bio: 'new bio', displayName: 'Ignored' }, a.md);
    expect(bioOnly.profile).toMatchObject({
      displayName: 'Ann',
      bio: 'new bio',
      avatarUrl: 'https://example.com/a.png',
    });
    expect(bioOnly.profile!.updatedAt!.getTime()).toBeGreaterThanOrEqual(firstUpdate!.getTime());

    // Named without a value: back to the default.
    const reset = await client.unary.updateProfile({ fields: ['display_name', 'avatar_url'] }, a.md);
    expect(reset.profile).toMatchObject({ userId: a.id, displayName: a.username, bio: 'new bio' });
    expect(reset.profile?.avatarUrl).toBeUndefined();
    const stored = await profileOf(a);
    expect(stored).toMatchObject({ displayName: a.username, bio: 'new bio' });
    expect(stored?.avatarUrl).toBeUndefined();
    expect(stored?.updatedAt).toBeInstanceOf(Date);

    const bioReset = await client.unary.updateProfile({ fields: ['bio'] }, a.md);
    expect(bioReset.profile).toMatchObject({ displayName: a.username, bio: '' });
  });

  it('a first change that names only the bio keeps the default display name', async () => {
    const a = await chat.user('ud');
    const { profile } = await client.unary.updateProfile({ fields: ['bio'], bio: 'just a bio' }, a.md);
    expect(profile).toMatchObject({ userId: a.id, displayName: a.username, bio: 'just a bio' });
    expect(profile?.avatarUrl).toBeUndefined();
    expect(profile?.updatedAt).toBeInstanceOf(Date);
  });

  it('refuses an unknown field name and writes nothing', async () => {
    const a = await chat.user('uf');
    expect(
      await outcome(
        client.unary.updateProfile({ fields: ['bio', 'displayName'], bio: 'x', displayName: 'Nope' }, a.md),
      ),
    ).toEqual(invalid('fields'));
    expect(await outcome(client.unary.updateProfile({ fields: ['user_id'], bio: 'x' }, a.md))).toEqual(
      invalid('fields'),
    );
    expect(await profileOf(a)).toEqual({ userId: a.id, displayName: a.username, bio: '' });
  });

  describe('limits', () => {
    let a: TestUser;
    let stored: Profile | undefined;
    const original = { displayName: 'Original', bio: 'original bio', avatarUrl: 'https://example.com/o.png' };

    beforeAll(async () => {
      a = await chat.user('ul');
      await client.unary.updateProfile({ fields: ['display_name', 'bio', 'avatar_url'], ...original }, a.md);
      stored = await profileOf(a);
      expect(stored).toMatchObject(original);
    });

    /** The change is refused naming `field`, and nothing (also no other field named) is written. */
    async function refused(change: { displayName?: string; bio?: string; avatarUrl?: string }, field: string) {
      // Every field is named, so that a valid one beside the bad one would be written if anything were.
      const request = {
        fields: ['display_name', 'bio', 'avatar_url'],
        displayName: 'Changed',
        bio: 'changed bio',
        avatarUrl: 'https://example.com/changed.png',
        ...change,
      };
      expect(await outcome(client.unary.updateProfile(request, a.md))).toEqual(invalid(field));
      expect(await profileOf(a)).toEqual(stored);
    }

    it('display name: not blank, at most 64 code points', async () => {
      await refused({ displayName: '' }, 'displayName');
      await refused({ displayName: '   ' }, 'displayName');
      await refused({ displayName: 'x'.repeat(65) }, 'displayName');
      await refused({ displayName: '😀'.repeat(65) }, 'displayName');
    });

    it('bio: at most 500 code points', async () => {
      await refused({ bio: 'b'.repeat(501) }, 'bio');
      await refused({ bio: '😀'.repeat(501) }, 'bio');
    });

    it('avatar URL: https only, a URL, at most 2048 characters', async () => {
      await refused({ avatarUrl: 'http://example.com/a.png' }, 'avatarUrl');
      await refused({ avatarUrl: 'not a url' }, 'avatarUrl');
      await refused({ avatarUrl: 'javascript:alert(1)' }, 'avatarUrl');
      await refused({ avatarUrl: 'JavaScript://example.com/%0Aalert(1)' }, 'avatarUrl');
      const base = 'https://example.com/';
      await refused({ avatarUrl: base + 'a'.repeat(2049 - base.length) }, 'avatarUrl');
    });

    it('accepts the largest values allowed', async () => {
      const b = await chat.user('um');
      const base = 'https://example.com/';
      const longest = {
        displayName: 'x'.repeat(64),
        bio: 'b'.repeat(500),
        avatarUrl: base + 'a'.repeat(2048 - base.length),
      };
      expect(longest.avatarUrl).toHaveLength(2048);
      const { profile } = await client.unary.updateProfile(
        { fields: ['display_name', 'bio', 'avatar_url'], ...longest },
        b.md,
      );
      expect(profile).toMatchObject(longest);
      expect(await profileOf(b)).toMatchObject(longest);

      // Emoji count as one code point each (two UTF-16 units).
      const emoji = { displayName: '😀'.repeat(64), bio: '🎉'.repeat(500) };
      const second = await client.unary.updateProfile({ fields: ['display_name', 'bio'], ...emoji }, b.md);
      expect(second.profile).toMatchObject(emoji);
      expect(await profileOf(b)).toMatchObject(emoji);
    });
  });
});

describe('SearchProfiles', () => {
  /** Registers a user per display name and stores it. */
  async function withNames(...names: string[]): Promise<Map<string, TestUser>> {
    const users = await Promise.all(names.map(() => chat.user('sp')));
    await Promise.all(
      users.map((user, i) => client.unary.updateProfile({ fields: ['display_name'], displayName: names[i]! }, user.md)),
    );
    return new Map(names.map((name, i) => [name, users[i]!]));
  }

  const namesOf = (found: Profile[]) => found.map((profile) => profile.displayName);

  it('finds stored display names by prefix, case-insensitive', async () => {
    const prefix = uniquePrefix();
    const users = await withNames(`${prefix}Zed`, `${prefix}zebra`, `${prefix}Yak`);
    const caller = users.get(`${prefix}Yak`)!;

    const upper = await client.unary.searchProfiles({ query: `${prefix.toUpperCase()}ZE`, limit: 0 }, caller.md);
    // Alphabetical, ignoring case.
    expect(namesOf(upper.profiles)).toEqual([`${prefix}zebra`, `${prefix}Zed`]);
    const zed = upper.profiles.find((profile) => profile.displayName === `${prefix}Zed`);
    expect(zed).toMatchObject({ userId: users.get(`${prefix}Zed`)!.id, bio: '' });
    expect(zed?.updatedAt).toBeInstanceOf(Date);

    const all = await client.unary.searchProfiles({ query: prefix, limit: 10 }, caller.md);
    expect(namesOf(all.profiles).sort()).toEqual([`${prefix}Yak`, `${prefix}Zed`, `${prefix}zebra`].sort());
    expect((await client.unary.searchProfiles({ query: `${prefix}q`, limit: 0 }, caller.md)).profiles).toEqual([]);
  });

  it('finds only stored profiles, not default ones by username', async () => {
    const a = await chat.user('sd');
    const found = await client.unary.searchProfiles({ query: a.username, limit: 0 }, a.md);
    expect(found.profiles).toEqual([]);
  });

  it('takes `%`, `_` and `\\` in the query literally', async () => {
    const prefix = uniquePrefix();
    const users = await withNames(`${prefix}a_b`, `${prefix}axb`, `${prefix}100%`, `${prefix}1000`, `${prefix}c\\d`);
    const md = users.get(`${prefix}axb`)!.md;
    const search = async (query: string) =>
      namesOf((await client.unary.searchProfiles({ query, limit: 50 }, md)).profiles).sort();

    expect(await search(`${prefix}a_`)).toEqual([`${prefix}a_b`]);
    expect(await search(`${prefix}_`)).toEqual([]);
    expect(await search(`${prefix}100%`)).toEqual([`${prefix}100%`]);
    expect(await search(`${prefix}%`)).toEqual([]);
    expect(await search(`${prefix}c\\`)).toEqual([`${prefix}c\\d`]);
    expect(await search(`${prefix}c\\d`)).toEqual([`${prefix}c\\d`]);
  });

  it('validates the query (1–64) and the limit (≤ 50, 0 means 20)', async () => {
    const prefix = uniquePrefix();
    const names = Array.from({ length: 22 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
    const users = await withNames(...names);
    const md = users.get(names[0]!)!.md;
    const search = (query: string, limit: number) => client.unary.searchProfiles({ query, limit }, md);

    expect(await outcome(search('', 0))).toEqual(invalid('query'));
    expect(await outcome(search('   ', 0))).toEqual(invalid('query'));
    expect(await outcome(search('q'.repeat(65), 0))).toEqual(invalid('query'));
    expect(await outcome(search('q'.repeat(64), 0))).toEqual({ code: 'OK' });
    expect(await outcome(search(prefix, 51))).toEqual(invalid('first'));
    expect(await outcome(search(prefix, -1))).toEqual(invalid('first'));

    expect((await search(prefix, 0)).profiles).toHaveLength(20);
    expect((await search(prefix, 50)).profiles).toHaveLength(22);
    expect((await search(prefix, 5)).profiles).toHaveLength(5);
  });
});

describe('a profile change reaches chat streams', () => {
  const open = (user: TestUser) => openStream(chat.client, user.md);

  it('of the chat members and the user, and of no one else', async () => {
    const a = await chat.user('na');
    const b = await chat.user('nb');
    const c = await chat.user('nc');
    const d = await chat.user('nd');
    await chat.chat.getOrCreateDirectChat({ userId: b.id }, a.md);
    const cChat = (await chat.chat.getOrCreateDirectChat({ userId: d.id }, c.md)).chat!.id;

    const aStream = open(a);
    const bStream = open(b);
    const cStream = open(c);
    // The snapshot comes after the stream registered for live events.
    await Promise.all([aStream.snapshot(), bStream.snapshot(), cStream.snapshot()]);

    await client.unary.updateProfile({ fields: ['display_name'], displayName: 'Announced' }, a.md);

    const updatedA = (event: ChatEvent) =>
      event.kind?.$case === 'userUpdated' && event.kind.userUpdated.userId === a.id;
    expect(await bStream.next(updatedA)).toMatchObject({ chatId: '', seq: 0 });
    expect(await aStream.next(updatedA)).toMatchObject({ chatId: '', seq: 0 });

    // C's stream is live: a marker in C's own chat arrives; nothing about A came before it.
    await chat.chat.sendMessage({ chatId: cChat, body: 'marker', clientMessageId: 'marker-1' }, c.md);
    const seen = await cStream.until(withBody('marker', cChat));
    expect(seen.filter(is('userUpdated'))).toEqual([]);
  });
});
