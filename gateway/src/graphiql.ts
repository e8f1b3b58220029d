import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GraphiQLOptions } from 'graphql-yoga';
import {
  css,
  editorWorkerService,
  favicon,
  graphqlWorker,
  js,
  jsonWorker,
} from '@graphql-yoga/render-graphiql/graphiql';

/**
 * GraphiQL's page: @graphql-yoga/render-graphiql's bundle (GraphiQL, its editor workers and
 * styles, all inline so that it works offline), with a fetcher of our own.
 *
 * The gateway authenticates a socket once, at `connection_init`, from its payload's
 * `authorization` (realtime/ws-connection.ts). The bundle's own fetcher puts the headers pane's
 * headers on HTTP requests only: its graphql-ws executor takes connection params from the page's
 * options (fixed when the page is rendered) or from a request's extensions, which that fetcher
 * leaves empty. So the page hands `renderYogaGraphiQL` a `fetcher` (which it then uses instead of
 * its own) that runs subscriptions over graphql-ws (its browser build, from the installed
 * package) with the headers pane's `Authorization` as `connection_init`'s `authorization`, and
 * everything else as a JSON POST with the headers pane's headers.
 *
 * Everything is one inline `<script>`, which the page's Content-Security-Policy allows by hash
 * (defence/browsers.ts).
 */

const require = createRequire(import.meta.url);
/** graphql-ws's browser build: defines `graphqlWs` (its `createClient`, as from 'graphql-ws'). */
const graphqlWsBrowser = readFileSync(
  join(dirname(require.resolve('graphql-ws/package.json')), 'umd', 'graphql-ws.min.js'),
  'utf8',
);

/**
 * The fetcher GraphiQL calls with `(params, { headers, documentAST })`. A subscription gets a
 * socket of its own, opened with the `Authorization` of the headers it was run with, and closed
 * when it ends (GraphiQL's stop button unsubscribes). A refused socket is not retried: the
 * result pane says why instead, since a retry with the same token is refused again.
 */
const FETCHER = /* js */ `
function messengerFetcher(endpoint) {
  const socketUrl = endpoint.replace(/^http/, 'ws');
  const HINT = 'put {"Authorization": "Bearer <accessToken>"} in the headers pane (the accessToken of register, login or refreshToken), then run it again';
  const authorizationOf = (headers) => {
    const name = Object.keys(headers || {}).find((key) => key.toLowerCase() === 'authorization');
    return name === undefined ? undefined : String(headers[name]);
  };
  const isSubscription = (params, document) => {
    const operations = (document ? document.definitions : []).filter((d) => d.kind === 'OperationDefinition');
    const operation = params.operationName
      ? operations.find((o) => o.name && o.name.value === params.operationName)
      : operations[0];
    return !!operation && operation.operation === 'subscription';
  };
  /** A socket's end or failure as a result GraphiQL shows. */
  const failure = (reason) => {
    if (Array.isArray(reason)) return { errors: reason };
    if (reason && typeof reason.code === 'number') {
      if (reason.code === 4403) {
        return { errors: [{ message: 'The gateway refused the socket (4403 Forbidden): the token is missing, invalid or expired, or its session was revoked; ' + HINT + '.' }] };
      }
      return { errors: [{ message: 'The socket closed (' + reason.code + (reason.reason ? ' ' + reason.reason : '') + '); run it again.' }] };
    }
    if (reason instanceof Error) return { errors: [{ message: reason.message }] };
    return { errors: [{ message: 'Could not open a WebSocket to ' + socketUrl + '.' }] };
  };
  const overWebSocket = (params, authorization) => ({
    subscribe(sink) {
      const client = graphqlWs.createClient({
        url: socketUrl,
        connectionParams: { authorization },
        retryAttempts: 0,
      });
      const end = () => void client.dispose();
      const stop = client.subscribe(
        { query: params.query, operationName: params.operationName || undefined, variables: params.variables || undefined },
        {
          next: (result) => sink.next(result),
          error: (reason) => { sink.next(failure(reason)); sink.complete(); end(); },
          complete: () => { sink.complete(); end(); },
        },
      );
      return { unsubscribe() { stop(); end(); } };
    },
  });
  const overHttp = async (params, headers) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify(params),
    });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: 'HTTP ' + response.status + ': ' + text }] };
    }
  };
  return (params, options) => {
    const headers = (options && options.headers) || {};
    if (!isSubscription(params, options && options.documentAST)) return overHttp(params, headers);
    const authorization = authorizationOf(headers);
    // A result, not an observable that ends at once: GraphiQL would take that for one still running.
    if (authorization === undefined) {
      return Promise.resolve({ errors: [{ message: 'A subscription needs a token: ' + HINT + '.' }] });
    }
    return overWebSocket(params, authorization);
  };
}
`;

