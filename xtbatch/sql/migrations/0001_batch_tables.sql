-- xTuple Connect's batch tables and client functions, created only where the database lacks
-- them. A database that has xTuple Connect keeps its own objects untouched: every statement
-- here either uses IF NOT EXISTS or checks the catalog first.

CREATE SCHEMA IF NOT EXISTS xtbatch;

CREATE TABLE IF NOT EXISTS xtbatch.batch (
    batch_id                 serial PRIMARY KEY,
    batch_action             text,
    batch_parameter          text,
    batch_user               text,
    batch_email              text,
    batch_submitted          timestamp without time zone,
    batch_scheduled          timestamp without time zone,
    batch_started            timestamp without time zone,
    batch_completed          timestamp without time zone,
    batch_responsebody       text,
    batch_subject            text,
    batch_filename           text,
    batch_exitstatus         text,
    batch_fromemail          text,
    batch_reschedinterval    character(1) NOT NULL DEFAULT 'N',
    batch_cc                 text,
    batch_emailhtml          boolean NOT NULL DEFAULT false,
    batch_replyto            text,
    batch_bcc                text,
    batch_recurring_batch_id integer REFERENCES xtbatch.batch (batch_id)
);

CREATE TABLE IF NOT EXISTS xtbatch.batchparam (
    batchparam_id       serial PRIMARY KEY,
    batchparam_batch_id integer REFERENCES xtbatch.batch (batch_id) ON DELETE CASCADE,
    batchparam_order    integer,
    batchparam_name     text,
    batchparam_value    text,
    batchparam_type     text
);

