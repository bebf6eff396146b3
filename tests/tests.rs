//! End-to-end tests: the real `trendwatch` binary on fixtures and real SQLite files.
//!
//! One integration-test binary (as ripgrep does); each module covers one area.

/// Shared helpers: running the binary, temporary directories, generated fixtures.
mod util;

/// `trendwatch parse` on the hand-checked samples.
mod parse;
/// `trendwatch replay` end to end: the WeChat alert, determinism, idempotence, bad input.
mod replay;
/// The research queries on a replayed database.
mod query;
/// Crash consistency: SIGKILL at random points, rerun, compare with one clean run.
mod crash;
/// The live daemon against scripted local servers: politeness, failures, outbox, restart, SIGTERM.
mod daemon;
/// The researcher's workbench: series --plot, export, the serve API and the live page in Chromium.
mod workbench;
/// Hostile and broken input: huge lines, deep nesting, bad charsets, NULs, absurd series, read-only and foreign databases.
mod hostile;
