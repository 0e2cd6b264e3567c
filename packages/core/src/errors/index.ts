export {
  TesseraError,
  isTesseraError,
  type CanonicalErrorCode,
  type CanonicalErrorCodeOf,
  type TesseraErrorCode,
  type TesseraErrorCodeRegistry,
} from './tessera-error.js';
export {
  defineErrors,
  type ErrorCodeOf,
  type ErrorExtra,
  type ErrorSpec,
  type ErrorSpecsOf,
  type ErrorTable,
} from './define-errors.js';
export { coreErrors, type CoreErrorCode } from './errors.js';
