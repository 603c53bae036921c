-- name: xtuple_register_package
-- Register xtbatch as an xTuple package where the database has xTuple's package machinery.
SELECT xtbatch_mgr.register_package(%(version)s, %(descrip)s, %(comment)s) AS state;

-- name: xtuple_package_state
-- Whether xtbatch is a registered, enabled xTuple package (read only).
SELECT xtbatch_mgr.package_state() AS state;

-- name: xtuple_grant_xtrole
-- Grant xtrole what the client's batch flows need on the objects xtbatch created.
SELECT xtbatch_mgr.grant_xtrole() AS granted;

-- name: xtuple_xtrole_missing
-- The privileges xtrole needs and lacks, one row per object and privilege.
SELECT object, kind, privilege, owned FROM xtbatch_mgr.xtrole_missing();

-- name: xtuple_xtrole_reaches_bookkeeping
-- Whether xtrole (every xTuple user) can reach xtbatch's bookkeeping schema: it must not.
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'xtrole')
       AND (has_schema_privilege('xtrole', 'xtbatch_mgr', 'USAGE')
            OR has_schema_privilege('xtrole', 'xtbatch_mgr', 'CREATE')) AS reaches;

-- name: xtuple_batch_manager_metric
-- The metric EnableBatchManager as xTuple's fetchMetricBool() reads it ('t' is on).
SELECT to_regclass('public.metric') IS NOT NULL AS has_metrics,
       xtbatch_mgr.metric_text('EnableBatchManager') AS value;

-- name: xtuple_client_search_path
-- The search_path xTuple's login(true) gives every client session (NULL without xTuple).
SELECT CASE WHEN to_regprocedure('public.buildsearchpath()') IS NOT NULL
            THEN public.buildSearchPath() END AS search_path;

-- name: xtuple_set_client_search_path
-- Take the client's search_path for the rest of this transaction.
SELECT set_config('search_path', %(search_path)s, true);

-- name: xtuple_probe_done
-- Forget the statement a probe prepared.
DEALLOCATE xtbatch_probe;

-- The desktop client's statements as its Qt driver prepares them ($n untyped, as QPSQL's
-- PREPARE sends them); a probe only parses, nothing runs. Each block names its source.

-- name: probe_submit_action_asap
-- guiclient/submitAction.cpp, "as soon as possible".
PREPARE xtbatch_probe AS
SELECT xtbatch.submitActionToBatch($1, $2, CURRENT_TIMESTAMP) AS batch_id;

-- name: probe_submit_action_scheduled
-- guiclient/submitAction.cpp, a scheduled time.
PREPARE xtbatch_probe AS
SELECT xtbatch.submitActionToBatch($1, $2, $3) AS batch_id;

-- name: probe_submit_action_param
-- guiclient/submitAction.cpp, each parameter.
PREPARE xtbatch_probe AS
INSERT INTO xtbatch.batchparam ( batchparam_batch_id, batchparam_order,  batchparam_name,
  batchparam_type, batchparam_value ) VALUES ( $1, $2,  $3, $4, $5 );

-- name: probe_submit_report_asap
-- guiclient/submitReport.cpp, "as soon as possible" (unqualified: needs xtbatch on the path).
PREPARE xtbatch_probe AS
SELECT submitReportToBatch($1, $2, $3, '', $4, '', CURRENT_TIMESTAMP) AS batch_id;

-- name: probe_submit_report_param
-- guiclient/submitReport.cpp, each parameter (unqualified).
PREPARE xtbatch_probe AS
INSERT INTO batchparam ( batchparam_batch_id, batchparam_order,  batchparam_name,
  batchparam_type, batchparam_value ) VALUES ( $1, $2,  $3, $4, $5 );

-- name: probe_deliver_email
-- guiclient/deliverEmail.cpp, a plain email (8 arguments).
PREPARE xtbatch_probe AS
SELECT submitEmailToBatch( $1, $2, $3, $4, $5, $6, CURRENT_TIMESTAMP, $7) AS batch_id;

-- name: probe_deliver_report
-- guiclient/deliverEmail.cpp, deliverInvoice.cpp, deliverSalesOrder.cpp (9 arguments).
PREPARE xtbatch_probe AS
SELECT submitReportToBatch( $1, $2, $3, $4, $5, $6, $7, CURRENT_TIMESTAMP, $8) AS batch_id;

-- name: probe_has_alarms
-- xTuple's hasAlarms(): an e-mail alarm (10 arguments).
PREPARE xtbatch_probe AS
SELECT xtbatch.submitEmailToBatch($1::text, $2::text, '', $3::text, $4::text, NULL,
                                  CURRENT_TIMESTAMP, FALSE, NULL, NULL);

-- name: probe_retry
-- common/batchManager.cpp, Retry.
PREPARE xtbatch_probe AS
SELECT xtbatch.rescheduleBatchItem(batch_id, batch_scheduled) AS result
  FROM xtbatch.batch WHERE (batch_id=$1);

-- name: probe_cancel
-- common/batchManager.cpp, Cancel.
PREPARE xtbatch_probe AS
SELECT xtbatch.cancelBatchItem($1) AS result;
