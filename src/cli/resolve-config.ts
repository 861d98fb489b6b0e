import { Config, isPgqrsError } from "../index.js";
import { UsageError } from "./cli-errors.js";

/** The CLI's configuration flags and surroundings. */
export interface ConfigSources {
  /** `--dsn`. */
  dsn?: string | undefined;
  /** `--schema`. */
  schema?: string | undefined;
  /** `--config`. */
  configFile?: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Used when no source names a database (the demo's SQLite file). */
  defaultDsn?: string;
}

/**
 * The configuration of one invocation: the flags mapped onto `Config.loadWithOptions`, the library's only loader
 * (`--dsn` → `dsn`, `--schema` → `schema`, `--config` → `configFile`), so the CLI and the library resolve the same
 * configuration from the same inputs. No source naming a database is a usage error (or the demo's default DSN).
 */
export function resolveConfig(src: ConfigSources): Config {
  const options = { dsn: src.dsn, schema: src.schema, configFile: src.configFile, env: src.env, cwd: src.cwd };
  try {
    return Config.loadWithOptions(options);
  } catch (err) {
    if (!isPgqrsError(err) || err.code !== "MISSING_CONFIG" || err.details?.field !== "configuration") throw err;
    if (src.defaultDsn !== undefined) return Config.loadWithOptions({ ...options, dsn: src.defaultDsn });
    // Earlier versions of the CLI read PGQRS_CONFIG; the library never did.
    const renamed = src.env.PGQRS_CONFIG ? " (PGQRS_CONFIG is not read: set PGQRS_CONFIG_FILE)" : "";
    throw new UsageError(
      "no database given: pass --dsn DSN or --config FILE, set PGQRS_DSN or PGQRS_CONFIG_FILE, or write a " +
        `pgqrs.yaml with \`dsn:\`${renamed}`,
    );
  }
}
