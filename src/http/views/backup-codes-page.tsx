import { assetUrl, staticAssets } from '../static/assets.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export interface FreshBackupCodesPageProps {
  readonly viewer: Viewer;
  readonly codes: readonly string[];
  /** True right after the first device: saving them completes the setup (seed 004). */
  readonly firstSetup: boolean;
  readonly notice?: string | null | undefined;
}

/** The ten new codes, shown once, with "Download", "Print" and "I have my backup codes" (seed 004). */
export function FreshBackupCodesPage({ viewer, codes, firstSetup, notice }: FreshBackupCodesPageProps) {
  return (
    <Layout title="Save your backup codes" viewer={viewer} notice={notice}>
      <h1>Save your backup codes</h1>
      <p>
        {firstSetup ? 'To finish setting up two-factor authentication, save these backup codes. ' : ''}
        If you lose your device, each code lets you log in once in place of a one-time code. They are shown
        only now: download or print them and keep them somewhere safe.
      </p>
      <ul class="codes" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <div class="actions">
        {/* biome-ignore lint/a11y/useSemanticElements: a link (download, new page) that Pico draws as a button */}
        <a role="button" href="/account/backup-codes.pdf" download>
          Download
        </a>
        {/* biome-ignore lint/a11y/useSemanticElements: a link (download, new page) that Pico draws as a button */}
        <a role="button" href="/account/backup-codes/print" target="_blank" rel="noopener">
          Print
        </a>
      </div>
      <form method="post" action="/account/backup-codes/confirm">
        <CsrfField token={viewer.csrfToken} />
        <button type="submit">I have my backup codes</button>
      </form>
    </Layout>
  );
}

export interface BackupCodesStatusPageProps {
  readonly viewer: Viewer;
  readonly remaining: number;
  readonly total: number;
  readonly notice?: string | null | undefined;
}

/** Backup codes when none were just made: how many remain, and a new set. */
export function BackupCodesStatusPage({ viewer, remaining, total, notice }: BackupCodesStatusPageProps) {
  return (
    <Layout title="Backup codes" viewer={viewer} notice={notice}>
      <h1>Backup codes</h1>
      <p>
        {total === 0 ? 'You have no backup codes.' : `${remaining} of ${total} backup codes remain.`} Codes
        are shown only when they are made; a new set replaces the old one.
      </p>
      <GenerateBackupCodesForm csrfToken={viewer.csrfToken} />
    </Layout>
  );
}

export function GenerateBackupCodesForm({ csrfToken }: { csrfToken: string }) {
  return (
    <form method="post" action="/account/backup-codes">
      <CsrfField token={csrfToken} />
      <button type="submit">Generate new backup codes</button>
    </form>
  );
}

export interface PrintBackupCodesPageProps {
  readonly issuer: string;
  readonly username: string;
  readonly date: string;
  readonly codes: readonly string[];
}

/** A page made for paper: the codes fill one page; the print dialog opens by itself. */
export function PrintBackupCodesPage({ issuer, username, date, codes }: PrintBackupCodesPageProps) {
  return (
    <Layout title="Print backup codes" scripts={[assetUrl(staticAssets.print)]}>
      <h1>{`${issuer} backup codes`}</h1>
      <p>
        Account: {username} · Created: {date}
      </p>
      <ul class="codes" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </ul>
      <p>Each code works once, in place of a one-time code from your device. Tick it off when used.</p>
      <p class="no-print">
        <button type="button" data-print hidden>
          Print
        </button>
      </p>
    </Layout>
  );
}
