-- The claim returns the job it claimed (issue 15: "claim plus job row plus params in one
-- statement"). Until now the worker sent the claim and the read of the job's row and
-- parameters as two statements in one pipelined round trip; one statement costs the worker
-- and the database less on every job's path.

-- One batch row, named as xtbatch.jobs.Job's fields, with its parameters in order as a JSON
-- list named as xtbatch.jobs.RawParam's fields. Every column is cast to the type declared
-- here, so the function fits whichever column types the ERP's own xtbatch.batch has.
CREATE FUNCTION xtbatch_mgr.job_run(p_batch_id integer)
RETURNS TABLE (batch_id integer, action text, parameter text, "user" text, email text,
               submitted timestamp, scheduled timestamp, started timestamp,
               completed timestamp, subject text, body text, filename text, exitstatus text,
               from_email text, cc text, bcc text, reply_to text, email_html boolean,
               resched_interval text, params json)
LANGUAGE sql STABLE AS $$
    SELECT b.batch_id::integer, COALESCE(b.batch_action::text, ''), b.batch_parameter::text,
           b.batch_user::text, b.batch_email::text, b.batch_submitted::timestamp,
           b.batch_scheduled::timestamp, b.batch_started::timestamp,
           b.batch_completed::timestamp, b.batch_subject::text, b.batch_responsebody::text,
           b.batch_filename::text, b.batch_exitstatus::text, b.batch_fromemail::text,
           b.batch_cc::text, b.batch_bcc::text, b.batch_replyto::text,
           COALESCE(b.batch_emailhtml::boolean, false), b.batch_reschedinterval::text,
           COALESCE((SELECT json_agg(json_build_object(
                                'order', p.batchparam_order, 'name', p.batchparam_name,
                                'value', p.batchparam_value, 'type', p.batchparam_type)
                            ORDER BY p.batchparam_order, p.batchparam_id)
                       FROM xtbatch.batchparam p
                      WHERE p.batchparam_batch_id = b.batch_id), '[]')
      FROM xtbatch.batch b WHERE b.batch_id = p_batch_id;
$$;

-- The claim, the guard and, when claimed, the job's row and parameters as the claim left
-- them, in one statement; first it drops any guard this session still holds (the worker's
-- control session holds only guards, and releases the job's guard when it writes the
-- outcome).
DROP FUNCTION xtbatch_mgr.claim_guarded(uuid, text, integer, integer);
CREATE FUNCTION xtbatch_mgr.claim_guarded(p_task_id uuid, p_worker text, p_pid integer,
                                          p_guard_class integer)
RETURNS TABLE (result text, guarded boolean, claimed_batch_id integer, batch_id integer,
               action text, parameter text, "user" text, email text, submitted timestamp,
               scheduled timestamp, started timestamp, completed timestamp, subject text,
               body text, filename text, exitstatus text, from_email text, cc text,
               bcc text, reply_to text, email_html boolean, resched_interval text,
               params json)
LANGUAGE plpgsql AS $$
DECLARE
    _result text;
    _batch  integer;
BEGIN
    PERFORM pg_advisory_unlock_all();
    _result := xtbatch_mgr.claim(p_task_id, p_worker, p_pid);
    IF _result <> 'claimed' THEN  -- why this delivery may not run; nothing else
        result := _result;
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT a.batch_id INTO _batch FROM xtbatch_mgr.attempt a WHERE a.task_id = p_task_id;
    -- The job's row is locked by the claim, so it is there; batch_id is NULL only if not.
    RETURN QUERY
    SELECT _result, pg_try_advisory_lock(p_guard_class, _batch), _batch, j.*
      FROM (SELECT 1) one LEFT JOIN xtbatch_mgr.job_run(_batch) j ON true;
END;
$$;
