/** Why a sealed secret could not be opened. */
export type SealErrorReason =
  /** Sealed under a master key that is not in the keyring. */
  | 'unknown_key'
  /** Authentication failed: the ciphertext, its header or its context is not what was sealed. */
  | 'tampered'
  /** Not a sealed secret at all: wrong shape, version or encoding. */
  | 'malformed';

/**
 * A sealed secret that does not open. Security is a leaf layer and cannot know `TwofoldError`;
 * the layer above decides what a person sees.
 */
export class SealError extends Error {
  override readonly name = 'SealError';

  constructor(
    readonly reason: SealErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
