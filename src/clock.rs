//! Wall-clock times as people read them: seconds since the Unix epoch, shown in UTC (the
//! servers our users share span time zones) and as an age.
//!
//! Times are plain `i64` counts, not `SystemTime`, so they go into SQLite rows and JSON as is.
//! A clock set before 1970 reads as 0 rather than failing.

/// Seconds since the Unix epoch, now.
///
/// 0 if the system clock is before the epoch; never panics.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `2026-11-29 23:05:01 UTC` for `secs` since the Unix epoch.
pub fn utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `5 s ago`, `12 min ago`, `3 h ago`, `2 days ago` for `secs` since the Unix epoch.
///
/// A time in the future (clock skew between machines) reads `0 s ago`. Units are floored: 119 s
/// is `1 min ago`.
pub fn ago(secs: i64) -> String {
    let age = (now() - secs).max(0);
    match age {
        0..60 => format!("{age} s ago"),
        60..3600 => format!("{} min ago", age / 60),
        3600..86_400 => format!("{} h ago", age / 3600),
        _ => format!("{} days ago", age / 86_400),
    }
}

/// Year, month, day of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_795_993_501), "2026-11-29 23:05:01 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn ages() {
        assert_eq!(ago(now() - 5), "5 s ago");
        assert_eq!(ago(now() - 3 * 3600 - 10), "3 h ago");
        assert_eq!(ago(now() + 100), "0 s ago");
    }
}