/**
 * GraphiQL's first document (until a visitor has edits of their own): one of each kind of
 * operation, and where the token goes. test/e2e/graphiql.test.ts checks it against the schema.
 */
export const DEFAULT_DOCUMENT = `# Messenger's GraphQL API. Run one operation at a time: put the cursor in it
# and press Ctrl-Enter (or ▶ and pick it).
#
# 1. Register (or log in) and copy the accessToken of the answer.
# 2. Open "Headers" below and paste it there:
#
#      {"Authorization": "Bearer <accessToken>"}
#
#    Every operation sends it: queries and mutations as an HTTP header, a
#    subscription in graphql-ws's connection_init when its WebSocket opens.
#    A token expires (ACCESS_TOKEN_TTL, 15 minutes by default): log in or
#    refresh, paste the new one, run again.
# 3. Start ChatEvents; send a message (here, in another tab, or the web
#    client at /) and watch it arrive.

mutation Register {
  register(input: { email: "ada@example.com", username: "ada", password: "correct horse" }) {
    accessToken
    refreshToken
    user {
      id
      username
    }
  }
}

mutation Login {
  login(input: { email: "ada@example.com", password: "correct horse" }) {
    accessToken
    refreshToken
  }
}

query MyChats {
  me {
    id
    username
  }
  chats {
    edges {
      node {
        id
        unreadCount
      }
    }
  }
}

mutation CreateDirectChat {
  createDirectChat(userId: "<the other user's id>") {
    id
  }
}

mutation SendMessage {
  sendMessage(input: { chatId: "<chat id>", body: "hi!", clientMessageId: "graphiql-1" }) {
    seq
    body
  }
}

subscription ChatEvents {
  chatEvents {
    __typename
    ... on MessageCreated {
      chatId
      seq
      message {
        body
        sender {
          username
        }
      }
    }
  }
}
`;

/** JSON that is safe inside a `<script>`: no `</script>` or `<!--` can end or change it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The page for yoga's `renderGraphiQL` option (its options come from `graphiql` in createYoga);
 * GraphQL is at `endpoint`, by default the page's own path.
 */
export function renderGraphiQL(options: GraphiQLOptions = {}): string {
  // The fetcher is given the endpoint (the bundle warns when given both).
  const { endpoint, ...rest } = options;
  const endpointSource =
    endpoint === undefined ? String.raw`location.pathname.replace(/\/$/, '')` : scriptJson(endpoint);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${escapeHtml(options.favicon ?? favicon)}" />
    <style>
      ${css}
    </style>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      function prepareBlob(workerContent) {
        return URL.createObjectURL(new Blob([workerContent], { type: 'application/javascript' }));
      }
      const workers = {
        editorWorkerService: prepareBlob(${scriptJson(editorWorkerService)}),
        json: prepareBlob(${scriptJson(jsonWorker)}),
        graphql: prepareBlob(${scriptJson(graphqlWorker)}),
      };
      self['MonacoEnvironment'] = {
        globalAPI: false,
        getWorkerUrl: function (moduleId, label) {
          return workers[label];
        },
      };
      ${graphqlWsBrowser};
      ${js};
      ${FETCHER}
      YogaGraphiQL.renderYogaGraphiQL(window.document.querySelector('#root'), {
        ...${scriptJson(rest)},
        fetcher: messengerFetcher(new URL(${endpointSource}, location.href).toString()),
      });
    </script>
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
