-- xtbatch as a drop-in on a real xTuple database (issue 11).
--
-- 1. xtbatch records what it created in xTuple's `xtbatch` schema (xtbatch_mgr.owned), so
--    that it replaces, and grants on, only its own objects; xTuple Connect's stay as they are.
-- 2. The client functions take the scheduled time as timestamptz, as xTuple Connect's did:
--    the desktop client and xTuple's hasAlarms() pass CURRENT_TIMESTAMP. xtbatch's own
--    timestamp versions (created by 0001) are replaced; the table columns stay timestamp.
-- 3. The two xtbatch tables xTuple core reads: emlassc (convertQuote, cntctMerge,
--    merge2crmaccts) and ediprofile (getEdiProfileId/Name, api.custshipto, configureCRM).
-- 4. The functions `xtbatch install` runs after every upgrade: register xtbatch as an xTuple
--    package with xTuple's own createPkgSchema(), and grant xtrole what the client needs.

CREATE TABLE xtbatch_mgr.owned (
    identity    text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('schema', 'table', 'function')),
    since       integer NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE xtbatch_mgr.owned IS
    'Objects in schema xtbatch that xtbatch created (the rest are xTuple Connect''s).';

-- How xtbatch names a function in xtbatch_mgr.owned.
CREATE FUNCTION xtbatch_mgr.function_identity(p_oid oid) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT n.nspname || '.' || p.proname || '(' || oidvectortypes(p.proargtypes) || ')'
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.oid = p_oid;
$$;

-- What 0001 created, recognised now. A function is xtbatch's when its body is exactly 0001's
-- (md5 of the body with runs of white space made one space): 0001 added its timestamp forms
-- next to xTuple Connect's own functions too. xtbatch never registered a package before this
-- migration, so a pkghead row 'xtbatch' means xTuple Connect installed the schema and its
-- tables; without one, a table is xtbatch's when its columns are exactly 0001's.
DO $owned$
DECLARE
    _connect_registered boolean := false;
    _columns text;
    _table   text;
    _fn      record;
BEGIN
    IF to_regclass('public.pkghead') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM public.pkghead WHERE lower(pkghead_name) = $1)'
           INTO _connect_registered USING 'xtbatch';
    END IF;
    IF NOT _connect_registered THEN
        FOREACH _table IN ARRAY ARRAY['batch', 'batchparam'] LOOP
            SELECT md5(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                                  ORDER BY a.attnum))
              INTO _columns
              FROM pg_attribute a
             WHERE a.attrelid = to_regclass('xtbatch.' || _table)
               AND a.attnum > 0 AND NOT a.attisdropped;
            IF _columns IN ('c968f1748d0991e6581e50bcb690188f',    -- batch, as 0001 made it
                            '476da079f2e5ec95199fe86c613885fd') THEN -- batchparam
                INSERT INTO xtbatch_mgr.owned (identity, kind, since)
                VALUES ('xtbatch.' || _table, 'table', 1);
            END IF;
        END LOOP;
        IF EXISTS (SELECT 1 FROM xtbatch_mgr.owned WHERE identity = 'xtbatch.batch') THEN
            INSERT INTO xtbatch_mgr.owned (identity, kind, since) VALUES ('xtbatch', 'schema', 1);
        END IF;
    END IF;
    FOR _fn IN
        SELECT p.oid FROM pg_proc p
         WHERE p.pronamespace = 'xtbatch'::regnamespace
           AND md5(btrim(regexp_replace(p.prosrc, '\s+', ' ', 'g'))) IN (
               'e595d15c206690051f86e83bd9e500f3',  -- cancelBatchItem(integer)
               'd43b34e99fda05d38f754425430fa1ef',  -- reportBatchItemError(integer, text)
               '0f1dd9b8cd8c6518c3b8f59d18a66388',  -- rescheduleBatchItem(integer, timestamp)
               '2a69fbfcc865e3f3807fd252ad3c00ed',  -- submitActionToBatch(3)
               '4fd3bba8316da70a9a0de82f712427a5',  -- submitEmailToBatch(8)
               'f934f21c5e407d5a1d4ee9fd5c0da498',  -- submitEmailToBatch(10)
               '9f9341d83cef77f5a1b5cc42a855c1a6',  -- submitReportToBatch(7)
               '669131fe788a2f90751233d00bba5fc0',  -- submitReportToBatch(8)
               'e35a17ec6b16c4ac98c567a85b8725e1')  -- submitReportToBatch(9)
    LOOP
        INSERT INTO xtbatch_mgr.owned (identity, kind, since)
        VALUES (xtbatch_mgr.function_identity(_fn.oid), 'function', 1);
    END LOOP;
