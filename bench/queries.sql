-- SQL of the benchmarks, as named blocks (loaded by bench/harness.py's query()).

-- name: insert_due
-- n past-due Ping jobs in one statement (scheduled an hour ago, oldest first).
INSERT INTO xtbatch.batch (batch_action, batch_user, batch_submitted, batch_scheduled)
SELECT 'Ping', 'admin', localtimestamp, localtimestamp - interval '1 hour' + g * interval '1 ms'
  FROM generate_series(1, %(n)s) g;

-- name: insert_now
-- One Ping job due now; returns the database clock at insert.
INSERT INTO xtbatch.batch (batch_action, batch_user, batch_submitted, batch_scheduled)
VALUES ('Ping', 'admin', localtimestamp, localtimestamp)
RETURNING batch_id, clock_timestamp() AS inserted_at;

-- name: insert_at
-- One Ping job due in %(seconds)s seconds; returns its schedule as timestamptz.
INSERT INTO xtbatch.batch (batch_action, batch_user, batch_submitted, batch_scheduled)
VALUES ('Ping', 'admin', localtimestamp,
        localtimestamp + make_interval(secs => %(seconds)s))
RETURNING batch_id, batch_scheduled::timestamptz AS scheduled_at;

-- name: insert_history
-- n completed jobs of the past (history), without firing xtbatch's triggers per row.
INSERT INTO xtbatch.batch (batch_action, batch_user, batch_submitted, batch_scheduled,
                           batch_started, batch_completed, batch_exitstatus)
SELECT 'Ping', 'admin', t, t, t, t + interval '1 s', ''
  FROM (SELECT localtimestamp - interval '400 days' + g * interval '30 s' AS t
          FROM generate_series(1, %(n)s) g) s;

-- name: ref_start
-- Reference: claim the next due job in one UPDATE … FOR UPDATE SKIP LOCKED.
UPDATE xtbatch.batch SET batch_started = localtimestamp
 WHERE batch_id = (SELECT batch_id FROM xtbatch.batch
                    WHERE batch_started IS NULL AND batch_scheduled <= localtimestamp
                    ORDER BY batch_scheduled, batch_id
                    LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING batch_id;

-- name: ref_finish
-- Reference: complete a job in one UPDATE.
UPDATE xtbatch.batch SET batch_completed = localtimestamp, batch_exitstatus = ''
 WHERE batch_id = %(batch_id)s;

-- name: drain_span
-- The database's own clock for a drain: first dispatch to last completion of attempts.
SELECT count(*) AS jobs,
       EXTRACT(EPOCH FROM max(ended_at) - min(dispatched_at))::float8 AS seconds,
       count(*) FILTER (WHERE state <> 'succeeded') AS not_succeeded
  FROM xtbatch_mgr.attempt WHERE batch_id >= %(first_id)s;

-- name: drain_phases
-- Per-job phases of a drain (ms): dispatch→started, started→ended, ended→next dispatch.
WITH a AS (
    SELECT attempt_id, dispatched_at, started_at, ended_at,
           lead(dispatched_at) OVER (ORDER BY attempt_id) AS next_dispatch
      FROM xtbatch_mgr.attempt WHERE batch_id >= %(first_id)s)
SELECT avg(EXTRACT(EPOCH FROM started_at - dispatched_at) * 1000) AS avg_to_start_ms,
       avg(EXTRACT(EPOCH FROM ended_at - started_at) * 1000) AS avg_run_ms,
       avg(EXTRACT(EPOCH FROM next_dispatch - ended_at) * 1000) AS avg_to_next_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM started_at - dispatched_at) * 1000) AS to_start_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ended_at - started_at) * 1000) AS run_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM next_dispatch - ended_at) * 1000) AS to_next_ms
  FROM a;

-- name: first_unstarted_id
-- The next batch_id a new job will get.
SELECT COALESCE(max(batch_id), 0) + 1 AS id FROM xtbatch.batch;

-- name: started_at
-- When the bridge dispatched a job and the worker claimed it (database clock).
SELECT dispatched_at, started_at FROM xtbatch_mgr.attempt
 WHERE batch_id = %(batch_id)s AND started_at IS NOT NULL
 ORDER BY attempt_id LIMIT 1;

-- name: completed
-- Whether a job is complete.
SELECT batch_completed IS NOT NULL AS done FROM xtbatch.batch WHERE batch_id = %(batch_id)s;

