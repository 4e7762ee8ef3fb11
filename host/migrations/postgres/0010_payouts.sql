-- Payouts (settlements) as the PSPs list them, one row per vendor payout with its latest
-- state and what it is made of; the cursor each store's PSP resumes from.
CREATE TABLE payouts (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL REFERENCES stores(id),
    provider TEXT NOT NULL,
    provider_reference TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    sales BIGINT NOT NULL,
    refunds BIGINT NOT NULL,
    chargebacks BIGINT NOT NULL,
    fees BIGINT NOT NULL,
    adjustments BIGINT NOT NULL,
    vendor_created_at TEXT NOT NULL,
    arrival_date TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX payouts_vendor ON payouts(store_id, provider, provider_reference);
CREATE INDEX payouts_store ON payouts(store_id, created_at);

CREATE TABLE payout_cursors (
    store_id TEXT NOT NULL REFERENCES stores(id),
    provider TEXT NOT NULL,
    cursor TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, provider)
);

-- When a dispute first withdrew its amount (needs_response, under_review or lost): the
-- ERP books a chargeback then, and its reversal should the dispute be won.
ALTER TABLE disputes ADD COLUMN withdrawn_at BIGINT;
