import { PgqrsError, ValidationError } from "../errors.js";
import type { ValidationConfig } from "../validation-config.js";

/**
 * Check one payload against the validation settings and serialise it to JSON text, once.
 * Anything that would not round-trip as JSON (functions, symbols, BigInt, cycles, NaN/Infinity, `undefined` at the
 * top level or in an array, Map/Set) is refused before any write. `prefix` names the batch index in messages.
 */
export function serializePayload(value: unknown, config: ValidationConfig, prefix = ""): string {
  checkStructure(value, config, prefix);
  const json = JSON.stringify(value);
  const size = Buffer.byteLength(json, "utf8");
  if (size > config.maxPayloadSizeBytes) {
    const limits = { actualBytes: size, maxBytes: config.maxPayloadSizeBytes };
    // pgqrs's own variant for one payload; inside a batch it becomes a validation failure naming the index.
    if (prefix === "") {
      throw new PgqrsError("PAYLOAD_TOO_LARGE", `Payload size ${size} exceeds limit ${limits.maxBytes}`, {
        details: limits,
      });
    }
    throw new ValidationError(
      `${prefix.replace(/: $/, "")} too large: ${size} bytes exceeds limit ${limits.maxBytes}`,
      { ...limits, kind: "PAYLOAD_TOO_LARGE" },
    );
  }
  return json;
}

/**
 * Serialise a step's or run's output as {@link serializePayload} does, with `undefined` (a function that returned
 * nothing) stored as JSON `null` instead of refused. Same checks and errors as `serializePayload` with no prefix.
 */
export function serializeOutput(value: unknown, config: ValidationConfig): string {
  return value === undefined ? "null" : serializePayload(value, config);
}

/**
 * Deepest nesting any payload, output or step result may have (the root is depth 0), whatever `maxObjectDepth`
 * says: deeper JSON cannot be validated, serialised or parsed without running out of stack (a RangeError instead
 * of VALIDATION_FAILED), and SQLite's JSON functions refuse more than 1,000 levels. `maxObjectDepth` (off by
 * default) can only lower it.
 */
export const MAX_PAYLOAD_DEPTH = 1_000;

/** Most payloads one batch may insert: one statement, one transaction, bounded memory on both backends. */
export const MAX_BATCH_MESSAGES = 10_000;
/** Most JSON bytes one batch may insert in total (each payload is also held to `maxPayloadSizeBytes`). */
export const MAX_BATCH_BYTES = 64 * 1_048_576;

/** Serialise a batch all-or-nothing; errors name the index of the first bad payload, or the batch limit broken. */
export function serializeBatch(values: readonly unknown[], config: ValidationConfig): string[] {
  if (values.length > MAX_BATCH_MESSAGES) {
    throw new ValidationError(
      `batch of ${values.length} payloads exceeds limit ${MAX_BATCH_MESSAGES}; split it into smaller batches`,
      { actual: values.length, max: MAX_BATCH_MESSAGES, kind: "BATCH_TOO_LARGE" },
    );
  }
  let total = 0;
  return values.map((v, i) => {
    const json = serializePayload(v, config, values.length > 1 ? `Payload at index ${i}: ` : "");
    total += Buffer.byteLength(json, "utf8");
    if (total > MAX_BATCH_BYTES) {
      throw new ValidationError(
        `batch size exceeds limit ${MAX_BATCH_BYTES} bytes at index ${i}; split it into smaller batches`,
        { actualBytes: total, maxBytes: MAX_BATCH_BYTES, kind: "BATCH_TOO_LARGE" },
      );
    }
    return json;
  });
}

/**
 * NUL characters and lone UTF-16 surrogates are valid in JavaScript strings but not in Unicode text: Postgres
 * refuses them in `jsonb` (and in `text`), so they are refused on every backend before any write.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
const NOT_STORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): string | undefined {
  const m = NOT_STORABLE.exec(text);
  if (m === null) return undefined;
  const unit = m[0].charCodeAt(0).toString(16).padStart(4, "0");
  return m[0] === "\u0000" ? "a NUL character (\\u0000)" : `a lone surrogate (\\u${unit})`;
}

function checkStructure(root: unknown, config: ValidationConfig, prefix: string): void {
  const fail = (reason: string): never => {
    throw new ValidationError(`${prefix}${reason}`);
  };
  if (root === undefined) fail("payload is undefined; enqueue a JSON value (use null for 'no data')");
  const seen = new Set<object>();
  const forbidden = new Set(config.forbiddenKeys);
  const configured = config.maxObjectDepth;
  const depthLimit = configured !== null && configured < MAX_PAYLOAD_DEPTH ? configured : MAX_PAYLOAD_DEPTH;

  const visit = (value: unknown, depth: number, path: string): void => {
    // Checked before descending, so the recursion is never deeper than the limit.
    if (depth > depthLimit) fail(`Object depth ${depth} exceeds limit ${depthLimit}`);
    switch (typeof value) {
      case "string": {
        const bad = unstorable(value);
        if (bad !== undefined) fail(`string at ${path} contains ${bad}, which cannot be stored; remove or encode it`);
        if (config.maxStringLength !== null) {
          const n = Buffer.byteLength(value, "utf8");
          if (n > config.maxStringLength) fail(`String length ${n} exceeds limit ${config.maxStringLength}`);
        }
        return;
      }
      case "number":
        if (!Number.isFinite(value)) fail(`${value} at ${path} is not a JSON number`);
        return;
      case "boolean":
        return;
      case "bigint":
        fail(`BigInt at ${path} is not JSON-serialisable; convert it to a string or number`);
        return;
      case "function":
      case "symbol":
        fail(`a ${typeof value} at ${path} is not JSON-serialisable`);
        return;
      case "undefined":
        fail(`undefined at ${path} is not JSON-serialisable; use null`);
        return;
    }
    if (value === null) return;
    const obj = value as object;
    if (seen.has(obj)) fail(`payload contains a cycle at ${path}`);
    if (obj instanceof Map || obj instanceof Set) fail(`a ${obj.constructor.name} at ${path} is not JSON-serialisable`);
    if (typeof (obj as { toJSON?: unknown }).toJSON === "function") {
      // Date and friends serialise through toJSON; validate what will actually be stored.
      visit((obj as { toJSON: () => unknown }).toJSON(), depth, path);
      return;
    }
    seen.add(obj);
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        // Holes and undefined items would silently become null in JSON.
        visit(obj[i], depth + 1, `${path}[${i}]`);
      }
    } else {
      if (depth === 0) {
        for (const key of config.requiredKeys) {
          if (!Object.hasOwn(obj, key)) fail(`Required key '${key}' missing from payload`);
        }
      }
      for (const key of Object.keys(obj)) {
        if (forbidden.has(key)) fail(`Forbidden key '${key}' found in payload`);
        const badKey = unstorable(key);
        if (badKey !== undefined)
          fail(`key at ${path} contains ${badKey}, which cannot be stored; remove or encode it`);
        if (config.maxStringLength !== null) {
          const n = Buffer.byteLength(key, "utf8");
          if (n > config.maxStringLength) fail(`Key '${key}' length ${n} exceeds limit ${config.maxStringLength}`);
        }
        const child = (obj as Record<string, unknown>)[key];
        // JSON drops undefined properties; that is the documented JSON behaviour for optional fields.
        if (child !== undefined) visit(child, depth + 1, `${path}.${key}`);
      }
    }
    seen.delete(obj);
  };
  visit(root, 0, "$");
}
