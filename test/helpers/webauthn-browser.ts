import type { CDPSession, Page } from 'playwright-core';

/** Options of Chromium's virtual authenticator (CDP WebAuthn.VirtualAuthenticatorOptions). */
export interface VirtualAuthenticatorOptions {
  readonly transport: 'usb' | 'internal' | 'nfc' | 'ble' | 'hybrid';
  readonly hasUserVerification: boolean;
  readonly isUserVerified?: boolean;
  /**
   * Whether it can keep discoverable credentials (passkeys); default true. Chromium refuses
   * to make one on a USB key that cannot verify the user (a real key would be asked for a PIN).
   */
  readonly hasResidentKey?: boolean;
}

interface Credential {
  readonly credentialId: string;
  readonly isResidentCredential: boolean;
  readonly rpId?: string;
  readonly privateKey: string;
  readonly userHandle?: string;
  readonly signCount: number;
}

/**
 * Chromium's own virtual authenticators (CDP domain WebAuthn), one attached at a time. A person
 * with two keys plugs in one of them: here, `use(name)` detaches the current device — keeping
 * its credentials, private keys and counters — and attaches the named one with its own, so
 * each ceremony is answered by exactly the device the test means.
 */
export class VirtualAuthenticators {
  private readonly devices = new Map<
    string,
    { options: VirtualAuthenticatorOptions; credentials: Credential[] }
  >();
  private attached: { name: string; id: string } | undefined;

  private constructor(private readonly cdp: CDPSession) {}

  static async enable(page: Page): Promise<VirtualAuthenticators> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    return new VirtualAuthenticators(cdp);
  }

  /** Declares a device; it has no credentials until something registers it. */
  define(name: string, options: VirtualAuthenticatorOptions): void {
    this.devices.set(name, { options, credentials: [] });
  }

  /** Attaches the named device (detaching the current one); undefined detaches all. */
  async use(name: string | undefined): Promise<void> {
    if (this.attached) {
      const { credentials } = (await this.cdp.send('WebAuthn.getCredentials', {
        authenticatorId: this.attached.id,
      })) as { credentials: Credential[] };
      const current = this.devices.get(this.attached.name);
      if (current) current.credentials = credentials;
      await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.attached.id });
      this.attached = undefined;
    }
    if (name === undefined) return;
    const device = this.devices.get(name);
    if (!device) throw new Error(`no virtual authenticator named ${name}`);
    const { authenticatorId } = (await this.cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: device.options.transport,
        hasResidentKey: device.options.hasResidentKey ?? true,
        hasUserVerification: device.options.hasUserVerification,
        isUserVerified: device.options.isUserVerified ?? device.options.hasUserVerification,
        automaticPresenceSimulation: true,
      },
    })) as { authenticatorId: string };
    for (const credential of device.credentials) {
      await this.cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    }
    this.attached = { name, id: authenticatorId };
  }

  /** The credentials the attached device holds now (ids as base64url, counters). */
  async credentialsOfAttached(): Promise<Credential[]> {
    if (!this.attached) return [];
    const { credentials } = (await this.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: this.attached.id,
    })) as { credentials: Credential[] };
    return credentials;
  }

  /** The credential ids a device held when it was last detached or now, base64url. */
  async credentialIds(name: string): Promise<string[]> {
    if (this.attached?.name === name)
      return (await this.credentialsOfAttached()).map((c) => toBase64Url(c.credentialId));
    return (this.devices.get(name)?.credentials ?? []).map((c) => toBase64Url(c.credentialId));
  }
}

/** CDP reports credential ids in standard base64; WebAuthn JSON uses base64url. */
export const toBase64Url = (base64: string): string =>
  base64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
