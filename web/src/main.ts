import { h } from './dom.js';

/** Routes: each page is a full load (the server answers index.html for each path). */
const PAGES: {
  re: RegExp;
  nav: string;
  title: string;
  load: (main: HTMLElement, m: RegExpExecArray) => Promise<void>;
}[] = [
  {
    re: /^\/(?:b\/([^/]+))?\/?$/,
    nav: 'carte',
    title: 'Carte',
    load: async (main, m) =>
      (await import('./map-page.js')).mapPage(main, m[1] ? decodeURIComponent(m[1]) : null),
  },
  {
    re: /^\/eligibilite\/?$/,
    nav: 'eligibilite',
    title: 'Éligibilité à un réseau de chaleur',
    load: async (main) => (await import('./eligibility-page.js')).eligibilityPage(main),
  },
  {
    re: /^\/masse\/?$/,
    nav: 'masse',
    title: 'Test d’éligibilité en masse',
    load: async (main) => (await import('./bulk-page.js')).bulkPage(main),
  },
  {
    re: /^\/tableaux-de-bord\/?$/,
    nav: 'tableaux',
    title: 'Tableaux de bord',
    load: async (main) => (await import('./dashboard-page.js')).dashboardPage(main),
  },
  {
    re: /^\/projets\/?$/,
    nav: 'projets',
    title: 'Projets de rénovation',
    load: async (main) => (await import('./projects-page.js')).projectsPage(main),
  },
  {
    re: /^\/stats\/?$/,
    nav: 'stats',
    title: 'Statistiques',
    load: async (main) => (await import('./stats-page.js')).statsPage(main),
  },
  {
    re: /^\/demandes\/?$/,
    nav: 'demandes',
    title: 'Demandes de raccordement',
    load: async (main) => (await import('./demands-page.js')).demandsPage(main),
  },
  {
    re: /^\/suivi-demande\/([^/]+)\/?$/,
    nav: 'suivi',
    title: 'Suivi de ma demande',
    load: async (main, m) => (await import('./follow-page.js')).followPage(main, decodeURIComponent(m[1]!)),
  },
  {
    re: /^\/api\/?$/,
    nav: 'api',
    title: 'API',
    load: async (main) => (await import('./api-page.js')).apiPage(main),
  },
];

async function start(): Promise<void> {
  const main = document.getElementById('contenu');
  if (!main) return;
  for (const p of PAGES) {
    const m = p.re.exec(location.pathname);
    if (!m) continue;
    document.title = `${p.title} — BatID`;
    document.querySelector(`[data-nav="${p.nav}"]`)?.setAttribute('aria-current', 'page');
    try {
      await p.load(main, m);
    } catch (err) {
      main.replaceChildren(
        h(
          'p',
          { class: 'error', role: 'alert' },
          `Cette page n’a pas pu s’afficher : ${(err as Error).message}`,
        ),
      );
    }
    document.body.dataset.page = p.nav;
    return;
  }
  main.replaceChildren(
    h('h1', {}, 'Page introuvable'),
    h('p', {}, h('a', { href: '/' }, 'Revenir à la carte')),
  );
}

void start();
