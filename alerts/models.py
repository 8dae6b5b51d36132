"""Warning-to-action intervals, alert rules and alerts (see the alerts issue)."""
