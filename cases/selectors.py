"""Reusable read queries. Each takes a ``Clearance`` and narrows through ``cases.sharing``."""

from __future__ import annotations
