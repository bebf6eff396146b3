//! Helpers shared by the fuzz targets (included with `mod common;`).
#![allow(dead_code)]

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use trendwatch_model::Post;
use trendwatch_scraper::RecordError;
use trendwatch_scraper::time::weibo_launch;

/// The capture time used for relative dates: 2015-09-13 14:00 Beijing (the WeChat outage).
pub fn reference() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2015-09-13T14:00:00+08:00").expect("constant date")
}

/// The invariants every parsed post must keep: a plausible date (not before Weibo launched,
/// at most a day after the capture time) and a non-empty id.
pub fn check_post(post: &Post, reference: Option<DateTime<FixedOffset>>) {
    assert!(!post.id.is_empty(), "post without id: {post:?}");
    assert!(
        post.created_at >= weibo_launch(),
        "post before Weibo launched: {post:?}"
    );
    if let Some(r) = reference {
        assert!(
            post.created_at <= r + chrono::Duration::days(1),
            "post more than a day after the capture time {r}: {post:?}"
        );
    }
}

/// Every record error must name the file it came from.
pub fn check_error(e: &RecordError, file: &Path) {
    assert_eq!(e.file, file, "error names the wrong file: {e}");
    assert!(!e.field.is_empty(), "error names no field: {e}");
}
