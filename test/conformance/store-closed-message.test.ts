/**
 * STORE_CLOSED reads the same on every backend and at every layer (the store's own check and the backend's): one
 * message that says what happened and what to do.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

const CLOSED =
  /^The store was closed( \(\w+ was refused\))?; open a new one with pgqrs\.connect\(\) to use the database again$/;

describe.each(EVERY_BACKEND)("STORE_CLOSED on %s", (backend) => {
  it("has one message, from the store and from its backend", async () => {
    const { store } = await openTestStore(backend);
    await store.queue("closing");
    const backendOfStore = store.context.backend;
    await store.close();
    const fromStore = await thrown(() => store.queue("after"));
    const fromAdmin = await thrown(() => pgqrs.admin(store).listQueues());
    const fromBackend = await thrown(() => backendOfStore.listQueues());
    for (const err of [fromStore, fromAdmin, fromBackend]) {
      expect(err).toBeInstanceOf(pgqrs.PgqrsError);
      expect(err.code).toBe("STORE_CLOSED");
      expect(err.message).toMatch(CLOSED);
    }
    expect(fromStore.message).toBe(
      "The store was closed; open a new one with pgqrs.connect() to use the database again",
    );
    // A backend that knows the refused operation names it, in the message and in `details.operation`.
    if (fromBackend.details?.["operation"] !== undefined) {
      expect(fromBackend.message).toContain(`(${String(fromBackend.details["operation"])} was refused)`);
    }
  });
});
