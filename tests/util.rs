use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// The built `trendwatch` binary, with logs quiet unless the test sets RUST_LOG.
pub fn trendwatch() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trendwatch"));
    cmd.env("RUST_LOG", "warn");
    cmd
}

/// Runs the binary with `args`, returning its output; panics with stderr if it failed.
pub fn run_ok(args: &[&str]) -> Output {
    let output = trendwatch().args(args).output().expect("run trendwatch");
    assert!(
        output.status.success(),
        "trendwatch {args:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Writes the WeChat-outage stream at `scale` into `dir/stream.jsonl` with the generator.
pub fn wechat_stream(dir: &Path, scale: f64) -> PathBuf {
    let path = dir.join("stream.jsonl");
    let scale = scale.to_string();
    run_ok(&[
        "generate",
        "--scenario",
        "wechat-2015",
        "--scale",
        &scale,
        "--out",
        path.to_str().expect("utf-8 path"),
    ]);
    path
}

/// Parses stdout as JSON lines.
pub fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// The test scale of the WeChat story: about 7,000 complaining users (full scale: 350,000).
pub const SCALE: f64 = 0.02;

/// The smallest scale at which the first five minutes of complaints already exceed the
/// detector's minimum episode size (30 people), so "alert within 10 minutes" is checkable:
/// about 35,000 complaining users.
pub const ALERT_SCALE: f64 = 0.1;
