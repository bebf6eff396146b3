//! Reading a response body under a size cap, decompressing it under the same cap.

use std::io::Read;

use reqwest::header;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Larger than the cap, compressed or decompressed.
    TooLarge,
    /// The connection failed or timed out mid-body.
    Transport(reqwest::Error),
    /// Bad or unsupported compression.
    Decode(String),
}

/// Streams the body, stopping as soon as it passes `cap`, then undoes `Content-Encoding`
/// (gzip, deflate) without ever holding more than `cap` decompressed bytes.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let encoding = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let mut raw = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if raw.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge);
        }
        raw.extend_from_slice(&chunk);
    }
    decompress(raw, &encoding, cap)
}

/// Undoes a `Content-Encoding`, reading at most `cap` + 1 decompressed bytes.
pub(crate) fn decompress(raw: Vec<u8>, encoding: &str, cap: usize) -> Result<Vec<u8>, BodyError> {
    let limit = cap as u64 + 1;
    let mut out = Vec::new();
    let result = match encoding {
        "" | "identity" => return Ok(raw),
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(raw.as_slice())
            .take(limit)
            .read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(raw.as_slice())
            .take(limit)
            .read_to_end(&mut out),
        other => {
            return Err(BodyError::Decode(format!(
                "unsupported Content-Encoding {other:?}"
            )));
        }
    };
    result.map_err(|e| BodyError::Decode(format!("{encoding}: {e}")))?;
    if out.len() > cap {
        return Err(BodyError::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn a_decompression_bomb_is_cut_off_at_the_cap() {
        let bomb = gzip(&vec![b'a'; 50 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024, "50 MiB of 'a' compresses well");
        assert!(matches!(
            decompress(bomb, "gzip", 1024 * 1024),
            Err(BodyError::TooLarge)
        ));
    }

    #[test]
    fn small_bodies_decompress() {
        let body = gzip("微博 ok".as_bytes());
        assert_eq!(
            decompress(body, "gzip", 1024).unwrap(),
            "微博 ok".as_bytes()
        );
        assert_eq!(decompress(b"plain".to_vec(), "", 5).unwrap(), b"plain");
        assert!(matches!(
            decompress(b"x".to_vec(), "br", 5),
            Err(BodyError::Decode(_))
        ));
        assert!(matches!(
            decompress(b"not gzip".to_vec(), "gzip", 100),
            Err(BodyError::Decode(_))
        ));
    }
}
