import {
  Kind,
  getArgumentValues,
  isObjectType,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import type { ChatModel, MessageConnectionModel } from '../mappers.js';

/** The arguments of `Chat.messages`. */
export interface HistoryArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A chat known only by its id, with the history page its selection asked for already read. */
export type ChatWithHistory = ChatModel & { history?: { args: HistoryArgs; page: MessageConnectionModel } };

const HISTORY_ONLY = new Set(['id', '__typename', 'messages']);

/**
 * The arguments of `messages` when a `chat(id)` selection asks for nothing but its id and one
 * page of history (`chat(id) { messages(last: 50) { … } }`, as a chat screen does): then that
 * page is all the operation needs of chat-service, and reading it also tells whether the caller
 * is a member (NOT_FOUND otherwise), so the chat itself need not be read. Anything else (another
 * field, two `messages` selections, a directive): undefined, and the chat is read as usual.
 */
export function historyOnly(info: GraphQLResolveInfo): HistoryArgs | undefined {
  const chatType = info.schema.getType('Chat');
  if (!isObjectType(chatType)) return undefined;
  const found: FieldNode[] = [];
  const visit = (selectionSet: SelectionSetNode | undefined, seen: Set<string>): boolean => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.directives?.length) return false;
      if (selection.kind === Kind.FIELD) {
        if (!HISTORY_ONLY.has(selection.name.value)) return false;
        if (selection.name.value === 'messages') found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!visit(selection.selectionSet, seen)) return false;
      } else {
        const fragment = info.fragments[selection.name.value];
        if (!fragment || seen.has(fragment.name.value)) return false;
        if (!visit(fragment.selectionSet, new Set([...seen, fragment.name.value]))) return false;
      }
    }
    return true;
  };
  for (const node of info.fieldNodes) if (!visit(node.selectionSet, new Set())) return undefined;
  if (found.length !== 1) return undefined;
  const args = getArgumentValues(chatType.getFields().messages!, found[0]!, info.variableValues) as HistoryArgs;
  // Both directions at once is the field's own error to report, at its own path.
  return args.first != null && args.last != null ? undefined : args;
}

/** Whether a `messages` field was asked with the same arguments as the page read ahead. */
export const sameHistory = (a: HistoryArgs, b: HistoryArgs) =>
  (a.first ?? null) === (b.first ?? null) &&
  (a.after ?? null) === (b.after ?? null) &&
  (a.last ?? null) === (b.last ?? null) &&
  (a.before ?? null) === (b.before ?? null);
