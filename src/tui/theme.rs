//! Themes. Being built.
