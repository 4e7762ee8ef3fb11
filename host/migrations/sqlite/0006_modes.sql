-- Test and live are separate worlds for uploaded connectors too: a connector, its grant
-- and its deletion belong to one mode, and a test key never reaches a live one.
-- Existing uploads used by a live store become live; the rest are test.
CREATE TABLE connectors_by_mode (
    id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    mode TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    kind TEXT NOT NULL,
    contract TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES components(sha256),
    requested_hosts TEXT NOT NULL,
    approved_hosts TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (merchant_id, mode, name, version)
);
INSERT INTO connectors_by_mode
SELECT c.id, c.merchant_id,
       CASE WHEN EXISTS (
           SELECT 1 FROM psp_configs p JOIN stores s ON s.id = p.store_id
           WHERE s.merchant_id = c.merchant_id AND s.mode = 'live'
             AND p.connector_id IN (c.id, c.name, c.name || '@' || c.version)
       ) THEN 'live' ELSE 'test' END,
       c.name, c.version, c.kind, c.contract, c.sha256, c.requested_hosts, c.approved_hosts, c.created_at
FROM connectors c;
DROP TABLE connectors;
ALTER TABLE connectors_by_mode RENAME TO connectors;
CREATE INDEX connectors_merchant ON connectors(merchant_id, mode, name);

-- A store's PSP configuration pins the exact upload (its id), not a name that a later
-- upload could take over.
UPDATE psp_configs SET connector_id = (
    SELECT c.id FROM connectors c JOIN stores s ON s.id = psp_configs.store_id
    WHERE c.merchant_id = s.merchant_id AND c.mode = s.mode
      AND psp_configs.connector_id IN (c.name, c.name || '@' || c.version)
    ORDER BY c.created_at DESC LIMIT 1
)
WHERE provider = 'custom'
  AND connector_id NOT IN (SELECT id FROM connectors)
  AND EXISTS (
    SELECT 1 FROM connectors c JOIN stores s ON s.id = psp_configs.store_id
    WHERE c.merchant_id = s.merchant_id AND c.mode = s.mode
      AND psp_configs.connector_id IN (c.name, c.name || '@' || c.version)
);

-- POS/ERP credentials were sealed here on every call and never read: no longer kept.
UPDATE store_systems SET credentials = '';

-- The egress audit is read per mode (a test key sees no live calls).
ALTER TABLE egress_audit ADD COLUMN mode TEXT NOT NULL DEFAULT 'test';
UPDATE egress_audit SET mode = COALESCE((SELECT s.mode FROM stores s WHERE s.id = egress_audit.store_id), 'test');
CREATE INDEX egress_audit_mode ON egress_audit(merchant_id, mode, id);
