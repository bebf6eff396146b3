//! The pipeline: source → classify → store → detect → alert, joined by typed channels.
