import { rename, rm } from 'node:fs/promises';

/**
 * Writes a file whole or not at all: `write` fills `PATH.part`, which is then renamed to `PATH`;
 * on failure the part is removed. A reader (or a run killed meanwhile) never sees half a file.
 */
export async function writeAside<T>(path: string, write: (part: string) => Promise<T>): Promise<T> {
  const part = `${path}.part`;
  try {
    const result = await write(part);
    await rename(part, path);
    return result;
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}
