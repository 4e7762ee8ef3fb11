-- Uploaded components, addressed by SHA-256 (identical uploads are stored once), and
-- the connectors merchants made of them, with the hosts they requested and the hosts
-- the merchant approved (the grant).
CREATE TABLE components (
    sha256 TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE connectors (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    kind TEXT NOT NULL,
    contract TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES components(sha256),
    requested_hosts TEXT NOT NULL,
    approved_hosts TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (merchant_id, name, version)
);
CREATE INDEX connectors_merchant ON connectors(merchant_id, name);
