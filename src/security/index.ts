export { timingSafeEqualStrings } from './constant-time.js';
export { defaultHashingSlots } from './hashing-slots.js';
export { Keyring } from './keyring.js';
export { formatMasterKey, generateMasterKey, MASTER_KEY_BYTES, parseMasterKeys } from './master-keys.js';
export {
  hashPassword,
  limitConcurrentHashes,
  PASSWORD_HASH_PARAMETERS,
  passwordNeedsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords.js';
export { SealError, type SealErrorReason } from './seal-error.js';
export { hashToken, randomId, randomToken } from './tokens.js';
