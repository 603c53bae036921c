-- name: doctor_server
-- The PostgreSQL server's version and the database's name, for the doctor's first line.
SELECT current_setting('server_version') AS version, current_database() AS dbname;

-- name: doctor_bridges
-- xtbatch bridge sessions on this database: the leader holds an advisory lock, a standby
-- waits for it.
SELECT a.application_name, a.pid,
       EXISTS (SELECT 1 FROM pg_locks l
                WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted) AS leader
  FROM pg_stat_activity a
 WHERE a.datname = current_database() AND a.application_name LIKE 'xtbatch-bridge %'
 ORDER BY leader DESC, a.backend_start;

-- name: doctor_schema_present
-- Whether xtbatch's migration table exists (schema_version must not run without it).
SELECT to_regclass('xtbatch_mgr.migration') IS NOT NULL AS present;
