-- Message headers (issue 19): the trace context (W3C traceparent/tracestate) of the enqueue that wrote a message, as
-- a JSON object of strings, kept beside the payload; NULL when the producer had no active trace (and for every row
-- pgqrs, Rust/Python, writes).
ALTER TABLE pgqrs_messages ADD COLUMN headers TEXT;
