"""Periodic reports (定期报表): one PeriodicReport per kind, organization and finished period, computed from the
data as it was at the period's end, stored as a PDF and an XLSX. See reports/README.md."""