-- name: backends
-- Sessions of xtbatch on this database, for sampling what they run.
SELECT pid, application_name, state, query, state_change
  FROM pg_stat_activity
 WHERE datname = current_database() AND application_name LIKE 'xtbatch-%%';

-- name: analyze
-- Fresh statistics after a bulk load.
VACUUM ANALYZE xtbatch.batch;

-- name: pending
-- Jobs not yet complete.
SELECT count(*) AS n FROM xtbatch.batch WHERE batch_completed IS NULL;

-- name: triggers_off
-- Bulk history load: skip xtbatch's NOTIFY triggers for this session (superuser only).
SET session_replication_role = replica;

-- name: triggers_on
-- Back to normal trigger firing.
SET session_replication_role = DEFAULT;

-- name: finish_attempt
-- History bench, untimed: end the attempt just dispatched and complete its job.
WITH a AS (UPDATE xtbatch_mgr.attempt SET state = 'succeeded', started_at = clock_timestamp(),
                  ended_at = clock_timestamp()
            WHERE attempt_id = %(attempt_id)s RETURNING batch_id)
UPDATE xtbatch.batch SET batch_started = localtimestamp, batch_completed = localtimestamp,
       batch_exitstatus = ''
 WHERE batch_id = (SELECT batch_id FROM a);

-- name: explain_next_due
-- The plan of the bridge's next_due query (text substituted from xtbatch's queries.sql).
EXPLAIN (ANALYZE, BUFFERS, TIMING) {next_due};

-- name: table_size
-- Rows and size of xtbatch.batch.
SELECT count(*) AS rows, pg_size_pretty(pg_total_relation_size('xtbatch.batch')) AS size,
       pg_size_pretty(pg_relation_size('xtbatch.xtbatch_mgr_batch_due')) AS due_index
  FROM xtbatch.batch;

-- name: server_version
-- The PostgreSQL version, for the machine note.
SHOW server_version;

-- name: pgss_create
-- pg_stat_statements on the private server (preloaded there; never on the shared server).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

-- name: pgss_reset
-- Start counting statements from zero.
SELECT pg_stat_statements_reset();

-- name: pgss_calls
-- Statements run in one database since the reset, by query, most frequent first.
SELECT s.calls, s.query
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
 WHERE d.datname = %(datname)s
 ORDER BY s.calls DESC;

-- name: db_xacts
-- Transactions committed and rolled back in one database so far.
SELECT xact_commit + xact_rollback AS xacts FROM pg_stat_database WHERE datname = %(datname)s;

-- name: pgss_calls_timed
-- Statements run in one database since the reset, with their total execution time (ms).
SELECT s.calls, s.total_exec_time AS ms, s.query
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
 WHERE d.datname = %(datname)s
 ORDER BY s.calls DESC, s.total_exec_time DESC;

-- name: select_one
-- The cheapest round trip.
SELECT 1 AS one;

-- name: floor_notify
-- Wake the other side of the NOTIFY ping-pong.
SELECT pg_notify(%(channel)s, '');

-- name: drain_deciles
-- ms per job in each tenth of a drain (does the rate hold as the tables grow?).
WITH a AS (SELECT ended_at, ntile(10) OVER (ORDER BY attempt_id) AS tenth,
                  lag(ended_at) OVER (ORDER BY attempt_id) AS prev_end
             FROM xtbatch_mgr.attempt WHERE batch_id >= %(first_id)s)
SELECT tenth, count(*) AS jobs,
       EXTRACT(EPOCH FROM max(ended_at) - min(prev_end))::float8 * 1000 / count(*) AS ms_per_job
  FROM a GROUP BY tenth ORDER BY tenth;

-- name: next_due
-- The next due job (the selection xtbatch_mgr.dispatch_next makes), with how long it has been due.
SELECT batch_id, batch_action, batch_user,
       EXTRACT(EPOCH FROM localtimestamp - batch_scheduled)::float8 AS due_for
  FROM xtbatch_mgr.next_due();

-- name: dispatch
-- Record a dispatch before the message is sent.
SELECT xtbatch_mgr.dispatch(%(batch_id)s, %(task_id)s, %(bridge)s) AS attempt_id;

-- name: backends
-- The sessions on this database and whose they are (application_name names the xtbatch role).
SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database();
