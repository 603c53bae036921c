-- name: lock_migrations
-- Serialise concurrent installs.
SELECT pg_advisory_xact_lock(hashtext('xtbatch.install'));

-- name: bootstrap
-- xtbatch's own schema and the table that records applied migrations.
CREATE SCHEMA IF NOT EXISTS xtbatch_mgr;
CREATE TABLE IF NOT EXISTS xtbatch_mgr.migration (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- name: applied_migrations
-- Versions already applied.
SELECT version FROM xtbatch_mgr.migration ORDER BY version;

-- name: record_migration
-- Remember an applied migration.
INSERT INTO xtbatch_mgr.migration (version, name) VALUES (%(version)s, %(name)s);

-- name: schema_present
-- Whether xtbatch's bookkeeping schema exists (its migration table).
SELECT to_regclass('xtbatch_mgr.migration') IS NOT NULL AS present;

-- name: schema_version
-- The newest applied migration (only ask when schema_present).
SELECT max(version) AS version FROM xtbatch_mgr.migration;

-- name: try_leader_lock
-- The session advisory lock that makes one bridge the leader for this database (a standby
-- tries it every 0.1 s: a blocking wait would outlive a stopped or killed standby).
SELECT pg_try_advisory_lock(%(key)s) AS acquired;

-- name: leader_holder
-- Who holds the leader lock: the application_name of the holder's session.
SELECT a.application_name, a.client_addr::text AS client_addr, a.pid
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.classid = 0 AND l.objid = %(key)s::bigint::oid AND l.objsubid = 1;

-- name: active_attempt
-- The attempts in flight (the one running, the one waiting on the queue), with the age of
-- the heartbeat and of the last send.
SELECT attempt_id, task_id, batch_id, batch_action, state, sent_count, worker,
       EXISTS (SELECT 1 FROM xtbatch.batch b
                WHERE b.batch_id = a.batch_id AND b.batch_started IS NULL) AS still_due,
       EXTRACT(EPOCH FROM clock_timestamp() - COALESCE(heartbeat_at, started_at))::float8
           AS heartbeat_age,
       EXTRACT(EPOCH FROM clock_timestamp() - sent_at)::float8 AS sent_age,
       started_at
  FROM xtbatch_mgr.attempt a
 WHERE state IN ('dispatched', 'running')
 ORDER BY attempt_id;

-- name: drop_dispatch
-- End a dispatch whose job was cancelled, or started elsewhere, before any worker claimed it.
UPDATE xtbatch_mgr.attempt
   SET state = 'cancelled', ended_at = clock_timestamp(),
       detail = 'the job was cancelled or changed before a worker claimed it'
 WHERE attempt_id = %(attempt_id)s AND state = 'dispatched';

-- name: mark_resent
-- The bridge sent the message of an unclaimed dispatch again.
UPDATE xtbatch_mgr.attempt SET sent_at = clock_timestamp(), sent_count = sent_count + 1
 WHERE attempt_id = %(attempt_id)s AND state = 'dispatched';

-- name: attempt_session
-- The backend of a running attempt's worker, if it still has one: the session holding the
-- job's guard lock, or else the session the worker process claimed it on (it notifies the
-- submitter after releasing the guard). NULL: the worker's sessions are gone.
SELECT COALESCE(
         (SELECT l.pid FROM pg_locks l
           WHERE l.locktype = 'advisory' AND l.granted
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND l.classid = %(cls)s::bigint::oid AND l.objid = %(batch_id)s::bigint::oid
             AND l.objsubid = 2
           LIMIT 1),
         (SELECT s.pid FROM pg_stat_activity s JOIN xtbatch_mgr.attempt a
              ON s.application_name IN (
                     left('xtbatch-worker ' || split_part(a.worker, ':', 1) || ':'
                          || a.worker_pid, 63),
                     left('xtbatch-worker-job ' || split_part(a.worker, ':', 1) || ':'
                          || a.worker_pid, 63))
           WHERE a.attempt_id = %(attempt_id)s AND s.datname = current_database()
             -- opened before the claim: not a restarted worker that reuses the pid
             AND s.backend_start <= a.started_at
           LIMIT 1)) AS backend_pid;

-- name: session_keepalives
-- A worker's session: the server probes an idle connection after 10 s and drops it after 3
-- unanswered probes 5 s apart, so the session of a vanished host (power loss, network) ends
-- within about 25 s instead of the system's 2 hours (no effect over a Unix socket).
SELECT set_config('tcp_keepalives_idle', '10', false),
       set_config('tcp_keepalives_interval', '5', false),
       set_config('tcp_keepalives_count', '3', false);

-- name: interrupt
-- End an attempt whose worker stopped.
SELECT xtbatch_mgr.interrupt(%(attempt_id)s, %(reason)s, %(rerun)s) AS result;

-- name: interrupted_count
-- How often this job was already interrupted.
SELECT count(*) AS n FROM xtbatch_mgr.attempt
 WHERE batch_id = %(batch_id)s AND state = 'interrupted';

