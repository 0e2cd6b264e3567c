export { TesseraError, isTesseraError } from './tessera-error.js';
export { defineErrors, type ErrorSpec, type ErrorTable } from './define-errors.js';
export { coreErrors } from './errors.js';