END
$owned$;

-- Replace xtbatch's own timestamp forms with timestamptz forms; create a form only where
-- schema xtbatch has no function of that name and number of arguments (xTuple Connect's own
-- forms, whatever their types, are used as they are and get no second overload).
DO $timestamptz$
DECLARE
    _defs text[][] := ARRAY[
      -- [name, number of arguments, definition]
      ARRAY['submitreporttobatch', '9', $f$
CREATE FUNCTION xtbatch.submitReportToBatch(pReport text, pFrom text, pTo text, pCc text,
    pSubject text, pBody text, pFilename text, pScheduled timestamptz, pEmailHtml boolean)
RETURNS integer LANGUAGE sql AS $b$
  INSERT INTO xtbatch.batch (batch_action, batch_parameter, batch_user, batch_fromemail,
                             batch_email, batch_cc, batch_subject, batch_responsebody,
                             batch_filename, batch_submitted, batch_scheduled, batch_emailhtml)
  VALUES ('RunReport', pReport, current_user, pFrom, pTo, pCc, pSubject, pBody, pFilename,
          localtimestamp, COALESCE(pScheduled::timestamp, localtimestamp),
          COALESCE(pEmailHtml, false))
  RETURNING batch_id;
$b$ $f$],
      ARRAY['submitreporttobatch', '8', $f$
CREATE FUNCTION xtbatch.submitReportToBatch(pReport text, pFrom text, pTo text, pCc text,
    pSubject text, pBody text, pFilename text, pScheduled timestamptz)
RETURNS integer LANGUAGE sql AS $b$
  SELECT xtbatch.submitReportToBatch(pReport, pFrom, pTo, pCc, pSubject, pBody, pFilename,
                                     pScheduled, false);
$b$ $f$],
      ARRAY['submitreporttobatch', '7', $f$
CREATE FUNCTION xtbatch.submitReportToBatch(pReport text, pFrom text, pTo text,
    pSubject text, pBody text, pFilename text, pScheduled timestamptz)
RETURNS integer LANGUAGE sql AS $b$
  SELECT xtbatch.submitReportToBatch(pReport, pFrom, pTo, NULL, pSubject, pBody, pFilename,
                                     pScheduled, false);
$b$ $f$],
      ARRAY['submitemailtobatch', '10', $f$
CREATE FUNCTION xtbatch.submitEmailToBatch(pFrom text, pTo text, pCc text, pSubject text,
    pBody text, pFilename text, pScheduled timestamptz, pEmailHtml boolean, pReplyTo text,
    pBcc text)
RETURNS integer LANGUAGE sql AS $b$
  INSERT INTO xtbatch.batch (batch_action, batch_user, batch_fromemail, batch_email, batch_cc,
                             batch_subject, batch_responsebody, batch_filename,
                             batch_submitted, batch_scheduled, batch_emailhtml,
                             batch_replyto, batch_bcc)
  VALUES ('Email', current_user, pFrom, pTo, pCc, pSubject, pBody, pFilename, localtimestamp,
          COALESCE(pScheduled::timestamp, localtimestamp), COALESCE(pEmailHtml, false),
          pReplyTo, pBcc)
  RETURNING batch_id;
$b$ $f$],
      ARRAY['submitemailtobatch', '8', $f$
CREATE FUNCTION xtbatch.submitEmailToBatch(pFrom text, pTo text, pCc text, pSubject text,
    pBody text, pFilename text, pScheduled timestamptz, pEmailHtml boolean)
RETURNS integer LANGUAGE sql AS $b$
  SELECT xtbatch.submitEmailToBatch(pFrom, pTo, pCc, pSubject, pBody, pFilename, pScheduled,
                                    pEmailHtml, NULL, NULL);
$b$ $f$],
      ARRAY['submitactiontobatch', '3', $f$
CREATE FUNCTION xtbatch.submitActionToBatch(pAction text, pEmail text, pScheduled timestamptz)
RETURNS integer LANGUAGE sql AS $b$
  INSERT INTO xtbatch.batch (batch_action, batch_user, batch_email, batch_submitted,
                             batch_scheduled)
  VALUES (pAction, current_user, pEmail, localtimestamp,
          COALESCE(pScheduled::timestamp, localtimestamp))
  RETURNING batch_id;
$b$ $f$],
      ARRAY['reschedulebatchitem', '2', $f$
CREATE FUNCTION xtbatch.rescheduleBatchItem(pBatchId integer, pScheduled timestamptz)
RETURNS integer LANGUAGE sql AS $b$
  UPDATE xtbatch.batch
     SET batch_scheduled = COALESCE(pScheduled::timestamp, localtimestamp),
         batch_started = NULL, batch_completed = NULL
   WHERE batch_id = pBatchId
  RETURNING batch_id;
$b$ $f$]
    ];
    _def text[];
    _fn  record;
    _new oid;
