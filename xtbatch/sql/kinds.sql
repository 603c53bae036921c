-- name: kinds_function_status
-- Whether a function (by signature) exists and the connected role may execute it.
SELECT to_regprocedure(%(signature)s) IS NOT NULL AS present,
       CASE WHEN to_regprocedure(%(signature)s) IS NULL THEN NULL
            ELSE has_function_privilege(to_regprocedure(%(signature)s), 'EXECUTE')
       END AS executable;

-- name: kinds_table_privilege
-- Whether a table exists and the connected role holds a privilege on it.
SELECT to_regclass(%(table)s) IS NOT NULL AS present,
       CASE WHEN to_regclass(%(table)s) IS NULL THEN NULL
            ELSE has_table_privilege(to_regclass(%(table)s), %(privilege)s)
       END AS granted;

-- name: kinds_item_exists
-- Whether an item has this id.
SELECT EXISTS (SELECT 1 FROM item WHERE item_id = %(item_id)s::integer) AS present;

-- name: maintenance_tables
-- Every table of the database outside the system schemas, with what the role may do to it.
SELECT n.nspname AS schema_name,
       c.relname AS table_name,
       r.rolsuper
         OR pg_has_role(current_user, c.relowner, 'USAGE')
         OR pg_has_role(current_user, d.datdba, 'USAGE') AS may_vacuum,
       r.rolsuper OR pg_has_role(current_user, c.relowner, 'USAGE') AS may_reindex
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_roles r ON r.rolname = current_user
  JOIN pg_database d ON d.datname = current_database()
 WHERE c.relkind IN ('r', 'm')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%%'
   AND n.nspname NOT LIKE 'pg\_temp\_%%'
 ORDER BY n.nspname, c.relname;

-- name: update_levels_run
-- updateReorderLevel() or updateOUTLevel() (function: an identifier) on every selected item site.
SELECT itemsite_id,
       {function}(
         itemsite_id,
         CASE WHEN %(leadtimepad)s::integer IS NOT NULL
              THEN itemsite_leadtime + %(leadtimepad)s::integer
              ELSE %(fixedlookahead)s::integer END,
         %(periods)s::integer[]) AS result
  FROM itemsite
  JOIN plancode ON itemsite_plancode_id = plancode_id
  JOIN item ON itemsite_item_id = item_id
  JOIN classcode ON item_classcode_id = classcode_id
 WHERE (%(warehous_id)s::integer IS NULL OR itemsite_warehous_id = %(warehous_id)s::integer)
   AND (%(plancode_id)s::integer IS NULL OR plancode_id = %(plancode_id)s::integer)
   AND (%(plancode_pattern)s::text IS NULL OR plancode_code ~ %(plancode_pattern)s::text)
   AND (%(item_id)s::integer IS NULL OR item_id = %(item_id)s::integer)
   AND (%(classcode_id)s::integer IS NULL OR classcode_id = %(classcode_id)s::integer)
   AND (%(classcode_pattern)s::text IS NULL OR classcode_code ~ %(classcode_pattern)s::text)
 ORDER BY itemsite_id;

-- name: update_costs_item
-- doUpdateCosts() for one item, as Update Actual/Standard Costs by Item runs it.
SELECT doUpdateCosts(%(item_id)s::integer, true, %(lower_material)s::boolean,
         %(direct_labor)s::boolean, %(lower_direct_labor)s::boolean, %(overhead)s::boolean,
         %(lower_overhead)s::boolean, %(machine_overhead)s::boolean,
         %(lower_machine_overhead)s::boolean, %(lower_user)s::boolean, %(roll_up)s::boolean,
         %(actual)s::boolean) AS result,
       1 AS items;

-- name: class_code_items
-- The items of the selected class codes, which the class-code statements of cost jobs select.
SELECT item_id
  FROM item
  JOIN classcode ON item_classcode_id = classcode_id
 WHERE (%(classcode_id)s::integer IS NULL OR item_classcode_id = %(classcode_id)s::integer)
   AND (%(classcode_pattern)s::text IS NULL OR classcode_code ~ %(classcode_pattern)s::text)

-- name: update_costs_class_code
-- doUpdateCosts() for every item of the selected class codes (items: class_code_items).
SELECT count(*) AS items
  FROM (SELECT doUpdateCosts(item_id, true, %(lower_material)s::boolean,
                 %(direct_labor)s::boolean, %(lower_direct_labor)s::boolean,
                 %(overhead)s::boolean, %(lower_overhead)s::boolean,
                 %(machine_overhead)s::boolean, %(lower_machine_overhead)s::boolean,
                 %(lower_user)s::boolean, %(roll_up)s::boolean, %(actual)s::boolean)
          FROM ({items}) AS selected
       ) AS updated;

