export {
  loadLayeredConfig,
  type EnvBinding,
  type ConfigIssue,
  type ConfigValidation,
  type ConfigCheck,
  type LayeredConfigSources,
  type SafeParseSchema,
  type LoadLayeredConfigOptions,
} from './load-layered-config.js';
