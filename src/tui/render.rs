//! Pixels to terminal cells. Being built.
