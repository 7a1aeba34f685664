/**
 * Admission control: at most `max` requests run their handlers at once, the others wait their
 * turn in arrival order.
 *
 * Why: the embedded database runs one statement at a time, in the order statements arrive. With
 * hundreds of requests in flight, a request that runs ten statements one after the other (a card,
 * an eligibility by address) waits behind the whole crowd ten times, and the load bench saw
 * answers after more than 10 s at 256 connections while p50 was 118 ms. Queuing whole requests
 * instead keeps every request's statements together: each waits once, in its turn.
 *
 * A client that leaves gives its place back at once — while waiting, just admitted or running
 * (its handler may still finish its statements): the limit is on requests someone waits for.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The default: a few requests at once on the embedded database (one statement at a time), none on a server. */
export function defaultMaxConcurrent(kind: 'embedded' | 'postgres'): number {
  return kind === 'embedded' ? 8 : 0;
}

/** `BATID_MAX_CONCURRENT`: a number ≥ 0 (0 = no admission control), else the default. */
export function maxConcurrentFromEnv(kind: 'embedded' | 'postgres', value: string | undefined): number {
  if (value === undefined || value === '') return defaultMaxConcurrent(kind);
  if (!/^\d+$/.test(value))
    throw new Error(`BATID_MAX_CONCURRENT must be a whole number ≥ 0, got "${value}"`);
  return Number(value);
}

/** Requests that do not touch the database skip the queue: static files of the web app and the API docs. */
const exempt = (url: string) => url.startsWith('/assets/') || url.startsWith('/docs');

export function admission(app: FastifyInstance, max: number): { running(): number; waiting(): number } {
  let running = 0;
  const queue: { go: () => void; gone: boolean; placed: boolean }[] = [];
  const admitted = new WeakSet<FastifyRequest>();

  const next = () => {
    while (running < max && queue.length) {
      const w = queue.shift()!;
      if (w.gone) continue;
      running++;
      w.placed = true;
      // on the next turn of the event loop, not as a microtask: a chain of admissions would
      // otherwise keep the loop from reading its sockets (see src/store/pglite-store.ts breathe)
      setImmediate(w.go);
    }
  };
  /** Gives a place back (once per admitted request). */
  const free = () => {
    running--;
    next();
  };
  const release = (req: FastifyRequest) => {
    if (admitted.delete(req)) free();
  };
  const gone = (reply: FastifyReply) =>
    reply.status(503).send({ error: { code: 'client_gone', message: 'the client left before its turn' } });

  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    if (exempt(req.url)) return;
    if (running < max) running++;
    else {
      const w = { go: () => undefined as void, gone: false, placed: false };
      const turn = new Promise<void>((resolve) => (w.go = resolve));
      // a client that leaves while waiting gives its place up, and its request ends here
      const leave = () => {
        w.gone = true;
        w.go();
      };
      reply.raw.once('close', leave);
      queue.push(w);
      await turn;
      reply.raw.off('close', leave);
      if (w.gone) {
        // it may have been given a place just before it left: that place goes to the next one
        if (w.placed) free();
        return gone(reply);
      }
    }
    // the client may have left before this hook (its 'close' is past): the place goes back at once
    // (the socket, not the request stream: a request whose body was read is a destroyed stream)
    if (reply.raw.destroyed || req.raw.socket?.destroyed) {
      free();
      return gone(reply);
    }
    admitted.add(req);
    reply.raw.once('close', () => release(req));
  });
  app.addHook('onResponse', async (req) => release(req));
  app.addHook('onRequestAbort', async (req) => release(req));
  return { running: () => running, waiting: () => queue.filter((w) => !w.gone).length };
}
