import { createKey, KeyInputError, listKeys, revokeKey, ROLES } from '../auth/keys.js';
import { openStore, storeOptionsFromEnv } from '../store/open-store.js';
import { DB_OPTIONS, parse } from './main.js';

const KEYS_USAGE = `usage: batid keys create --role ${ROLES.join('|')} [--territory 03,2A|EPCI-SIREN]
                         [--network SNCU_ID[,…]] [--email CONTACT] [--label TEXT]
       (operator keys need --network: the SNCU ids of their heat networks; --email receives the
        reminders of demands left without a status change)
       batid keys list [--format json|text]
       batid keys revoke ID
`;

/** `batid keys create|list|revoke`: API keys; the token is printed once, only its hash is kept. */
export async function runKeys(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...DB_OPTIONS,
    role: { type: 'string' },
    territory: { type: 'string', multiple: true },
    network: { type: 'string', multiple: true },
    email: { type: 'string' },
    label: { type: 'string' },
    format: { type: 'string' },
  });
  const [sub, id] = positionals;
  if (values.help || !sub || !['create', 'list', 'revoke'].includes(sub) || (sub === 'revoke' && !id)) {
    process.stdout.write(KEYS_USAGE);
    return values.help ? 0 : 2;
  }
  if (sub === 'create' && !values.role) {
    process.stderr.write(`batid keys create: --role is required (${ROLES.join(', ')})\n`);
    return 2;
  }
  const store = await openStore(
    storeOptionsFromEnv({ databaseUrl: values['database-url'], dbDir: values.db }),
  );
  try {
    if (sub === 'create') {
      const { key, token } = await createKey(store, {
        role: values.role!,
        territories: values.territory ?? [],
        networks: values.network ?? [],
        email: values.email,
        label: values.label,
      });
      process.stderr.write(
        `key ${key.id} created: role ${key.role}${key.territories.length ? `, territory ${key.territories.join(', ')}` : ''}` +
          `${key.networks.length ? `, networks ${key.networks.join(', ')}` : ''}${key.contact_email ? `, contact ${key.contact_email}` : ''}. ` +
          'Keep the token below: it is shown only once (use it as "Authorization: Bearer <token>").\n',
      );
      process.stdout.write(`${token}\n`);
      return 0;
    }
    if (sub === 'list') {
      const keys = await listKeys(store);
      if (values.format === 'json') process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
      else
        for (const k of keys)
          process.stdout.write(
            `${k.id}\t${k.role}\t${[...k.territories, ...k.networks].join(',') || '-'}\t${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}\t${k.label}\n`,
          );
      return 0;
    }
    if (await revokeKey(store, id!)) {
      process.stderr.write(`key ${id} revoked\n`);
      return 0;
    }
    process.stderr.write(`batid keys revoke: no active key ${id}\n`);
    return 1;
  } catch (err) {
    if (err instanceof KeyInputError) {
      process.stderr.write(`batid keys ${sub}: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await store.close();
  }
}
