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

/** A multipart upload with the saved key (the bulk test is a pro route). */
export async function postForm<T>(path: string, form: FormData): Promise<T> {
  return parse<T>(await authFetch(path, { method: 'POST', body: form }));
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

// ——— Espace conseiller: the advisor's API key, kept in this browser, sent to this origin only ———

const KEY_STORAGE = 'batid.cle-conseiller';

export function getApiKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE) || null;
  } catch {
    return null;
  }
}

/** Saves (or, with an empty value, forgets) the key and tells the open views. */
export function setApiKey(token: string | null): void {
  const t = token?.trim() ?? '';
  try {
    if (t) localStorage.setItem(KEY_STORAGE, t);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage refused (private mode): the key lives until the page closes */
  }
  window.dispatchEvent(new CustomEvent('batid:cle'));
}

/** The URL of a path of this app; anything that would leave the origin is refused. */
function sameOrigin(path: string): string {
  const url = new URL(path, location.origin);
  if (!path.startsWith('/') || path.startsWith('//') || url.origin !== location.origin)
    throw new Error(`refusé : ${path} n’est pas une adresse de cette application`);
  return url.href;
}

/** fetch() with the advisor's key as Bearer, on this origin only. */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const url = sameOrigin(path);
  const headers = new Headers(init.headers);
  const key = getApiKey();
  if (key) headers.set('authorization', `Bearer ${key}`);
  return fetch(url, { ...init, headers, credentials: 'same-origin' });
}

export async function authJson<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await authFetch(path, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  return parse<T>(res);
}

/** Fetches a file with the key and hands it to the browser as a download. */
export async function downloadWithKey(path: string, filename: string): Promise<void> {
  const res = await authFetch(path);
  if (!res.ok) await parse(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A French sentence for the access errors of the advisor routes; the API's message otherwise. */
export function accessMessage(err: unknown, role: 'conseiller' | 'pro' = 'conseiller'): string {
  if (err instanceof ApiError) {
    if (err.status === 401)
      return role === 'pro'
        ? 'Clé absente ou révoquée : collez une clé pro valide ci-dessus.'
        : 'Clé absente ou révoquée : collez une clé conseiller valide dans l’Espace conseiller.';
    if (err.status === 403)
      return /territor/i.test(err.message)
        ? 'Ce bâtiment est hors du territoire de votre clé.'
        : role === 'pro'
          ? 'Votre clé n’a pas le rôle pro : le test en masse est réservé aux clés pro et administrateur.'
          : 'Votre clé n’a pas le rôle conseiller : ces fonctions sont réservées aux conseillers et administrateurs.';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** GET /v1/energy/reference, once per page. */
export interface EnergyReference {
  uses: { code: string; label: string }[];
  energies: { code: string; units: string[] }[];
  electricity_factor: { until_2025: number; from_2026: number };
  stages: { code: string; label: string }[];
  sare_acts: { code: string; label: string }[];
}
let reference: Promise<EnergyReference> | null = null;
export function energyReference(): Promise<EnergyReference> {
  reference ??= getJson<EnergyReference>('/v1/energy/reference').catch((err: unknown) => {
    reference = null;
    throw err;
  });
  return reference;
}

/** A JSON request without any key (public routes: a contact request, its follow link). */
export async function publicJson<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const res = await fetch(sameOrigin(path), {
    method,
    headers:
      body === undefined
        ? { accept: 'application/json' }
        : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (res.status === 204) return undefined as T;
  return parse<T>(res);
}
