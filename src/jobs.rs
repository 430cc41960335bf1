//! Long work off the UI thread (progress records, cancel tokens, latest-wins requests).
//! Filled in with the model worker and the TUI.
