import { createRequire } from 'node:module';
import type PDFKit from 'pdfkit';

let PDFDocument: typeof PDFKit | undefined;

export interface BackupCodesSheet {
  /** The service name (TWOFOLD_ISSUER). */
  readonly issuer: string;
  readonly account: string;
  /** When the codes were made. */
  readonly createdAt: Date;
  /** The codes as shown, e.g. `7K3M-9QXP-WZ2D`. */
  readonly codes: readonly string[];
}

/**
 * One page with the codes in a large monospace grid, each with a box to tick when used. Built
 * from the standard PDF fonts (no font files), so every code is real text for `pdftotext` and
 * for a screen reader.
 */
export function renderBackupCodesPdf(sheet: BackupCodesSheet): Promise<Buffer> {
  // pdfkit (with fontkit and its tables, ~100 ms) loads with the first download, not at start.
  PDFDocument ??= createRequire(import.meta.url)('pdfkit') as typeof PDFKit;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: {
      Title: `${sheet.issuer} backup codes`,
      Author: sheet.issuer,
      Subject: `Backup codes for ${sheet.account}`,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(22).text(`${sheet.issuer} backup codes`);
  doc.moveDown(0.4);
  doc.font('Helvetica').fontSize(12).fillColor('#333333');
  doc.text(`Account: ${sheet.account}`);
  doc.text(`Created: ${sheet.createdAt.toISOString().slice(0, 10)}`);
  doc.moveDown(1);

  const columnWidth = (doc.page.width - 2 * 56) / 2;
  const top = doc.y;
  const rowHeight = 44;
  doc.fillColor('#000000');
  sheet.codes.forEach((code, index) => {
    const x = 56 + (index % 2) * columnWidth;
    const y = top + Math.floor(index / 2) * rowHeight;
    doc
      .lineWidth(1.2)
      .rect(x, y + 3, 16, 16)
      .stroke();
    doc
      .font('Courier-Bold')
      .fontSize(20)
      .text(code, x + 28, y, { lineBreak: false });
  });
  doc.y = top + Math.ceil(sheet.codes.length / 2) * rowHeight + 12;
  doc.x = 56;

  doc.font('Helvetica').fontSize(12).fillColor('#333333');
  doc.text(
    'Each code works once, in place of a one-time code from your device. Tick it off when used, ' +
      'keep this page somewhere safe, and generate new codes when few are left.',
    { width: doc.page.width - 2 * 56 },
  );
  doc.end();
  return done;
}
