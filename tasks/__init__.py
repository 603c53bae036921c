"""The worker's side: the runner, the result callbacks, the worker's lifecycle and the job
kinds (:mod:`tasks.kinds`).

The worker registers them by importing :mod:`tasks.catalog`.
"""
