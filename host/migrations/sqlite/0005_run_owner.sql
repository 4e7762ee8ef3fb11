-- The claim that owns a running sync: a page is saved only by its owner, so a run taken
-- over after its heartbeat went stale cannot be written by the old runner too.
ALTER TABLE sync_runs ADD COLUMN owner TEXT;
