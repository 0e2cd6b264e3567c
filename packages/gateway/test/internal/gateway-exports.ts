// The gateway's public entry point plus a small predicate for its configuration error.
import { isTesseraError } from '@tessera/core';
export { createGateway, loadGatewayConfig } from '@tessera/gateway';
export const isGatewayConfigError = (err: unknown): boolean => isTesseraError(err, 'ERR_GATEWAY_CONFIG_INVALID');
