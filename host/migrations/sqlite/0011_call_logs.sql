-- A connector's own log lines (the host's capped per-call log and its stdout/stderr),
-- kept with what the call was about (a sync run or a payment), so a merchant reads why a
-- run failed without the server log.
CREATE TABLE call_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    store_id TEXT,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    connector TEXT NOT NULL,
    operation TEXT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX call_logs_subject ON call_logs(subject_kind, subject_id, id);
