-- What an ERP sync writes: stock levels, purchase orders, suppliers.
CREATE TABLE inventory (
    store_id TEXT NOT NULL,
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    sku TEXT,
    quantity DOUBLE PRECISION NOT NULL,
    unit TEXT,
    upstream_updated_at TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, system, external_id, warehouse_id)
);

CREATE TABLE purchase_orders (
    store_id TEXT NOT NULL,
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    supplier_id TEXT,
    number TEXT,
    status TEXT NOT NULL,
    total_amount BIGINT,
    currency TEXT,
    ordered_at TEXT,
    lines TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, system, external_id)
);

CREATE TABLE suppliers (
    store_id TEXT NOT NULL,
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    vat_id TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, system, external_id)
);
