export {
  loadLayeredConfig,
  type EnvBinding,
  type ConfigIssue,
  type ConfigValidation,
  type LoadLayeredConfigOptions,
} from './load-layered-config.js';
