"""Server-rendered dashboards for review teams: the warning-to-action picture (S/2011/552, paras. 59–60)."""
