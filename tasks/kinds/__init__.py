"""The job kinds, one module each, and the helpers they share (selectors, costing,
stock_levels, prerequisites).

Each kind module binds its function to the kind's declaration in :mod:`xtbatch.kinds` (its
parameters and policy) with :func:`tasks.runner.job_kind`. The worker registers them by
importing :mod:`tasks.catalog`.
"""
