import {
  GraphQLError,
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  type ASTNode,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type execute,
  visit,
} from 'graphql';
import type { ChatEventPayload } from '../mappers.js';

/**
 * Fields whose value depends on who is asking: an event's result that selects one of these is
 * computed per viewer; any other result is computed once and shared by every recipient.
 * `ChatUpdated.chat` is the chat as the viewer sees it (their unread count, and chat-service's
 * own membership check); `User.email` is shown to its owner only.
 */
const PER_VIEWER = new Set(['User.email', 'Chat.unreadCount', 'ChatUpdated.chat']);

/** Recent plans by key, shared by every subscription with the same selection. */
const MAX_PLANS = 1_000;
const plans = new Map<string, EventPlan>();

/**
 * How one `chatEvents` selection turns an event into the payload of a graphql-ws `next` message.
 * Subscriptions with the same document, operation and variables (their resume cursors aside)
 * share one plan, so an event is executed and serialised once for all of them (once per viewer
 * for the event types whose selection is per viewer).
 */
export class EventPlan {
  private readonly perViewer: ReadonlySet<string>;

  constructor(
    readonly key: string,
    private readonly schema: GraphQLSchema,
    readonly document: DocumentNode,
    readonly operationName: string | null,
    readonly variables: Record<string, unknown> | null,
    private readonly run: typeof execute,
  ) {
    this.perViewer = perViewerTypes(schema, document, operationName);
  }

  /** Whether the selection of events of this type depends on the viewer. */
  isPerViewer(typename: string): boolean {
    return this.perViewer.has(typename);
  }

  /** The execution result of this selection for one event, as graphql-ws sends it. */
  async execute(payload: ChatEventPayload, contextValue: unknown): Promise<ExecutionResult> {
    return this.run({
      schema: this.schema,
      document: this.document,
      operationName: this.operationName,
      variableValues: this.variables,
      rootValue: payload,
      contextValue,
    });
  }
}

/**
 * The plan of a `chatEvents` subscription, from a cache of recent ones. The variables that only
 * feed `chatEvents`'s own arguments (the resume cursors, different for every client) are left
 * out of the key: they do not change how an event is rendered.
 */
export function planFor(
  schema: GraphQLSchema,
  run: typeof execute,
  query: string,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): EventPlan {
  const rootOnly = rootArgumentVariables(document, operation);
  const selectionVariables = Object.fromEntries(
    Object.entries(variables ?? {}).filter(([name]) => !rootOnly.has(name)),
  );
  const operationName = operation.name?.value ?? null;
  const key = JSON.stringify([query, operationName, selectionVariables]);
  let plan = plans.get(key);
  if (plan) {
    // Most recently used last, so the oldest is evicted first.
    plans.delete(key);
  } else {
    plan = new EventPlan(key, schema, document, operationName, variables ?? null, run);
    if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value!);
  }
  plans.set(key, plan);
  return plan;
}

/** Variables used in the root field's arguments and nowhere else in the document. */
function rootArgumentVariables(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const root = operation.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
  if (!root?.arguments?.length) return new Set();
  const countUses = (nodes: readonly ASTNode[]) => {
    const counts = new Map<string, number>();
    for (const node of nodes) {
      visit(node, {
        VariableDefinition: () => false, // a declaration, not a use
        Variable(variable) {
          counts.set(variable.name.value, (counts.get(variable.name.value) ?? 0) + 1);
        },
      });
    }
    return counts;
  };
  const everywhere = countUses([document]);
  return new Set(
    [...countUses(root.arguments)].filter(([name, count]) => everywhere.get(name) === count).map(([name]) => name),
  );
}

/**
 * The event types (members of the `chatEvents` union) whose selection reaches a per-viewer
 * field. Conservative: fragments count whatever their `@include`/`@skip`.
 */
function perViewerTypes(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): Set<string> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      (operationName === null || definition.name?.value === operationName)
    ) {
      operation ??= definition;
    }
  }
  const root = operation?.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
  const subscriptionType = schema.getSubscriptionType();
  const fieldType = root && subscriptionType?.getFields()[root.name.value]?.type;
  const eventType = fieldType && getNamedType(fieldType);
  if (!root?.selectionSet || !eventType || !isAbstractType(eventType)) return new Set();

  const result = new Set<string>();
  for (const member of schema.getPossibleTypes(eventType)) {
    const reached = new Set<string>();
    collect(schema, fragments, root.selectionSet, member, member, reached, new Set());
    if ([...reached].some((coordinate) => PER_VIEWER.has(coordinate))) result.add(member.name);
  }
  return result;
}

/** Adds `Type.field` for every field the selection can reach, as `concrete` (the event type) at the top. */
function collect(
  schema: GraphQLSchema,
  fragments: Map<string, FragmentDefinitionNode>,
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  concrete: GraphQLObjectType | undefined,
  reached: Set<string>,
  spread: Set<string>,
): void {
  const applies = (typeName: string | undefined) => {
    if (!concrete || typeName === undefined) return true;
    const type = schema.getType(typeName);
    return type === concrete || (type !== undefined && isAbstractType(type) && schema.isSubType(type, concrete));
  };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      const owner = concrete ?? parent;
      const field = isObjectType(owner) || 'getFields' in owner ? owner.getFields()[name] : undefined;
      if (!field) throw new GraphQLError(`unknown field ${owner.name}.${name}`);
      reached.add(`${owner.name}.${name}`);
      const type = getNamedType(field.type);
      if (selection.selectionSet && isCompositeType(type)) {
        collect(
          schema,
          fragments,
          selection.selectionSet,
          type,
          isObjectType(type) ? type : undefined,
          reached,
          spread,
        );
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!applies(selection.typeCondition?.name.value)) continue;
      const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
      if (type && isCompositeType(type)) {
        collect(schema, fragments, selection.selectionSet, type, isObjectType(type) ? type : concrete, reached, spread);
      }
    } else {
      const fragment = fragments.get(selection.name.value);
      if (!fragment || spread.has(fragment.name.value) || !applies(fragment.typeCondition.name.value)) continue;
      const type = schema.getType(fragment.typeCondition.name.value);
      if (!type || !isCompositeType(type)) continue;
      collect(
        schema,
        fragments,
        fragment.selectionSet,
        type,
        isObjectType(type) ? type : concrete,
        reached,
        new Set([...spread, fragment.name.value]),
      );
    }
  }
}
