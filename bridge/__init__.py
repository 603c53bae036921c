"""The bridge: one leader process per ERP database that dispatches due jobs onto its queue."""
