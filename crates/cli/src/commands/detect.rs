//! `trendwatch detect` (to be implemented).

/// Arguments of `trendwatch detect`.
#[derive(Debug, clap::Args)]
pub struct DetectArgs {}

/// Runs `trendwatch detect`.
pub fn run(args: DetectArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("not implemented yet")
}