BEGIN
    -- xtbatch's own timestamp forms go first (with no caller left on them, nothing depends).
    FOR _fn IN
        SELECT p.oid, xtbatch_mgr.function_identity(p.oid) AS identity
          FROM pg_proc p JOIN xtbatch_mgr.owned o
            ON o.identity = xtbatch_mgr.function_identity(p.oid)
         WHERE p.pronamespace = 'xtbatch'::regnamespace
           AND 'timestamp without time zone'::regtype = ANY (p.proargtypes::oid[])
    LOOP
        EXECUTE format('DROP FUNCTION %s', _fn.oid::regprocedure);
        DELETE FROM xtbatch_mgr.owned WHERE identity = _fn.identity;
    END LOOP;
    FOREACH _def SLICE 1 IN ARRAY _defs LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_proc p
                        WHERE p.pronamespace = 'xtbatch'::regnamespace
                          AND p.proname = _def[1] AND p.pronargs = _def[2]::integer) THEN
            EXECUTE _def[3];
            SELECT p.oid INTO _new FROM pg_proc p
             WHERE p.pronamespace = 'xtbatch'::regnamespace
               AND p.proname = _def[1] AND p.pronargs = _def[2]::integer;
            INSERT INTO xtbatch_mgr.owned (identity, kind, since)
            VALUES (xtbatch_mgr.function_identity(_new), 'function', 5);
        END IF;
    END LOOP;
END
$timestamptz$;

-- The xtbatch tables xTuple core reads, with the columns its public sources use.
DO $tables$
BEGIN
    IF to_regclass('xtbatch.emlassc') IS NULL THEN
        -- Email associations: which document (emlassc_type: 'T' contact, 'Q' quote, 'S' sales
        -- order, 'CRMA' CRM account, …; emlassc_assc_id: its id) an email belongs to.
        CREATE TABLE xtbatch.emlassc (
            emlassc_id      serial PRIMARY KEY,
            emlassc_type    text NOT NULL,
            emlassc_assc_id integer NOT NULL
        );
        CREATE INDEX emlassc_assc ON xtbatch.emlassc (emlassc_type, emlassc_assc_id);
        INSERT INTO xtbatch_mgr.owned (identity, kind, since)
        VALUES ('xtbatch.emlassc', 'table', 5);
    END IF;
    IF to_regclass('xtbatch.ediprofile') IS NULL THEN
        -- EDI profiles: how a document is delivered; type 'email' profiles hold the to
        -- (option1), subject (option2), body (option3) and cc (option4) templates.
        CREATE TABLE xtbatch.ediprofile (
            ediprofile_id        serial PRIMARY KEY,
            ediprofile_name      text NOT NULL UNIQUE,
            ediprofile_type      text NOT NULL DEFAULT 'email',
            ediprofile_option1   text,
            ediprofile_option2   text,
            ediprofile_option3   text,
            ediprofile_option4   text,
            ediprofile_emailhtml boolean NOT NULL DEFAULT false
        );
        INSERT INTO xtbatch_mgr.owned (identity, kind, since)
        VALUES ('xtbatch.ediprofile', 'table', 5);
    END IF;
