//! Deterministic, seeded generator of Weibo-style post streams (fixtures, tests, benchmarks).
