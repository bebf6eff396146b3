//! Storage: posts, participation, spikes, alerts and cursors in SQLite, behind a trait.
