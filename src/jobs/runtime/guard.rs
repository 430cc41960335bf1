//! Work run so that a panic becomes a message: a bug in a background job is reported to the
//! front end (the TUI's status bar) instead of unwinding through it and wrecking the terminal.

use std::fmt::Display;

/// The panic's message when it is text, else `unknown panic`.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Runs `f`, turning a panic into `"{what} failed unexpectedly: {panic message}"`; the error,
/// whatever it was, becomes the message the front end shows (its `Display`).
pub fn guarded<T, E: Display>(what: &str, f: impl FnOnce() -> Result<T, E>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(p) => Err(format!("{what} failed unexpectedly: {}", panic_text(&*p))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_message_and_an_error_its_text() {
        let r: Result<(), String> = guarded("prediction", || -> Result<(), String> {
            let v: Vec<u8> = Vec::new();
            assert!(v.len() + 3 < v.len(), "index out of bounds");
            Ok(())
        });
        assert_eq!(
            r,
            Err("prediction failed unexpectedly: index out of bounds".into())
        );
        let e: Result<u8, String> = guarded("loading", || Err::<u8, _>("no such file"));
        assert_eq!(e, Err("no such file".into()));
        assert_eq!(guarded("loading", || Ok::<_, String>(7)), Ok(7));
    }
}
