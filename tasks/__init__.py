"""The Celery app's job kinds, one module each, the runner and the result callbacks.

The worker registers them by importing :mod:`tasks.catalog`.
"""
