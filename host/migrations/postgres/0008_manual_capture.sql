-- Manual capture (scan-and-go authorises at the basket, captures at the exit): how a
-- payment is captured and how much of it is. Refunds are bounded by the captured amount.
ALTER TABLE payments ADD COLUMN capture_mode TEXT NOT NULL DEFAULT 'automatic';
ALTER TABLE payments ADD COLUMN captured_amount BIGINT NOT NULL DEFAULT 0;
UPDATE payments SET captured_amount = amount WHERE status = 'succeeded';
-- How long a store's authorisations are held before a job voids them (seconds; NULL:
-- the default).
ALTER TABLE psp_configs ADD COLUMN hold_seconds BIGINT;
