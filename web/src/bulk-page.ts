import {
  accessMessage,
  authFetch,
  authJson,
  downloadWithKey,
  getJson,
  postForm,
  qs,
  type BuildingCard,
  type Job,
} from './api.js';
import { advisorKey, PRO_TEXT } from './advisor-key.js';
import { announce, h } from './dom.js';
import { guessColumns, parseCsv } from './csv.js';
import { bboxOf } from './geometry.js';
import { num } from './format.js';

const ELIGIBLE_COL = 'Raccordable à un réseau existant';

function columnSelect(
  id: string,
  header: string[],
  selected: number | null,
  none: string,
): HTMLSelectElement {
  const sel = h(
    'select',
    { id },
    h('option', { value: '' }, none),
    header.map((name, i) => h('option', { value: String(i + 1) }, `${i + 1}. ${name || '(sans nom)'}`)),
  );
  sel.value = selected === null ? '' : String(selected + 1);
  return sel;
}

/** Results on a small map: the buildings of the first rows, green when connectable. */
async function resultsMap(container: HTMLElement, csvUrl: string): Promise<void> {
  const text = await (await authFetch(csvUrl)).text();
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = rows[0] ?? [];
  const iBatid = header.indexOf('BatID');
  const iElig = header.indexOf(ELIGIBLE_COL);
  const iAddr = header.indexOf('Adresse testée');
  const wanted = rows.slice(1, 201).filter((r) => iBatid >= 0 && r[iBatid]);
  const features = (
    await Promise.all(
      wanted.map(async (r) => {
        try {
          const card = await getJson<BuildingCard>(`/v1/buildings/${encodeURIComponent(r[iBatid] ?? '')}`);
          const b = card.geometry ? bboxOf(card.geometry) : null;
          if (!b) return null;
          return {
            type: 'Feature' as const,
            properties: { batid: card.batid, eligible: /^oui/i.test(r[iElig] ?? ''), label: r[iAddr] ?? '' },
            geometry: { type: 'Point' as const, coordinates: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] },
          };
        } catch {
          return null;
        }
      }),
    )
  ).filter((f) => f !== null);
  container.replaceChildren(
    h('h2', {}, 'Résultats sur la carte'),
    h(
      'p',
      { class: 'hint' },
      `${num(features.length)} bâtiment${features.length > 1 ? 's' : ''} placé${features.length > 1 ? 's' : ''} : en vert, raccordables à un réseau existant ; en gris, non. Cliquez un point pour ouvrir la fiche.`,
    ),
  );
  if (!features.length) return;
  const mapEl = h('div', {
    class: 'map small',
    role: 'region',
    'aria-label': 'Carte des résultats du test en masse',
  });
  container.appendChild(mapEl);
  const maplibregl = await import('maplibre-gl');
  const { ownStyle } = await import('./map-style.js');
  maplibregl.setWorkerUrl(new URL('/assets/maplibre-gl-worker.mjs', location.origin).href);
  const map = new maplibregl.Map({
    container: mapEl,
    style: ownStyle(location.origin),
    center: [3.2, 46.4],
    zoom: 8,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.once('load', () => {
    (map.getSource('results') as import('maplibre-gl').GeoJSONSource).setData({
      type: 'FeatureCollection',
      features,
    });
    const xs = features.map((f) => f.geometry.coordinates[0] ?? 0);
    const ys = features.map((f) => f.geometry.coordinates[1] ?? 0);
    map.fitBounds(
      [
        [Math.min(...xs), Math.min(...ys)],
        [Math.max(...xs), Math.max(...ys)],
      ],
      { padding: 40, maxZoom: 16, duration: 0 },
    );
    document.body.dataset.resultsMap = 'ready';
  });
  map.on('click', 'results-point', (e) => {
    const batid = e.features?.[0]?.properties?.batid;
    if (typeof batid === 'string') location.href = `/b/${batid}`;
  });
}

/** Bulk eligibility: upload a CSV, check the columns, follow the job, download the results. */
export async function bulkPage(main: HTMLElement): Promise<void> {
  const file = h('input', {
    id: 'fichier',
    type: 'file',
    accept: '.csv,.tsv,.txt,text/csv',
    'aria-describedby': 'fichier-aide',
    required: true,
  });
  const columns = h('div', { class: 'columns' });
  const progress = h('div', { class: 'progress-block', 'aria-live': 'polite' });
  const results = h('div', { class: 'results-map' });
  const submit = h('button', { type: 'submit', class: 'button', disabled: true }, 'Lancer le test');
  let header: string[] = [];

  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    columns.replaceChildren();
    submit.disabled = !f;
    if (!f) return;
    const head = await f.slice(0, 64 * 1024).text();
    const rows = parseCsv(head.replace(/^\uFEFF/, '')).slice(0, 6);
    header = rows[0] ?? [];
    const g = guessColumns(header);
    columns.replaceChildren(
      h('h2', {}, 'Colonnes à utiliser'),
      h(
        'p',
        { class: 'hint' },
        'Détectées automatiquement ; corrigez-les si besoin. Indiquez une colonne d’adresse, ou bien une longitude et une latitude (WGS84).',
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'col-adresse' }, 'Colonne d’adresse'),
        columnSelect(
          'col-adresse',
          header,
          g.lon !== null && g.lat !== null && g.address === null ? null : g.address,
          'détection automatique',
        ),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'col-lon' }, 'Colonne de longitude'),
        columnSelect('col-lon', header, g.lon, 'aucune'),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'col-lat' }, 'Colonne de latitude'),
        columnSelect('col-lat', header, g.lat, 'aucune'),
      ),
      h(
        'table',
        { class: 'data-table preview' },
        h('caption', {}, `Aperçu des premières lignes de ${f.name}`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            header.map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.slice(1).map((r) =>
            h(
              'tr',
              {},
              r.map((c) => h('td', {}, c)),
            ),
          ),
        ),
      ),
    );
  });

  const poll = async (id: string): Promise<Job> => {
    const bar = h('progress', { max: 1, value: 0, id: 'avancement' });
    const text = h('p', {}, 'Traitement en attente…');
    progress.replaceChildren(h('label', { for: 'avancement' }, 'Avancement du test'), bar, text);
    for (;;) {
      const j = await authJson<Job>(`/v1/jobs/${encodeURIComponent(id)}`);
      if (j.rows_total) {
        bar.max = j.rows_total;
        bar.value = j.rows_done;
      }
      text.textContent =
        j.status === 'pending'
          ? 'Traitement en attente…'
          : `${num(j.rows_done)} ligne(s) testée(s) sur ${j.rows_total === null ? '?' : num(j.rows_total)}`;
      if (j.status === 'done' || j.status === 'failed') return j;
      await new Promise((r) => window.setTimeout(r, 500));
    }
  };

  const form = h(
    'form',
    { class: 'bulk-form' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'fichier' }, 'Fichier CSV'),
      file,
      h(
        'p',
        { id: 'fichier-aide', class: 'hint' },
        'CSV ou TSV (séparateur ; , tabulation ou |), 50 Mo au plus, une ligne par adresse.',
      ),
    ),
    columns,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files?.[0];
    if (!f) return;
    const val = (id: string) => (form.querySelector<HTMLSelectElement>(`#${id}`)?.value ?? '') || undefined;
    const lon = val('col-lon');
    const lat = val('col-lat');
    const address = lon && lat ? undefined : val('col-adresse');
    const body = new FormData();
    body.append('file', f, f.name);
    submit.disabled = true;
    results.replaceChildren();
    try {
      const r = await postForm<{ job_id: string }>(
        `/v1/eligibility/bulk?${qs({ address_column: address, lon_column: lon && lat ? lon : undefined, lat_column: lon && lat ? lat : undefined, name: f.name })}`,
        body,
      );
      const j = await poll(r.job_id);
      if (j.status === 'failed' || !j.results) {
        progress.appendChild(
          h('p', { class: 'error', role: 'alert' }, `Le test a échoué : ${j.error ?? 'erreur inconnue'}`),
        );
        return;
      }
      const csvPath = j.results.csv;
      const xlsxPath = j.results.xlsx;
      const failed = (err: unknown) =>
        progress.appendChild(h('p', { class: 'error', role: 'alert' }, accessMessage(err, 'pro')));
      progress.appendChild(
        h(
          'p',
          { class: 'downloads' },
          h('strong', {}, 'Test terminé. '),
          h(
            'button',
            {
              type: 'button',
              class: 'button',
              'data-testid': 'download-csv',
              onclick: () => void downloadWithKey(csvPath, 'eligibilite.csv').catch(failed),
            },
            'Télécharger le CSV',
          ),
          ' ',
          h(
            'button',
            {
              type: 'button',
              class: 'button secondary',
              'data-testid': 'download-xlsx',
              onclick: () => void downloadWithKey(xlsxPath, 'eligibilite.xlsx').catch(failed),
            },
            'Télécharger le fichier Excel',
          ),
        ),
      );
      announce('Test en masse terminé, résultats disponibles.');
      await resultsMap(results, j.results.csv);
    } catch (err) {
      progress.replaceChildren(h('p', { class: 'error', role: 'alert' }, accessMessage(err, 'pro')));
    } finally {
      submit.disabled = false;
    }
  });

  main.replaceChildren(
    h(
      'div',
      { class: 'page wide' },
      h('h1', {}, 'Test d’éligibilité en masse'),
      h(
        'p',
        {},
        'Déposez un fichier d’adresses : chaque ligne est testée comme sur la page Éligibilité, et le résultat se télécharge en CSV ou en Excel.',
      ),
      advisorKey('h2', PRO_TEXT),
      form,
      progress,
      results,
    ),
  );
}
