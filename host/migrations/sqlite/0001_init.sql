-- BEEP! Connect schema (SQLite). Timestamps are Unix milliseconds; money is minor units.
CREATE TABLE merchants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    plan TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    mode TEXT NOT NULL,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE stores (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    mode TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX stores_merchant ON stores(merchant_id);

-- Credentials a store uses for one POS/ERP system, sealed (AEAD).
CREATE TABLE store_systems (
    store_id TEXT NOT NULL REFERENCES stores(id),
    kind TEXT NOT NULL,
    system TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    credentials TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, kind, system)
);

CREATE TABLE categories (
    store_id TEXT NOT NULL,
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, system, external_id)
);

CREATE TABLE products (
    store_id TEXT NOT NULL,
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    sku TEXT,
    name TEXT NOT NULL,
    category_id TEXT,
    price_amount BIGINT,
    price_currency TEXT,
    tax_rate_bps BIGINT,
    gtins TEXT NOT NULL,
    unit TEXT,
    active BIGINT NOT NULL,
    sync_run_id TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, system, external_id)
);

CREATE TABLE prices (
    store_id TEXT NOT NULL,
    system TEXT NOT NULL,
    product_id TEXT NOT NULL,
    price_group TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    valid_from TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, system, product_id, price_group)
);

CREATE TABLE sync_runs (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    system TEXT NOT NULL,
    status TEXT NOT NULL,
    full_sync BIGINT NOT NULL,
    start_cursor TEXT,
    cursor TEXT,
    pages BIGINT NOT NULL,
    counts TEXT NOT NULL,
    error_class TEXT,
    error_code TEXT,
    error TEXT,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX sync_runs_store ON sync_runs(store_id, started_at);
-- At most one running sync per store and system.
CREATE UNIQUE INDEX sync_runs_one_running ON sync_runs(store_id, kind, system) WHERE status = 'running';

-- Where the next incremental run of a store's system starts.
CREATE TABLE sync_state (
    store_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    system TEXT NOT NULL,
    cursor TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, kind, system)
);

CREATE TABLE sales (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    receipt_number TEXT NOT NULL,
    total_amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (store_id, receipt_number)
);

-- The outbox: one row per (sale, target system) once a push has started.
CREATE TABLE deliveries (
    item_id TEXT NOT NULL,
    store_id TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    external_id TEXT,
    last_error TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (item_id, target)
);

CREATE TABLE psp_configs (
    store_id TEXT PRIMARY KEY REFERENCES stores(id),
    provider TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    config TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reference TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_reference TEXT,
    failure_code TEXT,
    failure_message TEXT,
    action_url TEXT,
    refunded_amount BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX payments_store ON payments(store_id, created_at);

CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    store_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT,
    status TEXT NOT NULL,
    provider_reference TEXT,
    failure_message TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX refunds_payment ON refunds(payment_id);

CREATE TABLE idempotency_keys (
    merchant_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    locked_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, scope, idem_key)
);

-- Every outbound request a connector made (never bodies, query strings or credentials).
CREATE TABLE egress_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id TEXT NOT NULL,
    store_id TEXT,
    connector TEXT NOT NULL,
    operation TEXT NOT NULL,
    method TEXT NOT NULL,
    scheme TEXT NOT NULL,
    host TEXT NOT NULL,
    port BIGINT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT,
    bytes BIGINT NOT NULL,
    millis BIGINT NOT NULL,
    denied TEXT,
    error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX egress_audit_merchant ON egress_audit(merchant_id, id);
