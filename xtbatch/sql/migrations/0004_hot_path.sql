-- The hot path of a job in fewer round trips: the worker claims and guards in one
-- statement, the bridge finds, checks and dispatches in one.

-- The worker's first statement for a job: claim it and take its guard in one round trip.
-- The guard is a session advisory lock on the job id, held while the job runs, so that a job
-- never runs in two sessions at once, whatever happened to the bookkeeping.
CREATE FUNCTION xtbatch_mgr.claim_guarded(p_task_id uuid, p_worker text, p_pid integer,
                                          p_guard_class integer)
RETURNS TABLE (result text, batch_id integer, guarded boolean)
LANGUAGE plpgsql AS $$
DECLARE
    _result text;
    _batch  integer;
BEGIN
    _result := xtbatch_mgr.claim(p_task_id, p_worker, p_pid);
    SELECT a.batch_id INTO _batch FROM xtbatch_mgr.attempt a WHERE a.task_id = p_task_id;
    RETURN QUERY
    SELECT _result, _batch,
           CASE WHEN _result = 'claimed' THEN pg_try_advisory_lock(p_guard_class, _batch) END;
END;
$$;

-- The next due job: oldest batch_scheduled first, then batch_id; NULL scheduled means "now",
-- so it waits behind every job scheduled in the past. Both halves read the partial index.
-- A plain SQL function, so the planner inlines it (EXPLAIN shows the real plan).
CREATE FUNCTION xtbatch_mgr.next_due()
RETURNS TABLE (batch_id integer, batch_action text, batch_user text,
               batch_scheduled timestamp)
LANGUAGE sql STABLE AS $$
    SELECT d.batch_id, d.batch_action, d.batch_user, d.batch_scheduled
      FROM ((SELECT b.batch_id, b.batch_action, b.batch_user, b.batch_scheduled, 0 AS asap
               FROM xtbatch.batch b
              WHERE b.batch_started IS NULL AND b.batch_scheduled <= localtimestamp
              ORDER BY b.batch_scheduled, b.batch_id LIMIT 1)
            UNION ALL
            (SELECT b.batch_id, b.batch_action, b.batch_user, b.batch_scheduled, 1 AS asap
               FROM xtbatch.batch b
              WHERE b.batch_started IS NULL AND b.batch_scheduled IS NULL
              ORDER BY b.batch_id LIMIT 1)) d
     ORDER BY d.asap, d.batch_scheduled, d.batch_id
     LIMIT 1;
$$;

-- The bridge's one statement per step: the attempt in flight, if any; else the dispatch of
-- the next due job (oldest batch_scheduled, then batch_id; NULL scheduled means "now", so it
-- waits behind every job scheduled in the past), recorded before the message is sent; else
-- the seconds until the next scheduled job. outcome: 'active', 'dispatched', 'raced' (the
-- job was taken in between: look again) or 'idle'.
CREATE FUNCTION xtbatch_mgr.dispatch_next(p_task_id uuid, p_bridge text)
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
    SELECT 'active', a.attempt_id, a.task_id, a.batch_id, a.batch_action, NULL::text, a.state,
           a.worker,
           EXISTS (SELECT 1 FROM xtbatch.batch b
                    WHERE b.batch_id = a.batch_id AND b.batch_started IS NULL),
           EXTRACT(EPOCH FROM clock_timestamp() - COALESCE(a.heartbeat_at, a.started_at))::float8,
           EXTRACT(EPOCH FROM clock_timestamp() - a.sent_at)::float8,
           NULL::float8, NULL::float8
      FROM xtbatch_mgr.attempt a
     WHERE a.state IN ('dispatched', 'running');
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

    _attempt := xtbatch_mgr.dispatch(_due.batch_id, p_task_id, p_bridge);
    RETURN QUERY
    SELECT CASE WHEN _attempt IS NULL THEN 'raced' ELSE 'dispatched' END, _attempt, p_task_id,
           _due.batch_id, _due.batch_action, _due.batch_user, 'dispatched'::text, NULL::text,
           true, NULL::float8, NULL::float8,
           EXTRACT(EPOCH FROM localtimestamp - _due.batch_scheduled)::float8, NULL::float8;
END;
$$;
