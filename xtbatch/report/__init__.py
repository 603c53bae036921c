"""Render xTuple OpenRPT reports, with their SQL and MetaSQL queries, to PDF."""
