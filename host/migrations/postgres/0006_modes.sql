-- Test and live are separate worlds for uploaded connectors too: a connector, its grant
-- and its deletion belong to one mode, and a test key never reaches a live one.
-- Existing uploads used by a live store become live; the rest are test.
ALTER TABLE connectors ADD COLUMN mode TEXT NOT NULL DEFAULT 'test';
UPDATE connectors c SET mode = 'live' WHERE EXISTS (
    SELECT 1 FROM psp_configs p JOIN stores s ON s.id = p.store_id
    WHERE s.merchant_id = c.merchant_id AND s.mode = 'live'
      AND p.connector_id IN (c.id, c.name, c.name || '@' || c.version)
);
ALTER TABLE connectors ALTER COLUMN mode DROP DEFAULT;
ALTER TABLE connectors DROP CONSTRAINT connectors_merchant_id_name_version_key;
ALTER TABLE connectors ADD CONSTRAINT connectors_merchant_id_mode_name_version_key UNIQUE (merchant_id, mode, name, version);
DROP INDEX connectors_merchant;
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
UPDATE egress_audit e SET mode = s.mode FROM stores s WHERE s.id = e.store_id;
CREATE INDEX egress_audit_mode ON egress_audit(merchant_id, mode, id);
