// The session as every tab of this browser last committed it, in IndexedDB. localStorage alone is
// not enough for refresh decisions: Chromium gives each tab's process its own copy of it, updated
// a moment after another tab writes, so a tab that gets the refresh lock right after another tab
// refreshed could still read the spent refresh token and present it again (which revokes the
// session). An IndexedDB write that completes before the lock is released is seen by the next
// holder. Without IndexedDB (some private modes) this store is empty and localStorage is used.
const DATABASE = 'messenger';
const STORE = 'session';
const KEY = 'current';

let opening: Promise<IDBDatabase | null> | null = null;

function database(): Promise<IDBDatabase | null> {
  opening ??= new Promise((resolve) => {
    if (typeof indexedDB === 'undefined') return resolve(null);
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
  return opening;
}

function run<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T | undefined> {
  return database().then(
    (db) =>
      new Promise((resolve) => {
        if (!db) return resolve(undefined);
        const transaction = db.transaction(STORE, mode);
        const request = use(transaction.objectStore(STORE));
        // Resolved once committed, so that whoever reads next sees it.
        transaction.oncomplete = () => resolve(request.result);
        transaction.onerror = () => resolve(undefined);
        transaction.onabort = () => resolve(undefined);
      }),
  );
}

export const readSharedSession = (): Promise<unknown> => run('readonly', (store) => store.get(KEY));

export async function writeSharedSession(value: unknown): Promise<void> {
  if (value === null) await run('readwrite', (store) => store.delete(KEY));
  else await run('readwrite', (store) => store.put(value, KEY));
}
