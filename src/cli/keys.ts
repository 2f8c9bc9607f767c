import type { Command } from 'commander';
import { RETIRED_KEY_PUBLISHED_MS, resealAll } from '../core/index.js';
import { formatMasterKey, generateMasterKey } from '../security/index.js';
import { addDataDirOption, configWithDataDir } from './config-options.js';
import type { CliIo } from './io.js';
import { readMasterKeyFile, writeMasterKeyFile } from './master-key-file.js';
import { withContext } from './with-context.js';

/** `twofold keys …`: the master key that seals every secret, and the OpenID Connect signing keys. */
export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('manage the master key');

  keys
    .command('generate')
    .description('print a new random master key (base64), e.g. for TWOFOLD_MASTER_KEY')
    .action(() => {
      io.out(`${formatMasterKey(generateMasterKey())}\n`);
    });

  addDataDirOption(
    keys
      .command('rotate')
      .description(
        're-seal every secret under a new master key. With the key file, a new key is generated; ' +
          'with TWOFOLD_MASTER_KEY, put the new key first ("new,old") and run this',
      ),
  ).action(async (options: { dataDir?: string }) => {
    await withContext(configWithDataDir(io, options), io, async ({ core, store, keySource }) => {
      if (keySource.kind === 'env') {
        const result = await resealAll(store, core.keyring, core.clock);
        io.out(
          `Re-sealed ${result.resealed} secret(s) under key ${result.keyId} (the first key of TWOFOLD_MASTER_KEY).\n` +
            'The other keys in TWOFOLD_MASTER_KEY are no longer needed: set it to the first key alone.\n',
        );
        return;
      }
      // Old keys stay in the file until every secret is re-sealed and committed: a crash at
      // any point leaves a file that opens whatever the database holds.
      const newKey = generateMasterKey();
      const rotating = core.keyring.withNewCurrentKey(newKey);
      const existing = (await readMasterKeyFile(keySource.path))?.keys ?? [];
      await writeMasterKeyFile(keySource.path, [newKey, ...existing]);
      const result = await resealAll(store, rotating, core.clock);
      await writeMasterKeyFile(keySource.path, [newKey]);
      io.out(
        `Re-sealed ${result.resealed} secret(s) under the new key ${result.keyId}; ${keySource.path} now holds only it.\n` +
          'Back up the new key file: the old key no longer opens anything.\n',
      );
    });
  });

  addDataDirOption(
    keys
      .command('rotate-signing')
      .description(
        'new OpenID Connect signing keys (ES256 and RS256); the old ones stay published for a day, ' +
          'so tokens they signed still verify. Restart the servers to sign with the new keys',
      ),
  ).action(async (options: { dataDir?: string }) => {
    await withContext(configWithDataDir(io, options), io, async ({ core }) => {
      const { kids } = await core.signingKeys.rotate();
      io.out(
        `New signing keys ${kids.join(', ')}. The previous keys stay in the JWKS for ${RETIRED_KEY_PUBLISHED_MS / 3_600_000} hours.\n` +
          'Restart every Twofold server on this database to sign with the new keys.\n',
      );
    });
  });
}
