import { useEffect, useState } from 'react';

/** Pages of the app, kept in the URL hash so reload and the back button work. */
export type Route = { page: 'chats'; chatId: string | null } | { page: 'profile' } | { page: 'sessions' };

export function parseRoute(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, '').split('/');
  if (page === 'profile') return { page: 'profile' };
  if (page === 'sessions') return { page: 'sessions' };
  let chatId: string | null = null;
  try {
    chatId = page === 'chats' && id ? decodeURIComponent(id) : null;
  } catch {
    // A malformed link (bad percent-encoding) opens the chat list.
  }
  return { page: 'chats', chatId };
}

export const chatHref = (chatId: string) => `#/chats/${encodeURIComponent(chatId)}`;

export function navigate(hash: string): void {
  if (window.location.hash !== hash) window.location.hash = hash;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
