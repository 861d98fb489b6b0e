/** Payload validation and enqueue rate limiting settings. */
export interface ValidationConfig {
  /** Largest payload accepted, as compact JSON bytes. Default 1 MiB (1_048_576). */
  maxPayloadSizeBytes: number;
  /** Longest string value or object key, in UTF-8 bytes. Default `null` (off). */
  maxStringLength: number | null;
  /** Deepest nesting of objects/arrays (the root is depth 0). Default `null` (off). */
  maxObjectDepth: number | null;
  /** Keys refused at any depth. Default `["__proto__", "constructor", "prototype"]`. */
  forbiddenKeys: string[];
  /** Keys the top-level object must have. Default `[]`. */
  requiredKeys: string[];
  /** Token-bucket refill rate per producer, messages per second. Default `null` (rate limiting off). */
  maxEnqueuePerSecond: number | null;
  /** Token-bucket capacity; a batch needs this many tokens at once. Default 50 when a rate is set. */
  maxEnqueueBurst: number | null;
}

/**
 * A fresh copy of the default validation settings: payloads up to 1 MiB (1,048,576 bytes), no string-length or depth
 * limit, `__proto__`/`constructor`/`prototype` keys forbidden, no required keys, rate limiting off.
 */
export function defaultValidationConfig(): ValidationConfig {
  return {
    maxPayloadSizeBytes: 1_048_576,
    maxStringLength: null,
    maxObjectDepth: null,
    forbiddenKeys: ["__proto__", "constructor", "prototype"],
    requiredKeys: [],
    maxEnqueuePerSecond: null,
    maxEnqueueBurst: null,
  };
}
