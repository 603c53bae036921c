"""The core subcommands of ``xtbatch``: each module has ``register(subparsers, parent)``."""