-- name: update_costs_all
-- doUpdateCosts() for every item (by Class Code screen with All Class Codes).
SELECT doUpdateCosts(%(lower_material)s::boolean, %(direct_labor)s::boolean,
         %(lower_direct_labor)s::boolean, %(overhead)s::boolean, %(lower_overhead)s::boolean,
         %(machine_overhead)s::boolean, %(lower_machine_overhead)s::boolean,
         %(lower_user)s::boolean, %(roll_up)s::boolean, %(actual)s::boolean) AS result,
       (SELECT count(*) FROM item) AS items;

-- name: post_costs_item
-- doPostCosts() for one item, as Post Actual Costs by Item runs it.
SELECT doPostCosts(%(item_id)s::integer, true, %(material)s::boolean,
         %(lower_material)s::boolean, %(direct_labor)s::boolean,
         %(lower_direct_labor)s::boolean, %(overhead)s::boolean, %(lower_overhead)s::boolean,
         %(machine_overhead)s::boolean, %(lower_machine_overhead)s::boolean,
         %(user)s::boolean, %(lower_user)s::boolean, %(roll_up)s::boolean) AS posted,
       1 AS items;

-- name: post_costs_class_code
-- doPostCosts() for every item of the selected class codes (items: class_code_items).
SELECT count(*) AS items, COALESCE(sum(posted), 0)::integer AS posted
  FROM (SELECT doPostCosts(item_id, true, %(material)s::boolean,
                 %(lower_material)s::boolean, %(direct_labor)s::boolean,
                 %(lower_direct_labor)s::boolean, %(overhead)s::boolean,
                 %(lower_overhead)s::boolean, %(machine_overhead)s::boolean,
                 %(lower_machine_overhead)s::boolean, %(user)s::boolean,
                 %(lower_user)s::boolean, %(roll_up)s::boolean) AS posted
          FROM ({items}) AS selected
       ) AS done;

-- name: post_costs_all
-- doPostCosts() for every item (by Class Code screen with All Class Codes).
SELECT doPostCosts(%(material)s::boolean, %(lower_material)s::boolean,
         %(direct_labor)s::boolean, %(lower_direct_labor)s::boolean, %(overhead)s::boolean,
         %(lower_overhead)s::boolean, %(machine_overhead)s::boolean,
         %(lower_machine_overhead)s::boolean, %(user)s::boolean, %(lower_user)s::boolean,
         %(roll_up)s::boolean) AS result,
       (SELECT count(*) FROM item) AS items;

-- name: post_invoices_unposted
-- Unposted invoices the user may post, printed and not, as the Post Invoices screen counts them.
SELECT count(*) FILTER (WHERE invchead_printed) AS printed,
       count(*) FILTER (WHERE NOT invchead_printed) AS unprinted
  FROM invchead
 WHERE NOT invchead_posted
   AND checkInvoiceSitePrivs(invchead_id);

-- name: post_invoices_run
-- postInvoices(): post the unposted invoices; returns the sales journal number (< 0: error).
SELECT postInvoices(%(post_unprinted)s::boolean, %(include_zero)s::boolean) AS result;

-- name: post_invoices_posted_count
-- How many invoices are posted now (to report how many this job posted).
SELECT count(*) AS posted FROM invchead WHERE invchead_posted;

-- name: post_gl_series_summary
-- The rows and balance of one G/L series, as the G/L Series screen checks before posting.
SELECT count(*) AS lines, COALESCE(sum(glseries_amount), 0) AS balance
  FROM glseries
 WHERE glseries_sequence = %(sequence)s::integer;

-- name: post_gl_series_run
-- postGLSeriesNoSumm() with a new G/L journal number, as the G/L Series screen posts.
SELECT postGLSeriesNoSumm(%(sequence)s::integer, fetchJournalNumber('G/L')) AS result;

-- name: create_recurring_run
-- createRecurringItems() for every recurring parent of one type, as Create Recurring Items runs it.
SELECT createRecurringItems(NULL, %(type)s::text) AS result;

