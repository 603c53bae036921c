-- xtbatch's own bookkeeping: one row per dispatch of a job (an attempt), worker heartbeats,
-- the NOTIFY triggers that wake the bridge, and the index that keeps finding the next due job
-- cheap however long the history grows. Nothing of xTuple's is altered: the triggers and the
-- index are new objects on xtbatch.batch.

CREATE TABLE xtbatch_mgr.attempt (
    attempt_id     bigserial PRIMARY KEY,
    task_id        uuid NOT NULL UNIQUE,
    batch_id       integer NOT NULL,
    batch_action   text,
    state          text NOT NULL DEFAULT 'dispatched'
                   CHECK (state IN ('dispatched', 'running', 'succeeded', 'failed',
                                    'interrupted', 'cancelled')),
    bridge         text,
    dispatched_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    sent_at        timestamptz,
    sent_count     integer NOT NULL DEFAULT 0,
    started_at     timestamptz,
    heartbeat_at   timestamptz,
    ended_at       timestamptz,
    worker         text,
    worker_pid     integer,
    detail         text
);
COMMENT ON TABLE xtbatch_mgr.attempt IS
    'One row per dispatch of an xtbatch.batch job: who ran it, when, and how it ended.';

-- One job at a time per database, enforced by the database itself.
CREATE UNIQUE INDEX attempt_one_active ON xtbatch_mgr.attempt ((true))
    WHERE state IN ('dispatched', 'running');
CREATE INDEX attempt_batch_id ON xtbatch_mgr.attempt (batch_id);
CREATE INDEX attempt_ended_at ON xtbatch_mgr.attempt (ended_at);

CREATE TABLE xtbatch_mgr.worker (
    worker        text PRIMARY KEY,
    queue         text NOT NULL,
    hostname      text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    heartbeat_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE xtbatch_mgr.worker IS 'Celery workers serving this database, with heartbeats.';

CREATE TABLE xtbatch_mgr.periodic (
    name          text NOT NULL,
    due_at        timestamptz NOT NULL,
    batch_id      integer,
    submitted_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (name, due_at)
);
COMMENT ON TABLE xtbatch_mgr.periodic IS
    'Periodic submissions by beat: the key makes a second beat''s submission a no-op.';

CREATE INDEX IF NOT EXISTS xtbatch_mgr_batch_due
    ON xtbatch.batch (batch_scheduled, batch_id) WHERE batch_started IS NULL;

CREATE FUNCTION xtbatch_mgr.batch_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('xtbatch_batch',
                      COALESCE(NEW.batch_id, OLD.batch_id)::text || ' ' || lower(TG_OP));
    RETURN NULL;
END;
$$;

CREATE TRIGGER xtbatch_mgr_batch_inserted AFTER INSERT ON xtbatch.batch
    FOR EACH ROW EXECUTE FUNCTION xtbatch_mgr.batch_changed();
-- A reschedule or retry makes a job due again; our own claim (started set) needs no wake-up.
CREATE TRIGGER xtbatch_mgr_batch_rescheduled AFTER UPDATE ON xtbatch.batch
    FOR EACH ROW
    WHEN (NEW.batch_started IS NULL
          AND (OLD.batch_scheduled IS DISTINCT FROM NEW.batch_scheduled
               OR OLD.batch_started IS NOT NULL))
    EXECUTE FUNCTION xtbatch_mgr.batch_changed();
CREATE TRIGGER xtbatch_mgr_batch_deleted AFTER DELETE ON xtbatch.batch
    FOR EACH ROW EXECUTE FUNCTION xtbatch_mgr.batch_changed();
