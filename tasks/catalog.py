"""Every module that registers a Celery task: the job kinds (tasks/kinds/), one module each,
the result callbacks and the worker's lifecycle. The worker imports this module;
`import tasks` alone registers nothing and needs no settings.
"""

from tasks import callbacks, worker
from tasks.kinds import (
    allocate_reservations,
    create_recurring,
    email,
    ping,
    post_actual_cost,
    post_gl_series,
    post_invoices,
    release_planned_orders,
    run_mrp,
    run_report,
    server_maintenance,
    unknown,
    update_actual_cost,
    update_late_cust_credit_status,
    update_out_level,
    update_reorder_level,
    update_standard_cost,
)

__all__ = [
    "allocate_reservations",
    "callbacks",
    "create_recurring",
    "email",
    "ping",
    "post_actual_cost",
    "post_gl_series",
    "post_invoices",
    "release_planned_orders",
    "run_mrp",
    "run_report",
    "server_maintenance",
    "unknown",
    "update_actual_cost",
    "update_late_cust_credit_status",
    "update_out_level",
    "update_reorder_level",
    "update_standard_cost",
    "worker",
]