-- name: allocate_reservations_lines
-- The open sales order lines reserveAllSo() will consider, and their reserved quantity now.
SELECT count(*) AS lines, COALESCE(sum(coitem_qtyreserved), 0) AS reserved
  FROM coitem
  JOIN cohead ON coitem_cohead_id = cohead_id
  JOIN custinfo ON cohead_cust_id = cust_id
  JOIN custtype ON cust_custtype_id = custtype_id
 WHERE coitem_status NOT IN ('X', 'C')
   AND coitem_scheddate BETWEEN %(start_date)s::date AND %(end_date)s::date
   AND (%(cust_id)s::integer IS NULL OR cust_id = %(cust_id)s::integer)
   AND (%(shipto_id)s::integer IS NULL OR cohead_shipto_id = %(shipto_id)s::integer)
   AND (%(custtype_id)s::integer IS NULL OR custtype_id = %(custtype_id)s::integer)
   AND (%(custtype_pattern)s::text IS NULL OR custtype_code ~ %(custtype_pattern)s::text);

-- name: allocate_reservations_run
-- reserveAllSo(), as the Allocate Reservations screen runs it.
SELECT reserveAllSo(%(add_packing_list)s::boolean, %(start_date)s::date, %(end_date)s::date,
         %(cust_id)s::integer, %(shipto_id)s::integer, %(custtype_id)s::integer,
         %(custtype_pattern)s::text) AS result;

-- name: late_credit_status_run
-- Put customers with open invoices or debit memos past due (plus grace days) on credit warning.
UPDATE custinfo
   SET cust_creditstatus = 'W'
 WHERE ((SELECT count(aropen_id)
           FROM aropen
          WHERE aropen_cust_id = cust_id
            AND aropen_open
            AND aropen_doctype IN ('I', 'D')
            AND aropen_duedate < CURRENT_DATE
                - COALESCE(cust_gracedays,
                    COALESCE((SELECT CAST(metric_value AS integer)
                                FROM metric
                               WHERE metric_name = 'DefaultAutoCreditWarnGraceDays'), 30))) > 0)
   AND cust_autoupdatestatus
   AND cust_creditstatus = 'G';

-- name: run_mrp_itemsites
-- The item sites MRP plans, manufactured then phantom then others, lowest BOM level first.
SELECT itemsite_id, item_number, warehous_code
  FROM (SELECT itemsite_id, item_number, warehous_code,
               CASE WHEN item_type = 'M' THEN 1 WHEN item_type = 'F' THEN 2 ELSE 3 END AS orderid,
               bomLevelByItem(item_id) AS levelid
          FROM itemsite
          JOIN item ON itemsite_item_id = item_id
          JOIN plancode ON itemsite_plancode_id = plancode_id
          JOIN whsinfo ON itemsite_warehous_id = warehous_id
         WHERE itemsite_active
           AND item_active
           AND itemsite_planning_type = %(planning_type)s::text
           AND (%(plancode_id)s::integer IS NULL OR plancode_id = %(plancode_id)s::integer)
           AND (%(plancode_pattern)s::text IS NULL OR plancode_code ~ %(plancode_pattern)s::text)
           AND (%(warehous_id)s::integer IS NULL OR itemsite_warehous_id = %(warehous_id)s::integer)
       ) AS data
 ORDER BY orderid, levelid, itemsite_id;

-- name: run_mrp_itemsite
-- createPlannedOrders() for one item site: the planned orders it created (< 0: not plannable).
SELECT createPlannedOrders(%(itemsite_id)s::integer, %(cutoff)s::date,
         %(delete_firmed)s::boolean, %(mps)s::boolean) AS result;

-- name: release_planned_orders_run
-- releasePlannedOrder() on every selected planned order, as the Release Planned Orders screen.
SELECT planord_id,
       releasePlannedOrder(planord_id, true, true) AS result
  FROM planord
  JOIN itemsite ON planord_itemsite_id = itemsite_id
 WHERE planord_startdate <= %(cutoff)s::date
   AND (%(warehous_id)s::integer IS NULL OR itemsite_warehous_id = %(warehous_id)s::integer)
   AND (NOT %(firmed_only)s::boolean OR planord_firm)
   AND (%(plancode_id)s::integer IS NULL OR itemsite_plancode_id = %(plancode_id)s::integer)
   AND (%(plancode_pattern)s::text IS NULL
        OR itemsite_plancode_id IN (SELECT plancode_id FROM plancode
                                     WHERE plancode_code ~ %(plancode_pattern)s::text))
 ORDER BY planord_id;
