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
    const where = prefix === "" ? "" : `${prefix.replace(/: $/, "")} too large: `;
    throw new PgqrsError(
      "VALIDATION_FAILED",
      `Validation failed: ${where}Payload size ${size} exceeds limit ${config.maxPayloadSizeBytes}`,
      { details: { actualBytes: size, maxBytes: config.maxPayloadSizeBytes, kind: "PAYLOAD_TOO_LARGE" } },
    );
  }
  return json;
}

/** Serialise a batch all-or-nothing; errors name the index of the first bad payload. */
export function serializeBatch(values: readonly unknown[], config: ValidationConfig): string[] {
  return values.map((v, i) => serializePayload(v, config, values.length > 1 ? `Payload at index ${i}: ` : ""));
}

function checkStructure(root: unknown, config: ValidationConfig, prefix: string): void {
  const fail = (reason: string): never => {
    throw new ValidationError(`${prefix}${reason}`);
  };
  if (root === undefined) fail("payload is undefined; enqueue a JSON value (use null for 'no data')");
  const seen = new Set<object>();
  const forbidden = new Set(config.forbiddenKeys);

  const visit = (value: unknown, depth: number, path: string): void => {
    if (config.maxObjectDepth !== null && depth > config.maxObjectDepth) {
      fail(`Object depth ${depth} exceeds limit ${config.maxObjectDepth}`);
    }
    switch (typeof value) {
      case "string":
        if (config.maxStringLength !== null) {
          const n = Buffer.byteLength(value, "utf8");
          if (n > config.maxStringLength) fail(`String length ${n} exceeds limit ${config.maxStringLength}`);
        }
        return;
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
