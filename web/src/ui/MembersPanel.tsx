import { useState } from 'react';
import { nameOf } from '../state/display';
import { useAppState, useServices } from './context';
import { navigate } from './route';
import { Avatar } from './Avatar';
import { UserSearch } from './UserSearch';
import { Alert } from './Alert';

const ROLE_NAMES = { OWNER: 'Owner', ADMIN: 'Admin', MEMBER: '' } as const;

export function MembersPanel({ chatId, onClose }: { chatId: string; onClose: () => void }) {
  const { messenger } = useServices();
  const chat = useAppState((s) => s.chats[chatId]);
  const members = useAppState((s) => s.panes[chatId]?.members);
  const users = useAppState((s) => s.users);
  const meId = useAppState((s) => s.me?.id);
  const [error, setError] = useState<string | null>(null);
  if (!chat) return null;
  const myRole = members?.find((m) => m.user.id === meId)?.role;
  const canAdd = chat.kind === 'GROUP' && (myRole === 'OWNER' || myRole === 'ADMIN');
  // An ADMIN may remove members and admins, never the OWNER.
  const canRemove = (role: string) => canAdd && (myRole === 'OWNER' || role !== 'OWNER');

  async function leave() {
    const outcome = await messenger.leave(chatId);
    if (outcome.ok) navigate('#/');
    else setError(outcome.error);
  }

  return (
    <aside className="members" aria-label="Members">
      <header>
        <h3>Members ({chat.memberCount})</h3>
        <button type="button" onClick={onClose} aria-label="Close members">
          ×
        </button>
      </header>
      {canAdd && (
        <UserSearch
          label="Add people"
          actionLabel="Add"
          exclude={members?.map((m) => m.user.id) ?? []}
          onPick={(user) => void messenger.addMembers(chatId, [user.id]).then((o) => setError(o.ok ? null : o.error))}
        />
      )}
      <Alert message={error} />
      {!members ? (
        <p className="muted">Loading…</p>
      ) : (
        <ul>
          {members.map((member) => (
            <li key={member.user.id}>
              <Avatar user={users[member.user.id] ?? member.user} size={28} />
              <span className="name">
                {nameOf(member.user, users)}
                {member.user.id === meId && ' (you)'}
              </span>
              <span className="muted">@{member.user.username}</span>
              {ROLE_NAMES[member.role] && <span className="role">{ROLE_NAMES[member.role]}</span>}
              {canRemove(member.role) && member.user.id !== meId && (
                <button
                  type="button"
                  className="danger small"
                  aria-label={`Remove ${nameOf(member.user, users)} from the group`}
                  onClick={() =>
                    void messenger.removeMember(chatId, member.user.id).then((o) => setError(o.ok ? null : o.error))
                  }
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {chat.kind === 'GROUP' && (
        <button type="button" className="danger" onClick={() => void leave()}>
          Leave group
        </button>
      )}
    </aside>
  );
}
