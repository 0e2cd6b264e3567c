import { createHash } from 'node:crypto';

/** What an authorization code stands for, as stored (under the SHA-256 of the code). */
export interface IssuedCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: readonly string[];
  readonly audience: string;
  readonly codeChallenge: string;
  readonly nonce?: string;
  readonly userId: string;
  readonly sid: string;
  /** Epoch seconds of the login. */
  readonly authTime: number;
  readonly amr: readonly string[];
}

/**
 * The key an authorization code is stored under: its SHA-256 (the code itself is never stored).
 *
 * @example
 * ```ts
 * await storage.state.use('code', codeKey(form.get('code')!));
 * ```
 */
export function codeKey(code: string): string {
  return createHash('sha256').update(code).digest('base64url');
}
