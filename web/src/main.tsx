import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client';
import { createSessionManager } from './auth/session';
import { App } from './ui/App';
import './styles.css';

const session = createSessionManager('/graphql');
const api = createApiClient(session, '/graphql');
const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;

createRoot(document.getElementById('root')!).render(<App api={api} session={session} wsUrl={wsUrl} />);
