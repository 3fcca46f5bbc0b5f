/** The broker configuration: load, validate, summarize. See docs/configuration.md. */
export { loadConfigFile, parseConfig, type LoadOptions, type ParseOptions } from './load.js';
export { checkConfigFile, summarizeConfig } from './check.js';
export { ConfigError, isConfigError } from './errors.js';
export { createSecret, isSecret } from './secrets.js';
export { configSchema, ASYMMETRIC_ALGORITHMS, DEFAULT_ALGORITHMS, CONNECTION_NAME_PATTERN } from './schema.js';
export type * from './types.js';
