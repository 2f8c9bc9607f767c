// The otp layer: RFC 4648 base32, RFC 4226 HOTP, RFC 6238 TOTP and the otpauth:// Key URI.
// Pure functions over node:crypto; time is always an argument.
export {
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  DEFAULT_PERIOD_SECONDS,
  OTP_ALGORITHMS,
  type OtpAlgorithm,
  parseAlgorithm,
} from './algorithms.js';
export { decodeBase32, encodeBase32 } from './base32.js';
export { type GenerateHotpOptions, generateHotp } from './hotp.js';
export {
  type BuildKeyUriOptions,
  buildKeyUri,
  type HotpKeyUri,
  type KeyUri,
  parseKeyUri,
  type TotpKeyUri,
} from './key-uri.js';
export { generateSecret, type OtpSecret, SECRET_BYTES } from './secret.js';
export { type GenerateTotpOptions, generateTotp, type TotpTimeStepOptions, totpTimeStep } from './totp.js';
export {
  DEFAULT_WINDOW_STEPS,
  MAX_WINDOW_STEPS,
  type VerifyTotpOptions,
  type VerifyTotpResult,
  verifyTotp,
} from './verify-totp.js';
