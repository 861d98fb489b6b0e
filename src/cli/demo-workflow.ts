import * as pgqrs from "../index.js";

/** The demo's workflow and queue name. */
export const DEMO_WORKFLOW = "demo_order";

export interface OrderInput {
  orderId: number;
  amount: number;
}

export interface DemoWorkflowOptions {
  /** Share of steps that fail transiently on their first execution in this process (0..1). */
  failureRate: number;
  /** Simulated work per step, ms (so a crash lands mid-run). */
  stepDelayMs: number;
  /** Called for each injected failure. */
  onRetry: () => void;
}

/** Deterministic per (run, step), so a rerun shows the same shape. */
function flaky(key: string, rate: number): boolean {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (h % 1000) / 1000 < rate;
}

/** A 3-step order workflow whose steps fail transiently now and then, as upstream services do. */
export function demoWorkflow(options: DemoWorkflowOptions) {
  const failedOnce = new Set<string>();
  const step = <T>(run: pgqrs.Run, name: string, fn: () => T): Promise<T> =>
    pgqrs.workflowStep(run, name, async () => {
      if (options.stepDelayMs > 0) await new Promise((r) => setTimeout(r, options.stepDelayMs));
      const key = `${run.id}:${name}`;
      if (flaky(key, options.failureRate) && !failedOnce.has(key)) {
        failedOnce.add(key);
        options.onRetry();
        throw new pgqrs.TransientStepError("FLAKY_UPSTREAM", `${name} timed out`, { retryAfterMs: 50 });
      }
      return fn();
    });
  return pgqrs.defineWorkflow({ name: DEMO_WORKFLOW }, async (run, input: OrderInput) => {
    const reserved = await step(run, "reserve_stock", () => ({ reserved: true, orderId: input.orderId }));
    const charged = await step(run, "charge_card", () => ({ charged: input.amount }));
    const shipped = await step(run, "ship", () => ({ tracking: `TRK-${input.orderId}` }));
    return { ...reserved, ...charged, ...shipped };
  });
}
