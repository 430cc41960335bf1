//! Status-bar state: the last message (running jobs live in the task table).

/// How a status message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Neutral information, in the status bar's own colours.
    Info,
    /// Something done, in the theme's ok colour.
    Ok,
    /// Refused or worth attention, in the warning colour.
    Warn,
    /// Failed, in the error colour.
    Error,
}