END
$tables$;

-- Where xtbatch stands as an xTuple package: 'no xtuple' (the database lacks xTuple's
-- package machinery: pkghead, packageIsEnabled, createPkgSchema), 'unregistered', 'enabled'
-- or 'disabled' (registered, but its package tables no longer inherit xTuple's pkg* parents,
-- so packageIsEnabled('xtbatch') is false and login(true) leaves xtbatch off the path).
CREATE FUNCTION xtbatch_mgr.package_state() RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = public, pg_catalog AS $$
DECLARE
    _found boolean;
BEGIN
    IF to_regclass('public.pkghead') IS NULL
       OR to_regprocedure('public.packageisenabled(text)') IS NULL
       OR (to_regprocedure('public.createpkgschema(text,text,text,text,text,boolean)') IS NULL
           AND to_regprocedure('public.createpkgschema(text,text)') IS NULL) THEN
        RETURN 'no xtuple';
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM public.pkghead WHERE lower(pkghead_name) = $1)'
       INTO _found USING 'xtbatch';
    IF NOT _found THEN
        RETURN 'unregistered';
    END IF;
    EXECUTE 'SELECT public.packageIsEnabled($1)' INTO _found USING 'xtbatch';
    RETURN CASE WHEN _found THEN 'enabled' ELSE 'disabled' END;
END;
$$;

-- Register xtbatch as an xTuple package the way xTuple registers one: its createPkgSchema()
-- makes the package tables (inheriting xTuple's pkg* parents: what packageIsEnabled() tests
-- and buildSearchPath() then puts on every client's search_path) and the pkghead row.
-- Only an unregistered xtbatch is registered: xTuple Connect's registration, an earlier
-- install's, and a package an administrator disabled are left as they are. Returns the
-- package state before ('registered' when this call registered it).
CREATE FUNCTION xtbatch_mgr.register_package(p_version text, p_descrip text,
                                             p_comment text)
RETURNS text LANGUAGE plpgsql
SET search_path = public, pg_catalog AS $$
DECLARE
    _state text := xtbatch_mgr.package_state();
BEGIN
    IF _state <> 'unregistered' THEN
        RETURN _state;
    END IF;
    IF to_regprocedure('public.createpkgschema(text,text,text,text,text,boolean)') IS NOT NULL
    THEN
        EXECUTE 'SELECT public.createPkgSchema($1, $2, $3, $4, $5, false)'
          USING 'xtbatch', p_comment, p_version, p_descrip, 'xtbatch';
    ELSE  -- xTuple before 4.10: createPkgSchema(name, comment) made no pkghead row
        EXECUTE 'SELECT public.createPkgSchema($1, $2)' USING 'xtbatch', p_comment;
    END IF;
    EXECUTE 'INSERT INTO public.pkghead (pkghead_name, pkghead_descrip, pkghead_version,
                                         pkghead_developer, pkghead_notes, pkghead_indev)
             SELECT $1, $2, $3, $4, $5, false
              WHERE NOT EXISTS (SELECT 1 FROM public.pkghead WHERE pkghead_name = $1)'
      USING 'xtbatch', p_descrip, p_version, 'xtbatch', p_comment;
    RETURN 'registered';
END;
$$;

