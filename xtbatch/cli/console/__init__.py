"""The terminal side of xtbatch: database sessions for commands, tables, live watch and
progress bars. Commands in ``xtbatch/cli/commands`` build on it; nothing here parses arguments."""
