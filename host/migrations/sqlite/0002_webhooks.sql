-- Webhook events applied once each: a redelivery changes nothing more.
CREATE TABLE webhook_events (
    store_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, provider, event_id)
);
CREATE INDEX payments_provider_reference ON payments(store_id, provider_reference);
CREATE INDEX refunds_provider_reference ON refunds(store_id, provider_reference);
