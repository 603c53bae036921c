-- The state changes of a job, each one statement for the caller and one transaction.

-- Wake the bridge whenever an attempt stops being active.
CREATE FUNCTION xtbatch_mgr.attempt_ended() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('xtbatch_done', NEW.batch_id::text || ' ' || NEW.state);
    RETURN NULL;
END;
$$;

CREATE TRIGGER attempt_ended AFTER UPDATE OF state ON xtbatch_mgr.attempt
    FOR EACH ROW WHEN (NEW.state NOT IN ('dispatched', 'running'))
    EXECUTE FUNCTION xtbatch_mgr.attempt_ended();

-- Record a dispatch. NULL when the job is no longer due or another attempt is active.
CREATE FUNCTION xtbatch_mgr.dispatch(p_batch_id integer, p_task_id uuid, p_bridge text)
RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO xtbatch_mgr.attempt (task_id, batch_id, batch_action, bridge, sent_at,
                                     sent_count)
    SELECT p_task_id, b.batch_id, b.batch_action, p_bridge, clock_timestamp(), 1
      FROM xtbatch.batch b
     WHERE b.batch_id = p_batch_id AND b.batch_started IS NULL
    ON CONFLICT DO NOTHING
    RETURNING attempt_id;
$$;

-- A worker claims the job of a delivered message: only the current dispatch of a job that
-- has not started may run, so a second delivery of the same message does nothing.
CREATE FUNCTION xtbatch_mgr.claim(p_task_id uuid, p_worker text, p_pid integer)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    _attempt xtbatch_mgr.attempt;
    _rows    integer;
BEGIN
    SELECT * INTO _attempt FROM xtbatch_mgr.attempt WHERE task_id = p_task_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'unknown';
    END IF;
    IF _attempt.state <> 'dispatched' THEN
        RETURN 'already ' || _attempt.state;
    END IF;
    UPDATE xtbatch.batch SET batch_started = localtimestamp
     WHERE batch_id = _attempt.batch_id
       AND batch_started IS NULL AND batch_completed IS NULL;
    GET DIAGNOSTICS _rows = ROW_COUNT;
    IF _rows = 0 THEN
        UPDATE xtbatch_mgr.attempt
           SET state = 'cancelled', ended_at = clock_timestamp(),
               detail = CASE WHEN EXISTS (SELECT 1 FROM xtbatch.batch
                                           WHERE batch_id = _attempt.batch_id)
                             THEN 'the job had already started or completed'
                             ELSE 'the job was cancelled before it started' END
         WHERE attempt_id = _attempt.attempt_id;
        RETURN 'cancelled';
    END IF;
    UPDATE xtbatch_mgr.attempt
       SET state = 'running', started_at = clock_timestamp(), heartbeat_at = clock_timestamp(),
           worker = p_worker, worker_pid = p_pid
     WHERE attempt_id = _attempt.attempt_id;
    -- For status screens (`xtbatch status --watch`); the bridge does not listen to it.
    PERFORM pg_notify('xtbatch_started', _attempt.batch_id::text);
    RETURN 'claimed';
END;
$$;

-- The next run of a legacy D/W/M recurring job: whole intervals after its schedule until it
-- lies in the future, as a copy of the job and its parameters.
CREATE FUNCTION xtbatch_mgr.schedule_recurrence(p_batch_id integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    _job      xtbatch.batch;
    _step     interval;
    _base     timestamp;
    _next     timestamp;
    _k        integer := 1;
    _new_id   integer;
BEGIN
    SELECT * INTO _job FROM xtbatch.batch WHERE batch_id = p_batch_id;
    _step := CASE upper(_job.batch_reschedinterval)
                 WHEN 'D' THEN interval '1 day'
                 WHEN 'W' THEN interval '7 days'
                 WHEN 'M' THEN interval '1 month' END;
    IF _step IS NULL THEN
        RETURN NULL;
    END IF;
    _base := COALESCE(_job.batch_scheduled, _job.batch_started, localtimestamp);
    -- Start near the answer (a job scheduled long ago must not loop for every interval),
    -- then step to the first run strictly in the future.
    IF _base < localtimestamp THEN
        _k := GREATEST(1, CASE WHEN _step = interval '1 month'
            THEN ((date_part('year', localtimestamp) - date_part('year', _base)) * 12
                  + date_part('month', localtimestamp) - date_part('month', _base))::integer - 1
            ELSE floor(EXTRACT(EPOCH FROM localtimestamp - _base)
                       / EXTRACT(EPOCH FROM _step))::integer END);
    END IF;
    LOOP
        _next := _base + _k * _step;
        EXIT WHEN _next > localtimestamp;
        _k := _k + 1;
    END LOOP;
    INSERT INTO xtbatch.batch (batch_action, batch_parameter, batch_user, batch_email,
                               batch_submitted, batch_scheduled, batch_responsebody,
                               batch_subject, batch_filename, batch_fromemail,
                               batch_reschedinterval, batch_cc, batch_emailhtml,
                               batch_replyto, batch_bcc, batch_recurring_batch_id)
    SELECT batch_action, batch_parameter, batch_user, batch_email, localtimestamp, _next,
           batch_responsebody, batch_subject, batch_filename, batch_fromemail,
           batch_reschedinterval, batch_cc, batch_emailhtml, batch_replyto, batch_bcc,
           batch_recurring_batch_id
      FROM xtbatch.batch WHERE batch_id = p_batch_id
    RETURNING batch_id INTO _new_id;
    INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order, batchparam_name,
                                    batchparam_value, batchparam_type)
    SELECT _new_id, batchparam_order, batchparam_name, batchparam_value, batchparam_type
      FROM xtbatch.batchparam WHERE batchparam_batch_id = p_batch_id
     ORDER BY batchparam_order;
    RETURN _new_id;
