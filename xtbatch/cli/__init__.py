"""The ``xtbatch`` command line, built on the core library (``xtbatch/``).

``main`` parses the command line; ``commands/`` holds the core subcommands, ``console/`` the
terminal side they share, ``embedded`` the demo's private servers and ``sample/`` the part of
xTuple's schema the demo installs. The core never imports this package.
"""
