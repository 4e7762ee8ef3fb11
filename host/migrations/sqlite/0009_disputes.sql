-- Disputes (chargebacks) as the PSPs report them, one row per vendor dispute, its latest
-- state kept.
CREATE TABLE disputes (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    payment_id TEXT NOT NULL REFERENCES payments(id),
    provider TEXT NOT NULL,
    provider_reference TEXT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT,
    respond_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX disputes_vendor ON disputes(store_id, provider, provider_reference);
CREATE INDEX disputes_store ON disputes(store_id, created_at);
