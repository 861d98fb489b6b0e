/**
 * The parts every request of one dashboard shares, built from its {@link DashboardOptions} in one place (defaults
 * applied, the {@link RequestGuard} checking the host and token rules before anything listens).
 */
import type { Store } from "../api/pgqrs-store.js";
import { DashboardActions } from "./actions.js";
import { MetricsRoute } from "./metrics-route.js";
import { DashboardReads } from "./reads.js";
import { RequestGuard } from "./request-guard.js";
import type { DashboardOptions } from "./server.js";

/** What the request handlers of one dashboard share: its options resolved, its guard, reads and actions. */
export interface DashboardContext {
  readonly store: Store;
  /** Host allow-list, session auth and the write (CSRF) checks. */
  readonly guard: RequestGuard;
  readonly reads: DashboardReads;
  readonly actions: DashboardActions;
  readonly metricsRoute: MetricsRoute;
  readonly readOnly: boolean;
  readonly log: (line: string) => void;
}

/**
 * Apply the defaults. INVALID_CONFIG (from the guard) when `host` is beyond loopback with no token, or an allowed
 * host is malformed.
 */
export function resolveDashboard(opts: DashboardOptions): DashboardContext {
  const guard = new RequestGuard({ host: opts.host, token: opts.token, allowedHosts: opts.allowedHosts ?? [] });
  const reads = new DashboardReads(opts.store);
  const actions = new DashboardActions(opts.store, reads.admin);
  const readOnly = opts.readOnly ?? false;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const metricsRoute = new MetricsRoute(opts.store, guard, opts.metricsToken, log);
  return { store: opts.store, guard, reads, actions, metricsRoute, readOnly, log };
}
