//! End-to-end tests: run the real `trendwatch` binary on fixtures and real SQLite files.
