-- The submitter's notice is bookkeeping of its own. In xTuple a non-empty batch_exitstatus
-- means the job failed, so the exit status of a job that succeeded stays empty even when its
-- submitter could not be told; how the submitter was told, or why not, is kept on the attempt.
-- A failed job whose notice also failed gains one line in its exit status (docs/operations.md).

ALTER TABLE xtbatch_mgr.attempt
    ADD COLUMN IF NOT EXISTS notice text,
    ADD COLUMN IF NOT EXISTS notice_failed boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN xtbatch_mgr.attempt.notice IS
    'How the submitter was told the job ended (email, system message), or why nobody was.';
COMMENT ON COLUMN xtbatch_mgr.attempt.notice_failed IS
    'True when the submitter could not be told at all.';

-- The bridge counts failed notices for /metrics from this payload: '<batch_id> <state>',
-- plus ' notice_failed' when the submitter could not be told.
CREATE OR REPLACE FUNCTION xtbatch_mgr.attempt_ended() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('xtbatch_done',
                      NEW.batch_id::text || ' ' || NEW.state
                      || CASE WHEN NEW.notice_failed THEN ' notice_failed' ELSE '' END);
    RETURN NULL;
END;
$$;

-- complete() gains the notice. The old three-argument function goes: a call with three
-- arguments would match both it and the new one (its last two have defaults).
DROP FUNCTION IF EXISTS xtbatch_mgr.complete(uuid, text, boolean);

-- Write a finished attempt back to the ERP row. Returns what happened:
-- 'completed'; 'gone' (the job was cancelled while it ran); 'rescheduled' (the ERP made it
-- due again while it ran: the reschedule wins); 'not running' (the attempt had already been
-- ended, e.g. taken as interrupted).
-- p_exitstatus is the row's exit status: empty when the job succeeded. p_succeeded says
-- whether the job's own work succeeded (NULL: derived from the exit status). p_notice says how
-- the submitter was told or why not; p_notice_failed that nobody could be told.
CREATE FUNCTION xtbatch_mgr.complete(p_task_id uuid, p_exitstatus text,
                                     p_succeeded boolean DEFAULT NULL,
                                     p_notice text DEFAULT NULL,
                                     p_notice_failed boolean DEFAULT false)
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
                                      || COALESCE(left(p_exitstatus, 2000), 'succeeded') END,
           notice = left(p_notice, 2000),
           notice_failed = COALESCE(p_notice_failed, false)
     WHERE attempt_id = _attempt.attempt_id;
    RETURN _result;
END;
$$;