END;
$$;

-- Write a finished attempt back to the ERP row. Returns what happened:
-- p_succeeded says whether the job's own work succeeded (the exit status may still carry a
-- failed notification); NULL derives it from the exit status.
-- 'completed'; 'gone' (the job was cancelled while it ran); 'rescheduled' (the ERP made it
-- due again while it ran: the reschedule wins); 'not running' (the attempt had already been
-- ended, e.g. taken as interrupted).
CREATE FUNCTION xtbatch_mgr.complete(p_task_id uuid, p_exitstatus text,
                                     p_succeeded boolean DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    _attempt xtbatch_mgr.attempt;
    _rows    integer;
    _result  text;
BEGIN
    SELECT * INTO _attempt FROM xtbatch_mgr.attempt WHERE task_id = p_task_id FOR UPDATE;
    IF NOT FOUND OR _attempt.state <> 'running' THEN
        RETURN 'not running';
    END IF;
    UPDATE xtbatch.batch
       SET batch_completed = localtimestamp, batch_exitstatus = COALESCE(p_exitstatus, '')
     WHERE batch_id = _attempt.batch_id
       AND batch_started IS NOT NULL AND batch_completed IS NULL;
    GET DIAGNOSTICS _rows = ROW_COUNT;
    IF _rows = 1 THEN
        _result := 'completed';
        PERFORM xtbatch_mgr.schedule_recurrence(_attempt.batch_id);
    ELSIF EXISTS (SELECT 1 FROM xtbatch.batch WHERE batch_id = _attempt.batch_id) THEN
        _result := 'rescheduled';
    ELSE
        _result := 'gone';
    END IF;
    UPDATE xtbatch_mgr.attempt
       SET state = CASE WHEN COALESCE(p_succeeded, COALESCE(p_exitstatus, '') = '')
                        THEN 'succeeded' ELSE 'failed' END,
           ended_at = clock_timestamp(),
           detail = CASE _result WHEN 'completed' THEN left(p_exitstatus, 2000)
                                 ELSE 'row ' || _result || ' while the job ran; '
                                      || COALESCE(left(p_exitstatus, 2000), 'succeeded') END
     WHERE attempt_id = _attempt.attempt_id;
    RETURN _result;
END;
$$;

-- End an attempt whose worker stopped: run the job again (p_rerun) or end it with p_reason.
CREATE FUNCTION xtbatch_mgr.interrupt(p_attempt_id bigint, p_reason text, p_rerun boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    _attempt xtbatch_mgr.attempt;
BEGIN
    SELECT * INTO _attempt FROM xtbatch_mgr.attempt WHERE attempt_id = p_attempt_id FOR UPDATE;
    IF NOT FOUND OR _attempt.state NOT IN ('dispatched', 'running') THEN
        RETURN 'not active';
    END IF;
    UPDATE xtbatch_mgr.attempt
       SET state = 'interrupted', ended_at = clock_timestamp(), detail = p_reason
     WHERE attempt_id = p_attempt_id;
    IF p_rerun THEN
        UPDATE xtbatch.batch SET batch_started = NULL
         WHERE batch_id = _attempt.batch_id AND batch_completed IS NULL;
        RETURN 'rerun';
    END IF;
    UPDATE xtbatch.batch SET batch_completed = localtimestamp, batch_exitstatus = p_reason
     WHERE batch_id = _attempt.batch_id
       AND batch_started IS NOT NULL AND batch_completed IS NULL;
    RETURN 'ended';
END;
$$;

-- xTuple's optional objects, read without failing where the database lacks them (a plain
-- SQL statement naming a missing table fails when it is parsed, whatever guards it).
CREATE FUNCTION xtbatch_mgr.metric_text(p_name text)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    _value text;
BEGIN
    IF to_regclass('public.metric') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT metric_value FROM public.metric WHERE metric_name = $1 LIMIT 1'
       INTO _value USING p_name;
    RETURN _value;
END;
$$;
