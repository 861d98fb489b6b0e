/**
 * Configuration: the field table, its sources (object, file, environment) and DSN handling. The implementation is
 * split under `src/config/`; this module keeps the import path `./config.js` working.
 */
export { type Check, configError } from "./config/config-checks.js";
export { Config, type ConfigInput, type LoadConfigOptions, type S3Config, type SqliteConfig } from "./config/config.js";
export { CONFIG_FIELDS, CONFIG_GROUPS, type FieldSpec, type GroupSpec } from "./config/config-fields.js";
export { DEFAULT_CONFIG_FILES } from "./config/config-sources.js";
export {
  type BackendKind,
  detectBackend,
  dsnSecrets,
  maskDsn,
  scrubSecrets,
  sqlitePathFromDsn,
} from "./config/dsn.js";
export { validateSchemaName } from "./config/schema-name.js";
