"""Every module that registers a Celery task: the job kinds, one module each, the result
callbacks and the worker's lifecycle. The Celery app includes this module (and only the
worker imports it), so `import tasks` alone registers nothing and needs no settings.
"""

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

__all__ = [name for name in dir() if not name.startswith("_")]