-- name: orphans
-- Jobs left In-Process with no attempt in flight (a worker of an older manager died).
SELECT b.batch_id, b.batch_started
  FROM xtbatch.batch b
 WHERE b.batch_started IS NOT NULL AND b.batch_completed IS NULL
   AND NOT EXISTS (SELECT 1 FROM xtbatch_mgr.attempt a
                    WHERE a.batch_id = b.batch_id AND a.state IN ('dispatched', 'running'));

-- name: end_orphan
-- Close a job left In-Process.
UPDATE xtbatch.batch SET batch_completed = localtimestamp, batch_exitstatus = %(reason)s
 WHERE batch_id = %(batch_id)s AND batch_started IS NOT NULL AND batch_completed IS NULL;

-- name: live_workers
-- Workers on this queue whose heartbeat is fresh.
SELECT worker, hostname, pid,
       EXTRACT(EPOCH FROM clock_timestamp() - heartbeat_at)::float8 AS age
  FROM xtbatch_mgr.worker
 WHERE queue = %(queue)s AND heartbeat_at > clock_timestamp() - make_interval(secs => %(within)s);

-- name: worker_heartbeat
-- A worker records that it is alive.
INSERT INTO xtbatch_mgr.worker (worker, queue, hostname, pid)
VALUES (%(worker)s, %(queue)s, %(hostname)s, %(pid)s)
ON CONFLICT (worker) DO UPDATE
   SET queue = EXCLUDED.queue, hostname = EXCLUDED.hostname, pid = EXCLUDED.pid,
       heartbeat_at = clock_timestamp(),
       started_at = CASE WHEN xtbatch_mgr.worker.pid = EXCLUDED.pid
                         THEN xtbatch_mgr.worker.started_at ELSE clock_timestamp() END;

-- name: worker_gone
-- A worker that stops cleanly removes its heartbeat.
DELETE FROM xtbatch_mgr.worker WHERE worker = %(worker)s;

-- name: claim
-- Claim the job of a delivered message, take its guard lock and, when claimed, read the
-- job's row and parameters, in one statement (migration 0008).
SELECT * FROM xtbatch_mgr.claim_guarded(%(task_id)s, %(worker)s, %(pid)s, %(guard_class)s);

-- name: job_heartbeat
-- A running job is alive; row_present is false once the ERP cancelled (deleted) the job.
UPDATE xtbatch_mgr.attempt a SET heartbeat_at = clock_timestamp()
 WHERE a.task_id = %(task_id)s AND a.state = 'running'
RETURNING EXISTS (SELECT 1 FROM xtbatch.batch b WHERE b.batch_id = a.batch_id) AS row_present;

-- name: complete
-- Write the outcome back to the ERP row, and how the submitter was told to the attempt;
-- then release the job's guard (the worker's control session holds nothing else).
SELECT xtbatch_mgr.complete(%(task_id)s, %(exitstatus)s, %(succeeded)s, %(notice)s,
                            %(notice_failed)s) AS result,
       pg_advisory_unlock_all() AS released;

-- name: job
-- One batch row.
SELECT * FROM xtbatch.batch WHERE batch_id = %(batch_id)s;

-- name: run_job
-- One batch row, named as xtbatch.jobs.Job's fields, with its parameters in order as a JSON
-- list named as xtbatch.jobs.RawParam's fields (one statement, one snapshot; migration 0008).
SELECT * FROM xtbatch_mgr.job_run(%(batch_id)s);

-- name: job_params
-- A job's parameters in order.
SELECT batchparam_order, batchparam_name, batchparam_value, batchparam_type
  FROM xtbatch.batchparam
 WHERE batchparam_batch_id = %(batch_id)s
 ORDER BY batchparam_order, batchparam_id;

-- name: metric_text
-- An xTuple metric's value, NULL when the metric table or the metric is absent.
SELECT xtbatch_mgr.metric_text(%(name)s) AS value;

-- name: has_post_message
-- Whether the database has xTuple's postMessage(text, text).
SELECT to_regprocedure('public.postmessage(text, text)') IS NOT NULL AS present,
       to_regclass('public.msg') IS NOT NULL AND to_regclass('public.msguser') IS NOT NULL
           AS tables;

-- name: post_message
-- Send an xTuple system message through the database's own postMessage.
SELECT public.postMessage(%(username)s, %(text)s) AS msg_id;

-- name: post_message_rows
-- A system message written to xTuple's msg and msguser tables (no postMessage function).
WITH m AS (
    INSERT INTO public.msg (msg_posted, msg_scheduled, msg_expires, msg_username, msg_text)
    VALUES (now(), now(), 'infinity', current_user, %(text)s)
    RETURNING msg_id)
INSERT INTO public.msguser (msguser_msg_id, msguser_username)
SELECT msg_id, %(username)s FROM m
RETURNING msguser_msg_id AS msg_id;

-- name: notify_message_posted
-- Tell xTuple clients that a message arrived.
NOTIFY "messagePosted";

-- name: current_user_info
-- The connected role and whether it is a superuser.
SELECT current_user AS username, rolsuper AS superuser
  FROM pg_roles WHERE rolname = current_user;

