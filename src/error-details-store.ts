/**
 * The `details` of the configuration, connection and database codes of `PgqrsError`: part of
 * `PgqrsErrorDetailsMap` (error-details.ts). Each field is what a construction site in pgqrs puts there, optional
 * unless every site sets it. `operation` is the store operation that failed (`"enqueue"`, `"connect"`, …).
 */
import type { NoDetails } from "./error-details-entities.js";

/** The configuration, connection and database codes' `details`, by code (see `PgqrsErrorDetailsMap`). */
export interface StoreErrorDetailsMap {
  /** A configuration value (option, DSN, environment variable, file key) that is not valid. */
  INVALID_CONFIG: Readonly<{
    /** The field as its source spells it (`"dsn"`, `"schema"`, `"maxEnqueueBurst"`, `"s3.mode"`, …). */
    field?: string;
    /** The option of a server (`"token"`, `"port"`) at fault. */
    option?: string;
    /** The unknown or repeated key inside the field. */
    key?: string;
    /** The known key the unknown `key` was probably meant to be. */
    suggestion?: string;
    /** The config file that could not be read or parsed. */
    path?: string;
    /** The module a `worker run` could not load. */
    module?: string;
    /** The offending value. */
    value?: string;
    /** The port already in use. */
    port?: number;
    /** The host of that port. */
    host?: string;
    /** The S3 cache mode asked for. */
    mode?: string;
    /** The S3 cache directory shared with another store. */
    cacheDir?: string;
  }>;
  /** A required configuration value that is not set. */
  MISSING_CONFIG: Readonly<{
    /** The missing field (`"dsn"`, `"PGQRS_DSN"`, `"configuration"`). */
    field: string;
  }>;
  /** The installed schema is not what this pgqrs expects (newer migrations, a missing table or reference). */
  SCHEMA_VALIDATION: Readonly<{
    /** The database schema checked. */
    schema?: string;
    /** The missing table. */
    table?: string;
    /** The newest migration applied to the database. */
    applied?: number;
    /** The newest migration this pgqrs knows. */
    known?: number;
    /** Migrations in the database this pgqrs does not know. */
    unknownVersions?: readonly number[];
  }>;
  /** A pgqrs table (or the schema) is missing: run `install()`. */
  SCHEMA_NOT_INSTALLED: Readonly<{
    /** The store operation that met the missing table. */
    operation: string;
    /** The missing relation or schema, as the server named it. */
    missing: string;
    /** The database and schema (a masked DSN), or the database file. */
    where: string;
  }>;
  /** A connection could not be made or was lost. */
  CONNECTION_FAILED: Readonly<
    {
      /** The store operation (`"connect"` while opening a connection). */
      operation: string;
      /** How many connection attempts were made, when pgqrs retried. */
      attempts?: number;
      /** How long pgqrs retried, in milliseconds. */
      retriedForMs?: number;
    } & DriverFailureFields
  >;
  /** A write sent to a read-only PostgreSQL server (a hot standby): use the primary. */
  READ_ONLY: Readonly<{ /** The store operation. */ operation: string } & PostgresServerFields>;
  /** The driver package of the DSN's backend is not installed. */
  DRIVER_NOT_INSTALLED: Readonly<{
    /** The npm package to install. */
    package: string;
    /** The backend that needs it (`"sqlite"`, `"turso"`, `"s3"`). */
    backend: string;
    /** The command that installs it. */
    install?: string;
  }>;
  /** A statement or request failed. */
  QUERY_FAILED: Readonly<
    {
      /** The store operation. */
      operation?: string;
      /** True when the S3 object does not exist. */
      notFound?: true;
    } & DriverFailureFields
  >;
  /** The store was closed; create a new one. */
  STORE_CLOSED: Readonly<{
    /** The operation tried after close. */
    operation?: string;
  }>;
  /** The SQLite or Turso database is locked by another connection; retrying may succeed. */
  BUSY: Readonly<{
    /** The store operation. */
    operation: string;
    /** The SQLite extended result code (`SQLITE_BUSY`, …). */
    sqliteCode?: string;
    /** The Turso error kind (`"locked"`). */
    tursoError?: TursoErrorKindName;
  }>;
  /** An operation or a wait took too long. */
  TIMEOUT: Readonly<{
    /** The S3 operation. */
    operation?: string;
    /** The S3 object (`s3://bucket/key`). */
    object?: string;
    /** The HTTP status of the S3 response, when there was one. */
    status?: number;
    /** The message whose run's result was awaited. */
    messageId?: number;
    /** The wait's limit, in milliseconds. */
    timeoutMs?: number;
  }>;
  /**
   * A concurrent change won (serialization failure, deadlock, a unique key taken, an S3 object changed by another
   * writer); retrying the operation may succeed.
   */
  CONFLICT: Readonly<
    {
      /** The store or S3 operation. */
      operation?: string;
      /** The S3 object's revision this store started from (`null`: the object did not exist). */
      baseline?: string | null;
      /** The S3 object's revision now (`null`: missing). */
      remote?: string | null;
      /** The message's queue. */
      queueId?: number;
      /** The message. */
      messageId?: number;
      /** The deduplication key taken. */
      dedupKey?: string;
      /** The worker or workflow name taken. */
      name?: string;
      /** The queue name taken. */
      queueName?: string;
      /** The run of the step. */
      runId?: number;
      /** The step. */
      stepName?: string;
      /** The workflow of an idempotent trigger. */
      workflowName?: string;
      /** The idempotency key of that trigger. */
      idempotencyKey?: string;
    } & Omit<DriverFailureFields, "status"> & {
        /** The HTTP status of an S3 response (a number), or the step's status (a string). */
        status?: number | string;
      }
  >;
  /** A bug in pgqrs (an invariant broke); carries nothing. */
  INTERNAL: NoDetails;
}

/** The kinds of Turso driver failure pgqrs tells apart. */
export type TursoErrorKindName = "locked" | "unique" | "fileLocked" | "cantOpen";

/**
 * The fields of a node-postgres error that pgqrs copies (those the server or socket set); the whole error is the
 * `cause`.
 */
export type PostgresServerFields = Readonly<{
  /** The SQLSTATE (`"40001"`, …) or socket error code (`"ECONNREFUSED"`, …). */
  code?: string;
  /** The server's severity (`"ERROR"`, `"FATAL"`). */
  severity?: string;
  /** The server's detail text. */
  detail?: string;
  /** The server's hint. */
  hint?: string;
  /** The schema of the object involved. */
  schema?: string;
  /** The table involved. */
  table?: string;
  /** The column involved. */
  column?: string;
  /** The constraint violated. */
  constraint?: string;
  /** The server routine that raised the error. */
  routine?: string;
}>;

/** What a translated driver failure carries, by backend: PostgreSQL's server fields, SQLite's and Turso's codes, S3's. */
export type DriverFailureFields = PostgresServerFields &
  Readonly<{
    /** The SQLite extended result code (`SQLITE_CANTOPEN`, …). */
    sqliteCode?: string;
    /** The Turso error kind. */
    tursoError?: TursoErrorKindName;
    /** The S3 object (`s3://bucket/key`). */
    object?: string;
    /** The HTTP status of the S3 response, when there was one. */
    status?: number;
  }>;