DO $install$
DECLARE
    _defs text[][] := ARRAY[
      -- [signature as pg_proc sees it, definition]
      ARRAY['submitactiontobatch(text,text,timestamp without time zone)', $f$
CREATE FUNCTION xtbatch.submitActionToBatch(pAction text, pEmail text, pScheduled timestamp)
RETURNS integer LANGUAGE sql AS $b$
  INSERT INTO xtbatch.batch (batch_action, batch_user, batch_email, batch_submitted,
                             batch_scheduled)
  VALUES (pAction, current_user, pEmail, localtimestamp, COALESCE(pScheduled, localtimestamp))
  RETURNING batch_id;
$b$ $f$],
      ARRAY['submitreporttobatch(text,text,text,text,text,text,text,timestamp without time zone,boolean)', $f$
CREATE FUNCTION xtbatch.submitReportToBatch(pReport text, pFrom text, pTo text, pCc text,
    pSubject text, pBody text, pFilename text, pScheduled timestamp, pEmailHtml boolean)
RETURNS integer LANGUAGE sql AS $b$
  INSERT INTO xtbatch.batch (batch_action, batch_parameter, batch_user, batch_fromemail,
                             batch_email, batch_cc, batch_subject, batch_responsebody,
                             batch_filename, batch_submitted, batch_scheduled, batch_emailhtml)
  VALUES ('RunReport', pReport, current_user, pFrom, pTo, pCc, pSubject, pBody, pFilename,
          localtimestamp, COALESCE(pScheduled, localtimestamp), COALESCE(pEmailHtml, false))
  RETURNING batch_id;
$b$ $f$],
      ARRAY['submitreporttobatch(text,text,text,text,text,text,text,timestamp without time zone)', $f$
CREATE FUNCTION xtbatch.submitReportToBatch(pReport text, pFrom text, pTo text, pCc text,
    pSubject text, pBody text, pFilename text, pScheduled timestamp)
RETURNS integer LANGUAGE sql AS $b$
  SELECT xtbatch.submitReportToBatch(pReport, pFrom, pTo, pCc, pSubject, pBody, pFilename,
                                     pScheduled, false);
$b$ $f$],
      ARRAY['submitreporttobatch(text,text,text,text,text,text,timestamp without time zone)', $f$
CREATE FUNCTION xtbatch.submitReportToBatch(pReport text, pFrom text, pTo text,
    pSubject text, pBody text, pFilename text, pScheduled timestamp)
RETURNS integer LANGUAGE sql AS $b$
  SELECT xtbatch.submitReportToBatch(pReport, pFrom, pTo, NULL, pSubject, pBody, pFilename,
                                     pScheduled, false);
$b$ $f$],
      ARRAY['submitemailtobatch(text,text,text,text,text,text,timestamp without time zone,boolean,text,text)', $f$
CREATE FUNCTION xtbatch.submitEmailToBatch(pFrom text, pTo text, pCc text, pSubject text,
    pBody text, pFilename text, pScheduled timestamp, pEmailHtml boolean, pReplyTo text,
    pBcc text)
RETURNS integer LANGUAGE sql AS $b$
  INSERT INTO xtbatch.batch (batch_action, batch_user, batch_fromemail, batch_email, batch_cc,
                             batch_subject, batch_responsebody, batch_filename,
                             batch_submitted, batch_scheduled, batch_emailhtml,
                             batch_replyto, batch_bcc)
  VALUES ('Email', current_user, pFrom, pTo, pCc, pSubject, pBody, pFilename, localtimestamp,
          COALESCE(pScheduled, localtimestamp), COALESCE(pEmailHtml, false), pReplyTo, pBcc)
  RETURNING batch_id;
$b$ $f$],
      ARRAY['submitemailtobatch(text,text,text,text,text,text,timestamp without time zone,boolean)', $f$
CREATE FUNCTION xtbatch.submitEmailToBatch(pFrom text, pTo text, pCc text, pSubject text,
    pBody text, pFilename text, pScheduled timestamp, pEmailHtml boolean)
RETURNS integer LANGUAGE sql AS $b$
  SELECT xtbatch.submitEmailToBatch(pFrom, pTo, pCc, pSubject, pBody, pFilename, pScheduled,
                                    pEmailHtml, NULL, NULL);
$b$ $f$],
      ARRAY['cancelbatchitem(integer)', $f$
CREATE FUNCTION xtbatch.cancelBatchItem(pBatchId integer)
RETURNS integer LANGUAGE plpgsql AS $b$
BEGIN
  DELETE FROM xtbatch.batchparam WHERE batchparam_batch_id = pBatchId;
  UPDATE xtbatch.batch SET batch_recurring_batch_id = NULL
   WHERE batch_recurring_batch_id = pBatchId;
  DELETE FROM xtbatch.batch WHERE batch_id = pBatchId;
  RETURN pBatchId;
END;
$b$ $f$],
      ARRAY['reschedulebatchitem(integer,timestamp without time zone)', $f$
CREATE FUNCTION xtbatch.rescheduleBatchItem(pBatchId integer, pScheduled timestamp)
RETURNS integer LANGUAGE sql AS $b$
  UPDATE xtbatch.batch
     SET batch_scheduled = COALESCE(pScheduled, localtimestamp),
         batch_started = NULL, batch_completed = NULL
   WHERE batch_id = pBatchId
  RETURNING batch_id;
$b$ $f$],
      ARRAY['reportbatchitemerror(integer,text)', $f$
CREATE FUNCTION xtbatch.reportBatchItemError(pBatchId integer, pError text)
RETURNS integer LANGUAGE sql AS $b$
  UPDATE xtbatch.batch SET batch_exitstatus = pError WHERE batch_id = pBatchId
  RETURNING batch_id;
$b$ $f$]
    ];
    _def text[];
BEGIN
    FOREACH _def SLICE 1 IN ARRAY _defs LOOP
        IF NOT EXISTS (
            SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'xtbatch'
               AND p.proname || '(' || oidvectortypes(p.proargtypes) || ')'
                   = regexp_replace(_def[1], ',', ', ', 'g')
        ) THEN
            EXECUTE _def[2];
        END IF;
    END LOOP;
END
$install$;
