/**
 * The `@aws-sdk/client-s3` package, loaded on first use: an optional peer dependency that users of the other
 * backends never install. Only the few members the backend calls are typed here, so pgqrs's published types never
 * name the SDK.
 */
import { type DriverInfo, importDriver } from "../driver-loader.js";

/** The package users install, for the DRIVER_NOT_INSTALLED message. */
export const S3_DRIVER: DriverInfo = { packageName: "@aws-sdk/client-s3", backend: "S3" };

/** The parts of an `S3Client` the backend uses. */
export interface S3ClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  destroy(): void;
}

/** Constructor options of `S3Client` the backend sets; everything else comes from the AWS environment. */
export interface S3ClientOptions {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  requestHandler?: { connectionTimeout?: number; requestTimeout?: number };
  maxAttempts?: number;
  requestChecksumCalculation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
}

type Command = new (input: Record<string, unknown>) => unknown;

/** The module's exports the backend uses. */
export interface S3Module {
  S3Client: new (options: S3ClientOptions) => S3ClientLike;
  HeadObjectCommand: Command;
  GetObjectCommand: Command;
  PutObjectCommand: Command;
}

let loaded: Promise<S3Module> | undefined;

/** The SDK, loaded once per process; DRIVER_NOT_INSTALLED naming `@aws-sdk/client-s3` when it is missing. */
export function loadS3Driver(): Promise<S3Module> {
  if (loaded === undefined) {
    loaded = importDriver<S3Module>(S3_DRIVER);
    // A failed load is not cached: installing the package fixes the next connect without a restart.
    loaded.catch(() => {
      loaded = undefined;
    });
  }
  return loaded;
}
