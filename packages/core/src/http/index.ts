export { extractBearerToken, type ExtractBearerTokenOptions, type HttpHeaders } from './extract-bearer-token.js';
export { formatWwwAuthenticate, type BearerChallenge, type BearerErrorCode } from './format-www-authenticate.js';
export { toErrorResponse, type HttpErrorResponse, type ToErrorResponseOptions } from './to-error-response.js';
export { normalizePath, type NormalizePathOptions, type NormalizedPath } from './normalize-path.js';
export {
  policyRequestFromHttp,
  peerPrincipalOf,
  type PolicyRequestFromHttpOptions,
} from './policy-request-from-http.js';
export { canonicalAuthority, type CanonicalAuthority } from './canonical-authority.js';
export { toAsciiText } from './to-ascii-text.js';
export { simulatedRequest, type SimulatedRequestInput } from './simulated-request.js';
