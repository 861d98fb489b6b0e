/**
 * Progress of a held message (BullMQ's `job.updateProgress`): validated as a payload is, before anything is
 * written. What `consumer.updateProgress` and a handler's context write; read back as `QueueMessage.progress`.
 */
import type { ValidationConfig } from "../validation-config.js";
import { serializePayload } from "./payload-validation.js";

/**
 * `progress` as the JSON text to store, or `null` (SQL NULL, as never reported) for `null`. Held to the payload
 * rules of `config` (VALIDATION_FAILED for what is not JSON, PAYLOAD_TOO_LARGE past `maxPayloadSizeBytes`) except
 * `requiredKeys`, which describe payloads, not progress.
 */
export function serializeProgress(progress: unknown, config: ValidationConfig): string | null {
  const json = serializePayload(progress, config.requiredKeys.length === 0 ? config : { ...config, requiredKeys: [] });
  return json === "null" ? null : json;
}
