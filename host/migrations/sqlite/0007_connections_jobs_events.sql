-- Connections: a store's use of one POS/ERP system, set up once. They replace
-- store_systems (which only remembered the pinned connector). Credentials, when kept,
-- are sealed; a connection made by a call that brought its own credentials keeps none.
CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    store_id TEXT NOT NULL REFERENCES stores(id),
    kind TEXT NOT NULL,
    system TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    credentials TEXT,
    sync_every_seconds BIGINT,
    push_every_seconds BIGINT,
    next_sync_at BIGINT,
    next_push_at BIGINT,
    paused BIGINT NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    config_failures BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (store_id, kind, system)
);
CREATE INDEX connections_merchant ON connections(merchant_id, mode, store_id);
CREATE INDEX connections_due_sync ON connections(next_sync_at);
CREATE INDEX connections_due_push ON connections(next_push_at);

INSERT INTO connections (id, merchant_id, mode, store_id, kind, system, connector_id, created_at, updated_at)
SELECT 'c_' || lower(hex(randomblob(16))), s.merchant_id, s.mode, t.store_id, t.kind, t.system, t.connector_id, t.updated_at, t.updated_at
FROM store_systems t JOIN stores s ON s.id = t.store_id;
DROP TABLE store_systems;

-- Jobs: every sync, push and payment re-check. A worker claims a due job (queued, or
-- running with an expired lease: its worker died), heartbeats the lease, and settles
-- it only while it still holds the lease.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    store_id TEXT NOT NULL,
    connection_id TEXT,
    kind TEXT NOT NULL,
    operation TEXT NOT NULL,
    state TEXT NOT NULL,
    payload TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    progress TEXT,
    status_code BIGINT,
    result TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX jobs_queued ON jobs(state, due_at);
CREATE INDEX jobs_store ON jobs(merchant_id, mode, store_id, created_at);

-- Events to BEEP!: endpoints subscribe to event types; each event is delivered to each
-- subscribed endpoint at least once, signed, with every attempt recorded.
CREATE TABLE event_endpoints (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX event_endpoints_merchant ON event_endpoints(merchant_id, mode);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_merchant ON events(merchant_id, mode, created_at);

CREATE TABLE event_deliveries (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id),
    endpoint_id TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX event_deliveries_due ON event_deliveries(state, next_attempt_at);
CREATE INDEX event_deliveries_event ON event_deliveries(event_id);

CREATE TABLE event_attempts (
    delivery_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
