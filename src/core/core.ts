import type { Keyring } from '../security/index.js';
import type { Store } from '../store/index.js';
import { Accounts } from './accounts.js';
import { AuditLog } from './audit.js';
import type { Clock } from './clock.js';

/** The values from the configuration that the use cases need. */
export interface CoreSettings {
  readonly publicUrl: string;
  readonly issuer: string;
  readonly setupLinkHours: number;
}

export interface CoreDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly settings: CoreSettings;
}

/**
 * Every use case, wired to one store, keyring and clock. Built once per process (or per test)
 * and handed to the HTTP layer and the CLI: no module-level singletons.
 */
export class Core {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly settings: CoreSettings;
  readonly audit: AuditLog;
  readonly accounts: Accounts;

  constructor(deps: CoreDependencies) {
    this.store = deps.store;
    this.keyring = deps.keyring;
    this.clock = deps.clock;
    this.settings = deps.settings;
    this.audit = new AuditLog(deps.store, deps.clock);
    this.accounts = new Accounts({
      store: deps.store,
      clock: deps.clock,
      audit: this.audit,
      publicUrl: deps.settings.publicUrl,
      setupLinkHours: deps.settings.setupLinkHours,
    });
  }
}