-- What xTuple's group role xtrole needs for the desktop client's batch flows: submit (the
-- functions insert a batch row: INSERT and the id sequence), the batchparam inserts, the
-- Batch Manager list and batchItem view (SELECT), reschedule (UPDATE), retry (UPDATE through
-- rescheduleBatchItem), cancel (cancelBatchItem deletes the row and its parameters), and
-- xTuple core's own use: emlassc read and updated (convertQuote, cntctMerge, merge2crmaccts),
-- ediprofile read (getEdiProfileId/Name, api.custshipto, configureCRM). Nothing in
-- xtbatch_mgr. owned: whether xtbatch created the object (else it is xTuple Connect's).
CREATE FUNCTION xtbatch_mgr.xtrole_needs()
RETURNS TABLE (object text, kind text, privileges text, owned boolean)
LANGUAGE sql STABLE AS $$
    WITH needs (object, kind, privileges, position) AS (VALUES
        ('xtbatch', 'schema', 'USAGE', 1),
        ('xtbatch.batch', 'table', 'SELECT, INSERT, UPDATE, DELETE', 2),
        ('xtbatch.batchparam', 'table', 'SELECT, INSERT, DELETE', 3),
        ('xtbatch.emlassc', 'table', 'SELECT, UPDATE', 4),
        ('xtbatch.ediprofile', 'table', 'SELECT', 5))
    SELECT object, kind, privileges, owned
      FROM (SELECT n.object, n.kind, n.privileges, n.position, 0 AS sub,
                   EXISTS (SELECT 1 FROM xtbatch_mgr.owned o WHERE o.identity = n.object)
                       AS owned
              FROM needs n
             WHERE n.kind = 'schema' OR to_regclass(n.object) IS NOT NULL
            UNION ALL
            SELECT pg_get_serial_sequence(n.object, a.attname), 'sequence', 'USAGE',
                   n.position, a.attnum,
                   EXISTS (SELECT 1 FROM xtbatch_mgr.owned o WHERE o.identity = n.object)
              FROM needs n
              JOIN pg_attribute a ON a.attrelid = to_regclass(n.object)
             WHERE n.privileges LIKE '%INSERT%' AND a.attnum > 0 AND NOT a.attisdropped
               AND pg_get_serial_sequence(n.object, a.attname) IS NOT NULL) AS needed
     ORDER BY position, sub;
$$;

-- Grant xtrole what it needs on the objects xtbatch created, where the role exists (xTuple
-- Connect's objects keep the grants Connect gave them). Returns the objects granted on;
-- NULL where there is no xtrole.
CREATE FUNCTION xtbatch_mgr.grant_xtrole() RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    _need record;
    _done text[] := ARRAY[]::text[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'xtrole') THEN
        RETURN NULL;
    END IF;
    FOR _need IN SELECT * FROM xtbatch_mgr.xtrole_needs() WHERE owned LOOP
        EXECUTE format('GRANT %s ON %s %s TO xtrole', _need.privileges,
                       upper(_need.kind), _need.object);
        _done := _done || (_need.kind || ' ' || _need.object);
    END LOOP;
    RETURN _done;
END;
$$;

-- The privileges xtrole lacks of those it needs (none where there is no xtrole).
CREATE FUNCTION xtbatch_mgr.xtrole_missing()
RETURNS TABLE (object text, kind text, privilege text, owned boolean)
LANGUAGE sql STABLE AS $$
    SELECT n.object, n.kind, p.privilege, n.owned
      FROM xtbatch_mgr.xtrole_needs() n
     CROSS JOIN LATERAL unnest(string_to_array(n.privileges, ', ')) AS p (privilege)
     WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'xtrole')
       AND NOT CASE n.kind
               WHEN 'schema' THEN has_schema_privilege('xtrole', n.object, p.privilege)
               WHEN 'sequence' THEN has_sequence_privilege('xtrole', n.object, p.privilege)
               ELSE has_table_privilege('xtrole', n.object, p.privilege) END;
$$;

REVOKE EXECUTE ON FUNCTION xtbatch_mgr.register_package(text, text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION xtbatch_mgr.grant_xtrole() FROM PUBLIC;
