//! One module per subcommand: its clap arguments and its `run` function.

pub mod classify;
pub mod daemon;
pub mod demo;
pub mod detect;
pub mod export;
pub mod generate;
pub mod parse;
pub mod plot;
pub mod query;
pub mod replay;
pub mod serve;
pub mod status;
