//! Short content fingerprints: the first 8 bytes of SHA-256 as 16 hex digits.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// 16 hex digits of a finished SHA-256.
pub fn short_hex(hasher: Sha256) -> String {
    hasher
        .finalize()
        .iter()
        .take(8)
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
