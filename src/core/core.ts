import type { Keyring } from '../security/index.js';
import type { Store } from '../store/index.js';
import { Accounts } from './accounts.js';
import { Administration } from './administration.js';
import { ApiTokens } from './api-tokens.js';
import { AuditLog, type AuditOrigin } from './audit.js';
import { Authenticators } from './authenticators.js';
import { BackupCodes } from './backup-codes.js';
import type { Clock } from './clock.js';
import { CredentialCheck } from './credential-check.js';
import { ExternalSignIn } from './external-sign-in.js';
import { IdentityProviders } from './identity-providers.js';
import { discardMailer, type Mailer } from './mailer.js';
import { countAuditEvents, countedMailer, type Metrics, noMetrics } from './metrics.js';
import { Onboarding } from './onboarding.js';
import { Passwords } from './passwords.js';
import { ProtectedSites } from './protected-sites.js';
import { SecondFactor } from './second-factor.js';
import { SecurityNotices } from './security-notices.js';
import { ServiceAccess } from './service-access.js';
import { Services } from './services.js';
import { Sessions } from './sessions.js';
import { SignIn } from './sign-in.js';
import { SigningKeys } from './signing-keys.js';
import { StepUp } from './step-up.js';
import { Throttle } from './throttle.js';
import { TotpEnrollments } from './totp-enrollment.js';
import { Webauthn } from './webauthn.js';

/** The values from the configuration that the use cases need. */
export interface CoreSettings {
  readonly publicUrl: string;
  readonly issuer: string;
  readonly setupLinkHours: number;
  /** The domain the session cookie is shared with (TWOFOLD_COOKIE_DOMAIN); its host only when unset. */
  readonly cookieDomain?: string | undefined;
}

export interface CoreDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly settings: CoreSettings;
  /** Where e-mail goes; none is sent when absent. */
  readonly mailer?: Mailer;
  /** Told about e-mail that could not be sent (it never fails the action that caused it). */
  readonly onMailError?: (error: unknown) => void;
  /** Marks every audit event of this process (`cli`: the command line). */
  readonly auditOrigin?: AuditOrigin;
  /** Told about sign-ins, checks, throttling, audit events and mail (src/metrics/); none by default. */
  readonly metrics?: Metrics;
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
  /** Where sign-ins and checks are counted; front-ends report theirs through `countSignIn`. */
  readonly metrics: Metrics;
  readonly audit: AuditLog;
  readonly throttle: Throttle;
  readonly sessions: Sessions;
  readonly accounts: Accounts;
  readonly secondFactor: SecondFactor;
  readonly signIn: SignIn;
  readonly stepUp: StepUp;
  readonly totp: TotpEnrollments;
  readonly authenticators: Authenticators;
  readonly passwords: Passwords;
  readonly backupCodes: BackupCodes;
  readonly mailer: Mailer;
  readonly notices: SecurityNotices;
  readonly administration: Administration;
  readonly onboarding: Onboarding;
  readonly apiTokens: ApiTokens;
  readonly webauthn: Webauthn;
  readonly services: Services;
  readonly signingKeys: SigningKeys;
  readonly serviceAccess: ServiceAccess;
  /** Password and code checks for applications (the validate API) and RADIUS clients. */
  readonly credentialCheck: CredentialCheck;
  /** The sites behind reverse proxies (forward-auth), by the URL asked for. */
  readonly protectedSites: ProtectedSites;
  readonly identityProviders: IdentityProviders;
  readonly externalSignIn: ExternalSignIn;

  constructor(deps: CoreDependencies) {
    const { store, keyring, clock, settings } = deps;
    this.store = store;
    this.keyring = keyring;
    this.clock = clock;
    this.settings = settings;
    const audit = new AuditLog(store, clock, deps.auditOrigin);
    const metrics = deps.metrics ?? noMetrics;
    this.metrics = metrics;
    countAuditEvents(audit, metrics);
    const throttle = new Throttle(store, clock, metrics);
    const sessions = new Sessions(store, clock);
    const backupCodes = new BackupCodes({ store, keyring, clock, audit });
    const secondFactor = new SecondFactor({ store, keyring, clock, audit, throttle, backupCodes, metrics });
    this.backupCodes = backupCodes;
    this.audit = audit;
    this.throttle = throttle;
    this.sessions = sessions;
    this.secondFactor = secondFactor;
    this.accounts = new Accounts({
      store,
      clock,
      audit,
      publicUrl: settings.publicUrl,
      setupLinkHours: settings.setupLinkHours,
    });
    this.signIn = new SignIn({ store, clock, audit, throttle, sessions, secondFactor });
    this.stepUp = new StepUp({ clock, sessions, secondFactor });
    this.totp = new TotpEnrollments({ store, keyring, clock, audit, issuer: settings.issuer });
    this.authenticators = new Authenticators({ store, clock, audit });
    this.passwords = new Passwords({ store, clock, audit });
    const mailer = deps.mailer ? countedMailer(deps.mailer, metrics) : discardMailer;
    this.mailer = mailer;
    this.notices = new SecurityNotices({
      store,
      audit,
      mailer,
      issuer: settings.issuer,
      onError: deps.onMailError ?? (() => {}),
    });
    this.administration = new Administration({
      store,
      clock,
      audit,
      accounts: this.accounts,
      backupCodes,
      throttle,
      mailer,
      issuer: settings.issuer,
      setupLinkHours: settings.setupLinkHours,
    });
    this.onboarding = new Onboarding({ store, clock, audit, sessions, publicUrl: settings.publicUrl });
    this.apiTokens = new ApiTokens({ store, clock, audit });
    this.services = new Services({ store, keyring, clock, audit });
    this.signingKeys = new SigningKeys({ store, keyring, clock, audit });
    this.serviceAccess = new ServiceAccess({ store, clock, audit });
    this.protectedSites = new ProtectedSites({ store });
    this.credentialCheck = new CredentialCheck({
      store,
      clock,
      audit,
      signIn: this.signIn,
      secondFactor,
      serviceAccess: this.serviceAccess,
    });
    this.identityProviders = new IdentityProviders({
      store,
      keyring,
      clock,
      audit,
      publicUrl: settings.publicUrl,
    });
    this.externalSignIn = new ExternalSignIn({
      store,
      keyring,
      clock,
      audit,
      sessions,
      providers: this.identityProviders,
    });
    this.webauthn = new Webauthn({
      store,
      clock,
      audit,
      throttle,
      sessions,
      publicUrl: settings.publicUrl,
      rpName: settings.issuer,
      metrics,
    });
  }
}
