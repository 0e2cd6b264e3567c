export {
  createAuthenticator,
  type Authenticator,
  type AuthenticatorOptions,
  type AuthRequest,
  type AuthResult,
  type ClaimRequirements,
  type ClaimValue,
  type RouteRequirement,
  type TesseraAuthenticator,
} from './create-authenticator.js';
export { withTessera, authenticateNodeRequest, type AuthenticatedRequest } from './with-tessera.js';
