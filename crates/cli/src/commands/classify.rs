//! `trendwatch classify` (to be implemented).

/// Arguments of `trendwatch classify`.
#[derive(Debug, clap::Args)]
pub struct ClassifyArgs {}

/// Runs `trendwatch classify`.
pub fn run(args: ClassifyArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("not implemented yet")
}
