-- name: console_session
-- Whether xtbatch is installed (checked without touching a missing table) and who we are.
SELECT to_regclass('xtbatch_mgr.migration') IS NOT NULL
       AND to_regclass('xtbatch.batch') IS NOT NULL AS installed,
       current_user AS username;

-- name: console_status_rows
-- The status screen: by default the connected user's jobs not yet completed, in the
-- xTuple Connect Console's order (batch_scheduled, then id; never-scheduled last). The run
-- status is xtbatch.jobs.run_status's to compute.
SELECT batch_id, batch_user, batch_action, batch_parameter, batch_submitted,
       batch_scheduled, batch_started, batch_completed, batch_exitstatus
  FROM xtbatch.batch
 WHERE (%(all_users)s OR batch_user = COALESCE(%(user)s::text, current_user))
   AND (%(completed)s OR batch_completed IS NULL)
   AND (%(kind)s::text IS NULL OR lower(batch_action) = lower(%(kind)s::text))
   AND (%(since)s::timestamp IS NULL
        OR GREATEST(batch_submitted, batch_scheduled, batch_started, batch_completed)
           >= %(since)s::timestamp)
 ORDER BY batch_scheduled NULLS LAST, batch_id
 LIMIT %(limit)s;

-- name: console_jobs_locked
-- The named jobs, locked until the end of the transaction.
SELECT batch_id, batch_action, batch_user, batch_scheduled, batch_started, batch_completed
  FROM xtbatch.batch
 WHERE batch_id = ANY(%(ids)s::integer[])
 ORDER BY batch_id
   FOR UPDATE;

-- name: console_submit_email
-- Submit a plain email job the way the desktop client does (10-argument form).
SELECT xtbatch.submitEmailToBatch(%(from)s, %(to)s, %(cc)s, %(subject)s, %(body)s,
                                  %(filename)s, %(scheduled)s::timestamp, %(html)s,
                                  %(reply_to)s, %(bcc)s) AS batch_id;

-- name: console_submit_report
-- Submit a RunReport job the way the desktop client does (9-argument form).
SELECT xtbatch.submitReportToBatch(%(report)s, %(from)s, %(to)s, %(cc)s, %(subject)s,
                                   %(body)s, %(filename)s, %(scheduled)s::timestamp,
                                   %(html)s) AS batch_id;

-- name: console_set_headers
-- The email headers the submit functions take no argument for (blank stays unchanged).
UPDATE xtbatch.batch
   SET batch_bcc = COALESCE(%(bcc)s, batch_bcc),
       batch_replyto = COALESCE(%(reply_to)s, batch_replyto)
 WHERE batch_id = %(batch_id)s;

-- name: console_scheduled_at
-- When a job is now scheduled (after a reschedule).
SELECT batch_scheduled FROM xtbatch.batch WHERE batch_id = %(batch_id)s;

-- name: console_listen
-- The channels xtbatch's triggers notify: a job inserted, rescheduled or deleted; an
-- attempt ended.
LISTEN xtbatch_batch;
LISTEN xtbatch_done;

-- name: console_submit_action
-- Submit a job the way the desktop client does; the time is the database's local time.
SELECT xtbatch.submitActionToBatch(%(action)s, %(email)s, %(scheduled)s::timestamp)
       AS batch_id;

-- name: console_reschedule
-- Make a job due again at a time (NULL: now); the time is the database's local time.
SELECT xtbatch.rescheduleBatchItem(%(batch_id)s, %(scheduled)s::timestamp) AS batch_id;

-- name: console_report_table
-- Whether xTuple's report table is on the session's search path.
SELECT to_regclass('report') IS NOT NULL AS present;

-- name: console_report_exists
-- Whether some grade of a report of that name exists.
SELECT EXISTS (SELECT 1 FROM report WHERE report_name = %(name)s) AS present;

-- name: console_job_gone
-- What xtbatch remembers of a batch id that has no row: its last attempt, and whether the id
-- was ever handed out (cancelBatchItem deletes the row; the sequence keeps counting).
SELECT a.batch_action, a.state, a.ended_at, a.dispatched_at,
       %(batch_id)s <= COALESCE(
           pg_sequence_last_value(pg_get_serial_sequence('xtbatch.batch', 'batch_id')), 0)
           AS issued
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (SELECT batch_action, state, ended_at, dispatched_at
                       FROM xtbatch_mgr.attempt
                      WHERE batch_id = %(batch_id)s
                      ORDER BY attempt_id DESC LIMIT 1) AS a ON true;
