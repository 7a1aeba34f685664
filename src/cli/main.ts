import { parseArgs, type ParseArgsConfig } from 'node:util';

export const USAGE = `batid — one stable identifier per French building

Usage: batid <command> [options]

Commands:
  synth    --dept 03 --scale 0.05 --seed 1 --out DIR   write a synthetic BDNB département export
  synth    --evolve-from DIR --seed 2 --out DIR2        write its next millésime (+ ground_truth.csv)
  import   DIR|FILE… [--millesime 2024-10] [--rejects FILE] [--dept 03] [--table NAME=FILE]
           [--report FILE.json]   import a BDNB département CSV export
  import-ban FILE.csv… [--rejects FILE]                import BAN addresses (for the address search)
  import-networks FILE.geojson…                        import heat networks (France Chaleur Urbaine layout)
  directory import FILE.csv [--replace] [--rejects FILE]  import the directory of professionals (admin)
  serve    [--port 8080] [--host 127.0.0.1] [--log info|warn|error|silent] [--workers N]
           [--read-url postgres://replica…]
           serve the HTTP API (--workers: N processes, PostgreSQL only; --read-url: reads on replicas)
  eligibility IN.csv --out OUT.xlsx|OUT.csv [--address-column C] [--lon-column C --lat-column C]
           bulk heat-network eligibility test (resumable)
  indicators --level departement [--code 03] [--format json|csv]
           heat-network proximity counts per territory
  export   --format geojson|csv|gpkg --dept 03 [--out FILE]
           every standing building of a département (geojson/csv in WGS84, gpkg in EPSG:2154)
  cards    [--dept 03]                                 build the card bodies a département lacks (imported before them)
  resolve  SCHEME ID                                    the BatID(s) of an identifier and all their linked ids
           (schemes: batid rnb bdnb_bg bdnb_bc bdtopo parcelle ban dpe rnc siren dvf)
  keys     create --role public|pro|advisor|admin|operator [--territory 03] [--network 7501C] [--email E] [--label T] | list | revoke ID
           API keys (the token is printed once; only its hash is stored)
  demands  remind | purge [--now ISO8601]               send due reminders (BATID_SMTP_URL) / erase expired demands
  dju      import FILE… [--reference-period 1991-2020] | set --dept 03 (--year 2023 | --reference)
           --dju 2450 --source "…" | list [--dept 03] [--format csv|json]
           degree days per département (Météo-France daily files, or entered by hand)
  demo     [--scale 0.012] [--port 8080]               synth + import + serve (what npm start runs)

Database (every command): embedded PGlite in ./.batid/db by default (--db DIR or BATID_DB=DIR);
a PostgreSQL+PostGIS server with --database-url or DATABASE_URL=postgres://…
`;

export const DB_OPTIONS = {
  db: { type: 'string' },
  'database-url': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n\n${USAGE}`, { cause: err });
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    // each command loads only what it needs
    case 'import':
      return (await import('./import-command.js')).runImport(rest);
    case 'import-ban':
      return (await import('./import-ban-command.js')).runImportBan(rest);
    case 'directory':
      return (await import('./directory-command.js')).runDirectory(rest);
    case 'import-networks':
      return (await import('./import-networks-command.js')).runImportNetworks(rest);
    case 'eligibility':
      return (await import('./eligibility-command.js')).runEligibility(rest);
    case 'indicators':
      return (await import('./indicators-command.js')).runIndicators(rest);
    case 'export':
      return (await import('./export-command.js')).runExport(rest);
    case 'synth':
      return (await import('./synth-command.js')).runSynth(rest);
    case 'serve':
      return (await import('./serve-command.js')).runServe(rest);
    case 'resolve':
      return (await import('./resolve-command.js')).runResolve(rest);
    case 'cards':
      return (await import('./cards-command.js')).runCards(rest);
    case 'demo':
      return (await import('./demo-command.js')).runDemo(rest);
    case 'dju':
      return (await import('./dju-command.js')).runDju(rest);
    case 'keys':
      return (await import('./keys-command.js')).runKeys(rest);
    case 'demands':
      return (await import('./demands-command.js')).runDemands(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`batid: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}
