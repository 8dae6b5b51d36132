"""Writes that must stay consistent across several models.

The admin, the API and the management commands call these functions, so each rule lives once.
Every function here runs in a transaction: it either writes everything or nothing.
"""

from __future__ import annotations
