"""Reads for the dashboards: every figure computed in the database, every row through the viewer's
clearance (``cases.sharing``). One module per page."""
