/** Lets the event loop run its timers and poll its sockets before the caller goes on. */
export const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Rows or items a long synchronous loop handles between two pauses (a few ms of work). */
export const SLICE = 20_000;
