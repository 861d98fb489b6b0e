-- Message progress (BullMQ's job.updateProgress): the last value a consumer holding the message reported, as JSON
-- text, kept across redeliveries; NULL until reported (and for every row pgqrs, Rust/Python, writes).
ALTER TABLE pgqrs_messages ADD COLUMN progress TEXT NULL;
