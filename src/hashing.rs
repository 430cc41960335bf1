//! Short content fingerprints: the first 8 bytes of SHA-256 as 16 hex digits.
//!
//! 64 bits are enough to tell versions of the same thing apart (a model's weights, an export's
//! rows, an imported file, a training set), not to resist an adversary. Callers feed the hasher
//! themselves and decide what goes in; this module only formats the result.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// 16 hex digits of a finished SHA-256.
///
/// Consumes the hasher; the result is always 16 lower-case hex digits (the first 8 bytes of
/// the digest in order), so equal inputs give equal strings on every platform.
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
