//! Helpers shared by the fuzz targets (included with `mod common;`).
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
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

/// Largest single allocation allowed while fuzzing. Inputs are at most a few hundred KB, so a
/// bigger request means an allocation sized by the input (or worse) rather than by its length.
/// libFuzzer's `-malloc_limit_mb` needs a sanitizer's malloc hooks; this does the same on stable.
const MAX_ALLOC: usize = 256 << 20;

/// The system allocator, aborting (a crash libFuzzer records) on any oversized request.
struct CappedAlloc;

fn too_big(size: usize) -> ! {
    // No formatting machinery that could allocate: write the message by hand.
    use std::io::Write;
    let _ = std::io::stderr()
        .write_all(b"fuzz: allocation over the 256 MB cap: unbounded allocation\n");
    let _ = size;
    std::process::abort()
}

// SAFETY: every method forwards to `System` with the caller's layout unchanged.
unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOC {
            too_big(layout.size());
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOC {
            too_big(layout.size());
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOC {
            too_big(new_size);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: CappedAlloc = CappedAlloc;
