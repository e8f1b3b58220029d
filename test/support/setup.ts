import { disposeLeftoversAfterAll } from './leftovers.js';

// Every test file: what its tests and fixtures started is stopped when the file is done.
disposeLeftoversAfterAll();
