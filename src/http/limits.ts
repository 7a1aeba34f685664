/** Bodies beyond this get a 413 (the bulk upload route has its own, larger limit). */
export const BODY_LIMIT_BYTES = 1 << 20;
/** A request that takes longer gets a 503 `timeout` (`BATID_HANDLER_TIMEOUT_MS` in `batid serve`). */
export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
/** Routes that stream or compute a whole territory: exports, indicators with networks, bulk files. */
export const LONG_HANDLER_TIMEOUT_MS = 600_000;