-- name: table_privileges
-- Which table privileges the connected role has on a table (NULL: no such table).
SELECT has_table_privilege(to_regclass(%(name)s), 'SELECT') AS "select",
       has_table_privilege(to_regclass(%(name)s), 'INSERT') AS "insert",
       has_table_privilege(to_regclass(%(name)s), 'UPDATE') AS "update",
       has_table_privilege(to_regclass(%(name)s), 'DELETE') AS "delete",
       -- PostgreSQL 17 added MAINTAIN (VACUUM, ANALYZE, REINDEX) for non-owners.
       CASE WHEN current_setting('server_version_num')::int >= 170000
            THEN has_table_privilege(to_regclass(%(name)s), 'MAINTAIN') END AS "maintain";

-- name: release_guard
-- Release the per-job guard.
SELECT pg_advisory_unlock(%(cls)s::int4, %(id)s::int4) AS released;

-- name: attempt_by_task
-- One attempt by its Celery task id.
SELECT attempt_id, batch_id, batch_action, state FROM xtbatch_mgr.attempt
 WHERE task_id = %(task_id)s;

-- name: submit_action
-- Submit a job the way the desktop client does.
SELECT xtbatch.submitActionToBatch(%(action)s, %(email)s, %(scheduled)s) AS batch_id;

-- name: insert_param
-- One parameter of a submitted job.
INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order, batchparam_name,
                                batchparam_value, batchparam_type)
VALUES (%(batch_id)s, %(order)s, %(name)s, %(value)s, %(type)s);

-- name: set_batch_user
-- Record who submitted a job from the command line.
UPDATE xtbatch.batch SET batch_user = %(user)s WHERE batch_id = %(batch_id)s;

-- name: cancel
-- Cancel (delete) a job, run or not.
SELECT xtbatch.cancelBatchItem(%(batch_id)s) AS batch_id;

-- name: reschedule
-- Make a job due again at a time (Retry: now).
SELECT xtbatch.rescheduleBatchItem(%(batch_id)s, %(scheduled)s) AS batch_id;

-- name: attempts
-- xtbatch's record of a job's attempts.
SELECT attempt_id, task_id, state, worker, dispatched_at, started_at, ended_at,
       EXTRACT(EPOCH FROM ended_at - started_at)::float8 AS seconds, sent_count, detail,
       notice, notice_failed
  FROM xtbatch_mgr.attempt WHERE batch_id = %(batch_id)s ORDER BY attempt_id;

-- name: demo_submit_action
-- A demo job, scheduled some time ago, submitted as the desktop client does.
SELECT xtbatch.submitActionToBatch(%(action)s, 'admin@example.com',
                                   (localtimestamp - %(ago)s::interval)::timestamp) AS batch_id;

-- name: demo_submit_email
-- A demo email job through submitEmailToBatch (10 arguments).
SELECT xtbatch.submitEmailToBatch('erp@example.com', 'customer@example.com', NULL,
                                  'Your price list', 'Attached, as promised.', %(filename)s,
                                  localtimestamp::timestamp, false, NULL, NULL) AS batch_id;

-- name: demo_completed
-- How many of the demo's jobs are Done.
SELECT count(*) AS n FROM xtbatch.batch
 WHERE batch_id = ANY(%(ids)s) AND batch_completed IS NOT NULL;

-- name: metrics_queue
-- Due jobs and how long the oldest has been due, for /metrics (read at scrape time).
SELECT count(*) AS due,
       EXTRACT(EPOCH FROM localtimestamp - min(batch_scheduled))::float8 AS oldest_age
  FROM xtbatch.batch
 WHERE batch_started IS NULL AND (batch_scheduled <= localtimestamp OR batch_scheduled IS NULL);

-- name: finish_context
-- The attempt's state and its job's row (NULL columns when the row is gone), in one trip;
-- the row's columns as in the block `run_job`.
SELECT a.state AS attempt_state,
       b.batch_id, COALESCE(b.batch_action, '') AS action, b.batch_parameter AS parameter,
       b.batch_user AS "user", b.batch_email AS email, b.batch_submitted AS submitted,
       b.batch_scheduled AS scheduled, b.batch_started AS started,
       b.batch_completed AS completed, b.batch_subject AS subject,
       b.batch_responsebody AS body, b.batch_filename AS filename,
       b.batch_exitstatus AS exitstatus, b.batch_fromemail AS from_email, b.batch_cc AS cc,
       b.batch_bcc AS bcc, b.batch_replyto AS reply_to,
       COALESCE(b.batch_emailhtml, false) AS email_html,
       b.batch_reschedinterval AS resched_interval
  FROM xtbatch_mgr.attempt a
  LEFT JOIN xtbatch.batch b ON b.batch_id = a.batch_id
 WHERE a.task_id = %(task_id)s;

-- name: dispatch_next
-- The bridge's step in one round trip: the attempt in flight, or a new dispatch, or idle.
SELECT * FROM xtbatch_mgr.dispatch_next(%(task_id)s, %(bridge)s);
