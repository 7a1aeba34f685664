import { rename, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Fault injection for the crash tests only: a pause (ms) between the complete part and its
 * rename, so that a test kills a run in that window every time instead of racing a few ms.
 */
const PAUSE_BEFORE_RENAME_MS = Number(process.env.BATID_FAULT_PAUSE_BEFORE_RENAME_MS ?? 0);

/**
 * Writes a file whole or not at all: `write` fills `PATH.part`, which is then renamed to `PATH`;
 * on failure the part is removed. A reader (or a run killed meanwhile) never sees half a file.
 */
export async function writeAside<T>(path: string, write: (part: string) => Promise<T>): Promise<T> {
  const part = `${path}.part`;
  try {
    const result = await write(part);
    if (PAUSE_BEFORE_RENAME_MS > 0) await sleep(PAUSE_BEFORE_RENAME_MS);
    await rename(part, path);
    return result;
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}
