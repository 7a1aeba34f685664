// Worker entry used when BatID runs from its TypeScript sources (tests, dev scripts): workers do
// not inherit tsx's loader, so register it here, then load the real worker module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
