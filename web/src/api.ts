/** Calls to the BatID HTTP API (same origin). Errors carry the API's French-or-English message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function parse<T>(res: Response): Promise<T> {
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(path, { headers: { accept: 'application/json' }, signal: signal ?? null }));
}

export async function postForm<T>(path: string, form: FormData): Promise<T> {
  return parse<T>(await fetch(path, { method: 'POST', body: form }));
}

export const qs = (params: Record<string, string | number | undefined>): string =>
  new URLSearchParams(
    Object.entries(params)
      .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
      .map(([k, v]) => [k, String(v)]),
  ).toString();

export interface AddressHit {
  cle_interop_adr: string;
  label: string;
  score: number;
  lon: number;
  lat: number;
  batids: string[];
  city?: string;
  citycode?: string;
}

export interface Section {
  title?: string;
  source?: string | string[];
  millesime?: string | null;
  licence?: string;
  data: unknown;
}

export interface BuildingCard {
  batid: string;
  status: string;
  code_departement_insee?: string;
  ids?: Record<string, { id: string; source?: string; millesime?: string | null; active?: boolean }[]>;
  addresses?: { label: string; lon: number; lat: number; cle_interop_adr: string }[];
  geometry?: GeoJSON | null;
  footprint?: Record<string, unknown> | null;
  sections?: Record<string, Section>;
  successors?: string[];
}

export interface GeoJSON {
  type: string;
  coordinates: unknown;
}

export interface DpeHistory {
  batid: string;
  certificats: Record<string, unknown>[];
  renovations: Record<string, unknown>[];
  millesime: string | null;
}

export interface Eligibility {
  type: string;
  eligible: boolean;
  distance_m: number | null;
  network: {
    id_fcu?: string | number | null;
    name?: string | null;
    operator?: string | null;
    enrr_rate?: number | null;
    co2_acv?: number | null;
  } | null;
  in_pdp: boolean;
  future_network: boolean;
  message?: string;
  heating?: { installation?: string | null; energy?: string | null } | null;
  place?: {
    lon: number;
    lat: number;
    batid?: string | null;
    address?: string | null;
    commune?: string | null;
  };
}

export interface Job {
  id: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  rows_done: number;
  rows_total: number | null;
  error?: string | null;
  reading?: Record<string, unknown> | null;
  results?: { csv: string; xlsx: string } | null;
}
