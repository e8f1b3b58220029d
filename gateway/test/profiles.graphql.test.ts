import { describe, expect, it } from 'vitest';
import { collect, useStack } from '../../test/support/stack.js';
import { until } from '../../test/support/wait.js';

const stack = useStack('gw_profiles');

const UPDATE = `mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) {
  id username profile { displayName bio avatarUrl updatedAt } } }`;

interface Updated {
  updateProfile: {
    id: string;
    username: string;
    profile: { displayName: string; bio: string; avatarUrl: string | null; updatedAt: string | null };
  };
}

describe('profiles through GraphQL', () => {
  it('resolves the profile of a user who just registered or logged in', async () => {
    const email = `new${Date.now()}@example.com`;
    const username = `new${Date.now().toString(36)}`;
    const reg = await stack.gql<{ register: { user: { profile: { displayName: string } } } }>(
      'mutation ($i: RegisterInput!) { register(input: $i) { user { profile { displayName } } } }',
      { i: { email, username, password: 'a long password' } },
    );
    expect(reg.errors).toBeUndefined();
    expect(reg.data?.register.user.profile.displayName).toBe(username);
    const login = await stack.gql<{ login: { user: { profile: { displayName: string } } } }>(
      'mutation ($i: LoginInput!) { login(input: $i) { user { profile { displayName } } } }',
      { i: { email, password: 'a long password' } },
    );
    expect(login.errors).toBeUndefined();
    expect(login.data?.login.user.profile.displayName).toBe(username);
  });

  it('gives every user a default profile, and updateProfile changes only what it names', async () => {
    const a = await stack.user('pa');
    const me = await stack.gql<{ me: { profile: Record<string, unknown> } }>(
      '{ me { profile { displayName bio avatarUrl updatedAt } } }',
      {},
      { token: a.token },
    );
    expect(me.data?.me.profile).toEqual({ displayName: a.username, bio: '', avatarUrl: null, updatedAt: null });

    const set = await stack.gql<Updated>(
      UPDATE,
      { i: { displayName: 'Ada L.', bio: 'hi', avatarUrl: 'https://x.test/a.png' } },
      { token: a.token },
    );
    expect(set.data?.updateProfile.profile).toMatchObject({
      displayName: 'Ada L.',
      bio: 'hi',
      avatarUrl: 'https://x.test/a.png',
    });
    // An omitted field stays; null resets to the default.
    const partial = await stack.gql<Updated>(UPDATE, { i: { bio: 'changed', avatarUrl: null } }, { token: a.token });
    expect(partial.data?.updateProfile.profile).toMatchObject({
      displayName: 'Ada L.',
      bio: 'changed',
      avatarUrl: null,
    });
    const reset = await stack.gql<Updated>(UPDATE, { i: { displayName: null } }, { token: a.token });
    expect(reset.data?.updateProfile.profile.displayName).toBe(a.username);

    const bad = await stack.gql(UPDATE, { i: { avatarUrl: 'http://insecure.test/a.png' } }, { token: a.token });
    expect(bad.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'avatarUrl' });
    const long = await stack.gql(UPDATE, { i: { displayName: 'x'.repeat(65) } }, { token: a.token });
    expect(long.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'displayName' });
  });

  it('a display name set by one user shows in another user’s member list and message senders', async () => {
    const a = await stack.user('sa');
    const b = await stack.user('sb');
    await stack.gql(UPDATE, { i: { displayName: 'Alice Display' } }, { token: a.token });
    const chatId = (await stack.chatService.chat.getOrCreateDirectChat({ userId: b.id }, a.md)).chat!.id;
    await stack.chatService.chat.sendMessage({ chatId, body: 'hello', clientMessageId: 's1' }, a.md);
    const seen = await stack.gql<{
      chat: {
        members: { user: { id: string; profile: { displayName: string } } }[];
        messages: { edges: { node: { sender: { profile: { displayName: string } } } }[] };
      };
    }>(
      'query ($c: ID!) { chat(id: $c) { members { user { id profile { displayName } } } messages { edges { node { sender { profile { displayName } } } } } } }',
      { c: chatId },
      { token: b.token },
    );
    expect(seen.errors).toBeUndefined();
    expect(seen.data?.chat.members.find((m) => m.user.id === a.id)?.user.profile.displayName).toBe('Alice Display');
    expect(seen.data?.chat.messages.edges[0]?.node.sender.profile.displayName).toBe('Alice Display');
  });

  it('a page of 100 messages from 20 senders costs one GetUsers and one GetProfiles call', async () => {
    const owner = await stack.user('bo');
    const members = await Promise.all(Array.from({ length: 19 }, (_, i) => stack.user(`bm${i}`)));
    const chatId = (
      await stack.chatService.chat.createGroupChat({ title: 'batching', memberIds: members.map((m) => m.id) }, owner.md)
    ).chat!.id;
    const senders = [owner, ...members];
    for (let i = 0; i < 100; i += 20) {
      await Promise.all(
        senders.map((sender, k) =>
          stack.chatService.chat.sendMessage({ chatId, body: `b${i + k}`, clientMessageId: `b${i + k}` }, sender.md),
        ),
      );
    }
    const counts = { users: 0, profiles: 0 };
    const users = stack.gateway.upstreams.auth.unary.getUsers;
    const profiles = stack.gateway.upstreams.profiles.unary.getProfiles;
    stack.gateway.upstreams.auth.unary.getUsers = (...args) => (counts.users++, users(...args));
    stack.gateway.upstreams.profiles.unary.getProfiles = (...args) => (counts.profiles++, profiles(...args));
    try {
      const page = await stack.gql<{ messages: { edges: { node: { sender: { username: string } } }[] } }>(
        'query ($c: ID!) { messages(chatId: $c, last: 100) { edges { node { sender { username profile { displayName } } } } } }',
        { c: chatId },
        { token: owner.token },
      );
      expect(page.errors).toBeUndefined();
      expect(page.data?.messages.edges).toHaveLength(100);
      expect(new Set(page.data?.messages.edges.map((e) => e.node.sender.username)).size).toBe(20);
      expect(counts).toEqual({ users: 1, profiles: 1 });
    } finally {
      stack.gateway.upstreams.auth.unary.getUsers = users;
      stack.gateway.upstreams.profiles.unary.getProfiles = profiles;
    }
  });

  it('searchUsers finds users by username or display name, without duplicates', async () => {
    const tag = `z${Date.now().toString(36)}`;
    const a = await stack.user(tag);
    const b = await stack.user('other');
    await stack.gql(UPDATE, { i: { displayName: `${tag.toUpperCase()} Person` } }, { token: b.token });
    // a matches by username, b by display name; a also gets a matching display name: no duplicate.
    await stack.gql(UPDATE, { i: { displayName: `${tag} Self` } }, { token: a.token });
    const found = await stack.gql<{ searchUsers: { id: string }[] }>(
      'query ($q: String!) { searchUsers(query: $q, first: 10) { id } }',
      { q: tag },
      { token: a.token },
    );
    expect(found.data?.searchUsers.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('announces a profile change to the chat’s members as UserUpdated', async () => {
    const a = await stack.user('ua');
    const b = await stack.user('ub');
    await stack.chatService.chat.getOrCreateDirectChat({ userId: b.id }, a.md);
    const before = stack.chatService.app.subscribers();
    const sub = collect<{
      chatEvents: { __typename: string; user?: { id: string; profile: { displayName: string } } };
    }>(
      stack.ws(b.token),
      'subscription { chatEvents { __typename ... on UserUpdated { user { id profile { displayName } } } } }',
    );
    await until(() => stack.chatService.app.subscribers() > before, 'the stream');
    await stack.gql(UPDATE, { i: { displayName: 'New Name' } }, { token: a.token });
    const events = await sub.until(1);
    expect(events[0]?.chatEvents).toEqual({
      __typename: 'UserUpdated',
      user: { id: a.id, profile: { displayName: 'New Name' } },
    });
    sub.dispose();
  });

  it('answers without profiles when profiles-service is down: profile is null with UNAVAILABLE at its path', async () => {
    const a = await stack.user('da');
    await stack.profilesService.app.stop();
    try {
      const plain = await stack.gql<{ me: { username: string } }>('{ me { username } }', {}, { token: a.token });
      expect(plain.errors).toBeUndefined();
      expect(plain.data?.me.username).toBe(a.username);
      const partial = await stack.gql<{ me: { username: string; profile: null } }>(
        '{ me { username profile { displayName } } }',
        {},
        { token: a.token },
      );
      expect(partial.data?.me).toEqual({ username: a.username, profile: null });
      expect(partial.errors).toHaveLength(1);
      expect(partial.errors?.[0]?.path).toEqual(['me', 'profile']);
      expect(partial.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    } finally {
      await stack.profilesService.restart();
    }
  });
});
