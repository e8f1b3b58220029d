// What the in-memory reference servers know of the bench's users and chats: the same ids and
// tokens the real system issued, so that the same clients and senders work against them.

export interface DirectoryInput {
  users: { id: string; username: string; tokens: string[] }[];
  chats: { id: string; memberIds: string[] }[];
}

export interface Directory {
  userByToken(authorization: unknown): { id: string; username: string } | undefined;
  user(id: string): { id: string; username: string } | undefined;
  chat(id: string): { id: string; memberIds: string[]; seq: number } | undefined;
}

export function createDirectory(input: DirectoryInput): Directory {
  const users = new Map(input.users.map((user) => [user.id, { id: user.id, username: user.username }]));
  const byToken = new Map(input.users.flatMap((user) => user.tokens.map((token) => [token, users.get(user.id)!])));
  const chats = new Map(input.chats.map((chat) => [chat.id, { ...chat, seq: 0 }]));
  return {
    userByToken(authorization) {
      if (typeof authorization !== 'string') return undefined;
      return byToken.get(authorization.replace(/^Bearer\s+/i, ''));
    },
    user: (id) => users.get(id),
    chat: (id) => chats.get(id),
  };
}

/** The sendMessage input both reference servers read from the POSTed GraphQL request. */
export interface SendInput {
  chatId: string;
  body: string;
  clientMessageId: string;
}
