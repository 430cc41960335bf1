//! The terminal UI (ratatui + crossterm live here and nowhere else). Being built.

pub mod render;
pub mod theme;
