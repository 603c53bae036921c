"""The periodic schedule and what it submits.

Beat submits periodic work as ordinary ``xtbatch.batch`` rows through xTuple's own
``xtbatch.submitActionToBatch`` (so ERP users see it like any job) and purges old history.
Its entries run inside the beat process, never on the job queue: see ``beat/service.py``.
"""
