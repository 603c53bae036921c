-- name: report_source
-- The OpenRPT XML of a report name's highest grade.
SELECT report_source
  FROM report
 WHERE report_name = %(name)s
 ORDER BY report_grade DESC
 LIMIT 1;

-- name: metasql_query
-- The MetaSQL text of a group and name's highest grade.
SELECT metasql_query
  FROM metasql
 WHERE metasql_group = %(group)s
   AND metasql_name = %(name)s
 ORDER BY metasql_grade DESC
 LIMIT 1;

-- name: report_context_functions
-- Whether the database has xTuple's formatDate(date) and formatTime(timestamptz).
SELECT to_regprocedure('formatdate(date)') IS NOT NULL
   AND to_regprocedure('formattime(timestamp with time zone)') IS NOT NULL AS xtuple;

-- name: report_context_xtuple
-- OpenRPT's Context Query (builtinSqlFunctions.cpp, fmt03): the date and time in the user's locale.
SELECT formatDate(CURRENT_DATE) AS report_date,
       formatTime(CURRENT_TIMESTAMP) AS report_time;

-- name: report_context_plain
-- The Context Query where xTuple's functions are missing: the formats formatDate falls back to.
SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS report_date,
       to_char(CURRENT_TIMESTAMP, 'HH24:MI:SS') AS report_time;

-- name: report_format_functions
-- Which of the named one-argument numeric format functions (formatMoney…) the database has.
SELECT name
  FROM unnest(%(names)s::text[]) AS name
 WHERE to_regprocedure(name || '(numeric)') IS NOT NULL;

-- name: report_format_numbers
-- Numbers through one of xTuple's format functions ({function}: an identifier), in order.
SELECT {function}(value) AS text
  FROM unnest(%(values)s::numeric[]) WITH ORDINALITY AS v(value, position)
 ORDER BY position;
