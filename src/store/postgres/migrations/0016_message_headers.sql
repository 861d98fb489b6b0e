-- Message headers (issue 19): the trace context (W3C traceparent/tracestate) of the enqueue that wrote a message,
-- kept beside the payload so the handler's span joins the producer's trace; never inside the payload. NULL when the
-- producer had no active trace (and for every row pgqrs, Rust/Python, writes). Re-runnable.
ALTER TABLE {{schema}}.pgqrs_messages ADD COLUMN IF NOT EXISTS headers JSONB NULL;
COMMENT ON COLUMN {{schema}}.pgqrs_messages.headers IS
  'pgqrs for TypeScript: string headers of the enqueue (trace context: traceparent, tracestate), or NULL';
