import { actionEntry } from './entry.ts';

await actionEntry();
