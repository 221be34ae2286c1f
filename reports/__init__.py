"""Statistics: daily and monthly reports (CSV, charts, HTML) from the queue event log."""
