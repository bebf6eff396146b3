//! The `trendwatch` command line: query, replay, daemon and demo.
fn main() {}
