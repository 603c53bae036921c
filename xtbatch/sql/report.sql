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
