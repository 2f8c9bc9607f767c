import { createRequire } from 'node:module';
import type QRCode from 'qrcode';
import type { QRCodeToStringOptions } from 'qrcode';

/** The otpauth URI as an SVG QR code; scannable by phones and by zbarimg off a screenshot. */
const PAGE_QR: QRCodeToStringOptions = { type: 'svg', margin: 2, width: 264, errorCorrectionLevel: 'M' };

let qrcode: typeof QRCode | undefined;

/** qrcode (with pngjs) loads with the first setup page, not at start. */
export function qrCodeSvg(uri: string, options: QRCodeToStringOptions = PAGE_QR): Promise<string> {
  qrcode ??= createRequire(import.meta.url)('qrcode') as typeof QRCode;
  return qrcode.toString(uri, options);
}
