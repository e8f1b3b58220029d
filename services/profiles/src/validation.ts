import { invalidArgument } from '../../../lib/errors.js';
import { codePointLength } from '../../../lib/text.js';

/** Profile limits from the design, enforced here whatever the gateway checks. Lengths in code points. */
export const LIMITS = {
  displayNameMax: 64,
  bioMax: 500,
  avatarUrlMax: 2_048,
  getProfilesMax: 1_000,
} as const;

const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/u;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_SHAPE.test(value);

export function displayName(value: string): string {
  const name = value.trim();
  const length = codePointLength(name);
  if (length < 1 || length > LIMITS.displayNameMax) {
    throw invalidArgument('displayName', `displayName must be 1–${LIMITS.displayNameMax} characters`);
  }
  if (CONTROLS.test(name) || /[\n\r\t]/.test(name))
    throw invalidArgument('displayName', 'displayName contains control characters');
  return name;
}

export function bio(value: string): string {
  if (codePointLength(value) > LIMITS.bioMax)
    throw invalidArgument('bio', `bio must be at most ${LIMITS.bioMax} characters`);
  if (CONTROLS.test(value)) throw invalidArgument('bio', 'bio contains control characters');
  return value;
}

/** An https URL with a host, at most 2048 characters. */
export function avatarUrl(value: string): string {
  if (codePointLength(value) > LIMITS.avatarUrlMax) {
    throw invalidArgument('avatarUrl', `avatarUrl must be at most ${LIMITS.avatarUrlMax} characters`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidArgument('avatarUrl', 'avatarUrl is not a URL');
  }
  if (url.protocol !== 'https:' || !url.hostname || url.username || url.password) {
    throw invalidArgument('avatarUrl', 'avatarUrl must be an https URL');
  }
  return value;
}

export { checkSearch as search } from '../../../lib/search.js';
