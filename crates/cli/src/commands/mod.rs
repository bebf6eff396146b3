//! One module per subcommand: its clap arguments and its `run` function.

pub mod classify;
pub mod detect;
pub mod generate;
