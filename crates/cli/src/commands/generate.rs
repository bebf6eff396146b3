//! `trendwatch generate` (to be implemented).

/// Arguments of `trendwatch generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {}

/// Runs `trendwatch generate`.
pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("not implemented yet")
}
