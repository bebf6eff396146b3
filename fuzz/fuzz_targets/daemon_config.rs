//! The daemon's TOML configuration file through `DaemonConfig::from_toml_str`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use trendwatch_pipeline::daemon::config::DaemonConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut config) = DaemonConfig::from_toml_str(text, "fuzz.toml") {
        config.resolve_secrets(|_| None);
        let _ = config.http.fetch_config();
        assert!(config.channel_capacity >= 1);
    }
});
