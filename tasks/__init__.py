"""The Celery app's job kinds, one module each, and the result callbacks.

Importing this package registers every task on :data:`xtbatch.celeryapp.app`.
"""

from tasks import callbacks, email, ping, run_report, unknown, worker

__all__ = ["callbacks", "email", "ping", "run_report", "unknown", "worker"]

# The ERP job kinds (issue 4): importing each registers its task.
from tasks import allocate_reservations as allocate_reservations
from tasks import create_recurring as create_recurring
from tasks import post_actual_cost as post_actual_cost
from tasks import post_gl_series as post_gl_series
from tasks import post_invoices as post_invoices
from tasks import release_planned_orders as release_planned_orders
from tasks import run_mrp as run_mrp
from tasks import server_maintenance as server_maintenance
from tasks import update_actual_cost as update_actual_cost
from tasks import update_late_cust_credit_status as update_late_cust_credit_status
from tasks import update_out_level as update_out_level
from tasks import update_reorder_level as update_reorder_level
from tasks import update_standard_cost as update_standard_cost
