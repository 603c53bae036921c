-- Dispatch one job ahead (issue 15). While job N runs, the bridge records and publishes the
-- next due job, N+1; the broker hands it over the moment N is acknowledged (prefetch 1, late
-- ack), so the worker never waits for the bridge. At most one attempt runs and at most one
-- waits on the queue, each enforced by its own index.
--
-- The claim of a waiting job now refuses it when it is no longer its turn:
-- - 'busy': another attempt still runs (its worker died and the bridge has not ended it yet,
--   or a second worker serves the queue). The attempt stays dispatched with sent_at NULL
--   (no message of it is on the queue any more); the bridge sends it again once nothing runs.
-- - 'superseded': it is no longer the oldest due job (an earlier one was submitted or
--   rescheduled meanwhile, or it was itself rescheduled into the future). The attempt ends
--   'cancelled' and the bridge, woken by that, dispatches the job whose turn it is.

DROP INDEX xtbatch_mgr.attempt_one_active;
CREATE UNIQUE INDEX attempt_one_running ON xtbatch_mgr.attempt ((true))
    WHERE state = 'running';
CREATE UNIQUE INDEX attempt_one_queued ON xtbatch_mgr.attempt ((true))
    WHERE state = 'dispatched';
-- The attempts in flight, found without reading the history (the bridge's every step).
CREATE INDEX attempt_in_flight ON xtbatch_mgr.attempt (state)
    WHERE state IN ('dispatched', 'running');

-- The next due job, as before, but never one that is running now (the ERP can make a running
-- job due again: its next run is dispatched once this one ended).
CREATE OR REPLACE FUNCTION xtbatch_mgr.next_due()
RETURNS TABLE (batch_id integer, batch_action text, batch_user text,
               batch_scheduled timestamp)
LANGUAGE sql STABLE AS $$
    SELECT d.batch_id, d.batch_action, d.batch_user, d.batch_scheduled
      FROM ((SELECT b.batch_id, b.batch_action, b.batch_user, b.batch_scheduled, 0 AS asap
               FROM xtbatch.batch b
              WHERE b.batch_started IS NULL AND b.batch_scheduled <= localtimestamp
                AND NOT EXISTS (SELECT 1 FROM xtbatch_mgr.attempt r
                                 WHERE r.state = 'running' AND r.batch_id = b.batch_id)
              ORDER BY b.batch_scheduled, b.batch_id LIMIT 1)
            UNION ALL
            (SELECT b.batch_id, b.batch_action, b.batch_user, b.batch_scheduled, 1 AS asap
               FROM xtbatch.batch b
              WHERE b.batch_started IS NULL AND b.batch_scheduled IS NULL
                AND NOT EXISTS (SELECT 1 FROM xtbatch_mgr.attempt r
                                 WHERE r.state = 'running' AND r.batch_id = b.batch_id)
              ORDER BY b.batch_id LIMIT 1)) d
     ORDER BY d.asap, d.batch_scheduled, d.batch_id
     LIMIT 1;
$$;

-- A worker claims the job of a delivered message: only the current dispatch of a job that
-- has not started, whose turn it is, while nothing else runs.
CREATE OR REPLACE FUNCTION xtbatch_mgr.claim(p_task_id uuid, p_worker text, p_pid integer)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    _attempt xtbatch_mgr.attempt;
    _job     record;
    _found   boolean;
    _next    integer;
BEGIN
    SELECT * INTO _attempt FROM xtbatch_mgr.attempt WHERE task_id = p_task_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'unknown';
    END IF;
    IF _attempt.state <> 'dispatched' THEN
        RETURN 'already ' || _attempt.state;
    END IF;
    SELECT b.batch_scheduled, b.batch_started, b.batch_completed INTO _job
      FROM xtbatch.batch b WHERE b.batch_id = _attempt.batch_id FOR UPDATE;
    _found := FOUND;
    IF NOT _found OR _job.batch_started IS NOT NULL OR _job.batch_completed IS NOT NULL THEN
        UPDATE xtbatch_mgr.attempt
           SET state = 'cancelled', ended_at = clock_timestamp(),
               detail = CASE WHEN NOT _found THEN 'the job was cancelled before it started'
                             ELSE 'the job had already started or completed' END
         WHERE attempt_id = _attempt.attempt_id;
        RETURN 'cancelled';
    END IF;
    IF EXISTS (SELECT 1 FROM xtbatch_mgr.attempt WHERE state = 'running') THEN
        UPDATE xtbatch_mgr.attempt SET sent_at = NULL WHERE attempt_id = _attempt.attempt_id;
        PERFORM pg_notify('xtbatch_started', _attempt.batch_id::text || ' busy');
        RETURN 'busy';
    END IF;
    SELECT n.batch_id INTO _next FROM xtbatch_mgr.next_due() n;
    IF _next IS DISTINCT FROM _attempt.batch_id THEN
        UPDATE xtbatch_mgr.attempt
           SET state = 'cancelled', ended_at = clock_timestamp(),
               detail = CASE WHEN _job.batch_scheduled > localtimestamp
                             THEN 'superseded: the job was rescheduled to '
                                  || to_char(_job.batch_scheduled, 'YYYY-MM-DD HH24:MI:SS')
                                  || ' before a worker took it'
                             ELSE 'superseded: job ' || _next || ' was due before it' END
         WHERE attempt_id = _attempt.attempt_id;
        RETURN 'superseded';
    END IF;
    UPDATE xtbatch.batch SET batch_started = localtimestamp
     WHERE batch_id = _attempt.batch_id;
    UPDATE xtbatch_mgr.attempt
       SET state = 'running', started_at = clock_timestamp(), heartbeat_at = clock_timestamp(),
           worker = p_worker, worker_pid = p_pid
     WHERE attempt_id = _attempt.attempt_id;
    -- Wakes the bridge, which dispatches the next job ahead, and status screens.
    PERFORM pg_notify('xtbatch_started', _attempt.batch_id::text);
    RETURN 'claimed';
END;
$$;

-- The claim and the guard in one statement, as before; first it drops any guard this
-- session still holds (the worker's control session holds only guards, and releases the
-- job's guard when it writes the outcome).
CREATE OR REPLACE FUNCTION xtbatch_mgr.claim_guarded(p_task_id uuid, p_worker text,
                                                     p_pid integer, p_guard_class integer)
RETURNS TABLE (result text, batch_id integer, guarded boolean)
LANGUAGE plpgsql AS $$
DECLARE
    _result text;
    _batch  integer;
BEGIN
    PERFORM pg_advisory_unlock_all();
    _result := xtbatch_mgr.claim(p_task_id, p_worker, p_pid);
    SELECT a.batch_id INTO _batch FROM xtbatch_mgr.attempt a WHERE a.task_id = p_task_id;
    RETURN QUERY
    SELECT _result, _batch,
           CASE WHEN _result = 'claimed' THEN pg_try_advisory_lock(p_guard_class, _batch) END;
END;
$$;

-- The bridge's one statement per step. Rows, in any order:
-- 'running': the attempt running now (heartbeat_age);
-- 'queued': the attempt waiting on the queue (still_due: it is still the next due job;
--   sent_age: seconds since its message could last have been taken: since it was sent or
--   the last attempt ended, whichever is later; NULL when a claim refused it as busy);
-- and when nothing is queued, one of: 'dispatched' (the next due job, recorded before its
-- message is sent), 'raced' (it was taken in between: look again), 'idle' (seconds_to_next).
CREATE OR REPLACE FUNCTION xtbatch_mgr.dispatch_next(p_task_id uuid, p_bridge text)
RETURNS TABLE (outcome text, attempt_id bigint, task_id uuid, batch_id integer,
               batch_action text, batch_user text, state text, worker text,
               still_due boolean, heartbeat_age float8, sent_age float8, due_for float8,
               seconds_to_next float8)
LANGUAGE plpgsql AS $$
DECLARE
    _due     record;
    _attempt bigint;
BEGIN
    RETURN QUERY
    SELECT CASE a.state WHEN 'running' THEN 'running' ELSE 'queued' END, a.attempt_id,
           a.task_id, a.batch_id, a.batch_action, NULL::text, a.state, a.worker,
           CASE WHEN a.state = 'dispatched'
                THEN a.batch_id IS NOT DISTINCT FROM (SELECT n.batch_id
                                                        FROM xtbatch_mgr.next_due() n) END,
           EXTRACT(EPOCH FROM clock_timestamp() - COALESCE(a.heartbeat_at, a.started_at))::float8,
           CASE WHEN a.state = 'dispatched' AND a.sent_at IS NOT NULL
                THEN EXTRACT(EPOCH FROM clock_timestamp()
                                        - GREATEST(a.sent_at, (SELECT max(e.ended_at)
                                                                 FROM xtbatch_mgr.attempt e)))
                     ::float8 END,
           NULL::float8, NULL::float8
      FROM xtbatch_mgr.attempt a
     WHERE a.state IN ('dispatched', 'running');
    PERFORM 1 FROM xtbatch_mgr.attempt a WHERE a.state = 'dispatched';
    IF FOUND THEN
        RETURN;
    END IF;

    SELECT * INTO _due FROM xtbatch_mgr.next_due();
    IF NOT FOUND THEN
        RETURN QUERY
        SELECT 'idle', NULL::bigint, NULL::uuid, NULL::integer, NULL::text, NULL::text,
               NULL::text, NULL::text, NULL::boolean, NULL::float8, NULL::float8, NULL::float8,
               (SELECT EXTRACT(EPOCH FROM (min(b.batch_scheduled) - localtimestamp))::float8
                  FROM xtbatch.batch b
                 WHERE b.batch_started IS NULL AND b.batch_scheduled > localtimestamp);
        RETURN;
    END IF;

    -- The dispatch commits without waiting for its WAL flush, which would otherwise stall
    -- the worker's commits behind it. Safe: a dispatch lost in a crash leaves a message
    -- naming an attempt the database does not know; its claim answers 'unknown' and runs
    -- nothing, and the job, still due, is dispatched again. Any later synchronous commit
    -- (the claim) flushes it first.
    PERFORM set_config('synchronous_commit', 'off', true);
    _attempt := xtbatch_mgr.dispatch(_due.batch_id, p_task_id, p_bridge);
    RETURN QUERY
    SELECT CASE WHEN _attempt IS NULL THEN 'raced' ELSE 'dispatched' END, _attempt, p_task_id,
           _due.batch_id, _due.batch_action, _due.batch_user, 'dispatched'::text, NULL::text,
           true, NULL::float8, NULL::float8,
           EXTRACT(EPOCH FROM localtimestamp - _due.batch_scheduled)::float8, NULL::float8;
END;
$$;
