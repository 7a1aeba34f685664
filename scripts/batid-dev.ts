// Runs the CLI from the TypeScript sources (no build): npx tsx scripts/batid-dev.ts <command> …
import { main } from '../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`batid: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
