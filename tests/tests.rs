//! End-to-end tests: the real `trendwatch` binary on fixtures and real SQLite files.
//!
//! One integration-test binary (as ripgrep does); each module covers one area.

/// Shared helpers: running the binary, temporary directories, generated fixtures.
mod util;

/// Crash consistency: SIGKILL at random points, rerun, compare with one clean run.
mod crash;
/// The live daemon against scripted local servers: politeness, failures, outbox, restart, SIGTERM.
mod daemon;
/// Hostile and broken input: huge lines, deep nesting, bad charsets, NULs, absurd series, read-only and foreign databases.
mod hostile;
/// `trendwatch parse` on the hand-checked samples.
mod parse;
/// The research queries on a replayed database.
mod query;
/// `trendwatch replay` end to end: the WeChat alert, determinism, idempotence, bad input.
mod replay;
/// The researcher's workbench: series --plot, export, the serve API and the live page in Chromium.
mod workbench;
