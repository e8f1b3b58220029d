import { useState } from 'react';
import type { User } from '../state/model';

/** The user's avatar picture, or their initial when there is none (or it fails to load). */
export function Avatar({ user, size = 36 }: { user: User; size?: number }) {
  const [broken, setBroken] = useState<string | null>(null);
  const name = user.profile?.displayName || user.username;
  const url = user.profile?.avatarUrl;
  const style = { width: size, height: size, fontSize: size * 0.45 };
  if (url && broken !== url) {
    return (
      <img
        className="avatar"
        src={url}
        alt=""
        style={style}
        referrerPolicy="no-referrer"
        loading="lazy"
        onError={() => setBroken(url)}
      />
    );
  }
  return (
    <span className="avatar initials" style={style} aria-hidden="true">
      {name.charAt(0).toUpperCase()}
    </span>
  );
}
