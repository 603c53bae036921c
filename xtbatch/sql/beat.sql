-- name: periodic_claim
-- Claim one slot of a periodic action; no row back when another beat already claimed it.
INSERT INTO xtbatch_mgr.periodic (name, due_at) VALUES (%(name)s, %(due_at)s)
ON CONFLICT (name, due_at) DO NOTHING
RETURNING name;

-- name: periodic_record
-- Remember which batch job a claimed slot submitted.
UPDATE xtbatch_mgr.periodic SET batch_id = %(batch_id)s
 WHERE name = %(name)s AND due_at = %(due_at)s;

-- name: periodic_done
-- Whether a slot of a periodic action was already claimed.
SELECT EXISTS (SELECT 1 FROM xtbatch_mgr.periodic
                WHERE name = %(name)s AND due_at = %(due_at)s) AS done;

-- name: purge_jobs
-- Delete completed jobs older than the cutoff, with their parameters. The first job of a
-- recurring series stays while a later copy still points at it.
WITH doomed AS (
    SELECT b.batch_id
      FROM xtbatch.batch b
     WHERE b.batch_completed < localtimestamp - make_interval(days => %(days)s)
       AND NOT EXISTS (SELECT 1 FROM xtbatch.batch r
                        WHERE r.batch_recurring_batch_id = b.batch_id
                          AND r.batch_id <> b.batch_id)
       FOR UPDATE OF b SKIP LOCKED),
params AS (
    DELETE FROM xtbatch.batchparam p USING doomed d
     WHERE p.batchparam_batch_id = d.batch_id
    RETURNING 1),
jobs AS (
    DELETE FROM xtbatch.batch b USING doomed d
     WHERE b.batch_id = d.batch_id
    RETURNING 1)
SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM params) AS params;

-- name: purge_attempts
-- Delete xtbatch's record of attempts that ended before the cutoff.
DELETE FROM xtbatch_mgr.attempt
 WHERE state NOT IN ('dispatched', 'running')
   AND ended_at < clock_timestamp() - make_interval(days => %(days)s);

-- name: purge_periodic
-- Forget periodic slots older than the cutoff (never younger than a week), except the one
-- this purge claimed.
DELETE FROM xtbatch_mgr.periodic
 WHERE due_at < clock_timestamp() - make_interval(days => greatest(%(days)s, 7))
   AND NOT (name = %(name)s AND due_at = %(due_at)s);

-- name: purge_workers
-- Delete worker rows whose heartbeat stopped long ago.
DELETE FROM xtbatch_mgr.worker
 WHERE heartbeat_at < clock_timestamp() - make_interval(secs => %(seconds)s);

-- name: metric_table_present
-- Whether the database has xTuple's metric table (metric_text must not run without it).
SELECT to_regclass('public.metric') IS NOT NULL AS present;
