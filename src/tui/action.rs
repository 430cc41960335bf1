//! What a key can do: one `Action` per user intent, named in snake_case in the keymap TOML,
//! each with the one-line description that the help screen shows.
//!
//! The `actions!` macro writes each description once: it becomes the variant's rustdoc and
//! [`Action::doc`], so the help screen and the API docs cannot drift apart. The snake-case
//! names are the keymap's vocabulary: renaming a variant breaks users' `keymap.toml` files.

use serde::{Deserialize, Serialize};

/// Declares [`Action`] from `Name => "description"` pairs, with [`Action::ALL`] in the order
/// given (the help screen's) and [`Action::doc`].
macro_rules! actions {
    ($($name:ident => $doc:literal,)*) => {
        /// A user intent, bound to keys per layer in the keymap.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action {
            $(#[doc = $doc] $name,)*
        }

        impl Action {
            /// Every action, in help order.
            pub const ALL: &'static [Action] = &[$(Action::$name),*];

            /// The one-line description shown by help.
            pub fn doc(self) -> &'static str {
                match self {
                    $(Action::$name => $doc,)*
                }
            }
        }
    };
}

actions! {
    Quit => "quit semcurate",
    Help => "show or hide this help",
    Back => "close the popup or go back to the list",
    ScreenBrowse => "screen: dataset list",
    ScreenImage => "screen: image view",
    ScreenAudit => "screen: audit (confusion matrix, IoU per bin)",
    ScreenQueue => "screen: review queue",
    ScreenBins => "screen: scale bins",
    Up => "move up",
    Down => "move down",
    Left => "move left",
    Right => "move right",
    PageUp => "move a page up",
    PageDown => "move a page down",
    Top => "go to the first entry",
    Bottom => "go to the last entry",
    Open => "open the selected entry",
    FocusNext => "switch focus between panes",
    ToggleSample => "fold or unfold the sample under the cursor",
    NextImage => "next image in the list",
    PrevImage => "previous image in the list",
    NextFlagged => "next image in the review queue",
    PrevFlagged => "previous image in the review queue",
    OverlayNext => "cycle the overlay: none, mask, prediction, error, uncertainty",
    OverlayNone => "overlay: none (the BSE image)",
    OverlayMask => "overlay: ground-truth mask",
    OverlayPrediction => "overlay: prediction",
    OverlayError => "overlay: errors, coloured by true class",
    OverlayUncertainty => "overlay: uncertainty heatmap",
    OpacityUp => "overlay more opaque",
    OpacityDown => "overlay more transparent",
    Triptych => "side by side: image | mask | prediction",
    Levels => "contrast: stretch the image's grey levels to its own range (toggle)",
    WindowUp => "contrast window: 8 grey levels up (the image darker)",
    WindowDown => "contrast window: 8 grey levels down (the image brighter)",
    WindowNarrower => "contrast window: 16 grey levels narrower (more contrast)",
    WindowWider => "contrast window: 16 grey levels wider (less contrast)",
    WindowReset => "contrast: grey levels as stored (no window, no stretch)",
    ZoomIn => "zoom in about the cursor",
    ZoomOut => "zoom out about the cursor",
    ZoomFit => "fit the whole image",
    PanLeft => "pan left",
    PanRight => "pan right",
    PanUp => "pan up",
    PanDown => "pan down",
    CursorLeft => "move the pixel cursor left",
    CursorRight => "move the pixel cursor right",
    CursorUp => "move the pixel cursor up",
    CursorDown => "move the pixel cursor down",
    Predict => "predict this image again with the model",
    PredictAll => "predict every image without a stored prediction (background job)",
    CancelJob => "cancel the running background job",
    Retrain => "retrain: fine-tune the model on the current labels (from nothing without one) into a new model in the workspace, re-predict, audit before/after (background job)",
    Refresh => "re-index the dataset and reload summaries",
    MarkReviewed => "decision: reviewed, the mask is right",
    Flag => "decision: flag, the mask needs work",
    Skip => "decision: skip for now",
    NextStrategy => "queue strategy: next (4 review, then 5 active-learning)",
    NextBin => "next scale bin",
    PrevBin => "previous scale bin",
    EdgeUp => "move the selected bin edge up",
    EdgeDown => "move the selected bin edge down",
    EdgeAdd => "add a bin edge after the selected one",
    EdgeDelete => "delete the selected bin edge",
    EdgesApply => "apply the edited edges to the workspace",
    EdgesReset => "discard edge edits",
    OverlayEdited => "overlay: pixels edited by hand",
    MarkCorrected => "status: corrected (the first stroke sets it too)",
    MarkAccepted => "status: accepted (for export; leaves the queue)",
    MarkRejected => "status: rejected (never exported; leaves the queue)",
    EditMode => "edit the mask: brush, fills, accept (esc leaves)",
    EditLeave => "editor: cancel preview or polygon, else leave",
    Class0 => "editor: active class 0",
    Class1 => "editor: active class 1",
    Class2 => "editor: active class 2",
    Class3 => "editor: active class 3",
    Class4 => "editor: active class 4",
    Class5 => "editor: active class 5",
    Class6 => "editor: active class 6",
    Class7 => "editor: active class 7",
    Class8 => "editor: active class 8",
    Class9 => "editor: active class 9",
    ClassNext => "editor: next class",
    ClassPrev => "editor: previous class",
    ClassPicker => "editor: pick the active class by its short name",
    BrushStamp => "editor: paint the brush once at the cursor",
    PaintMode => "editor: paint mode: cursor moves paint (toggle)",
    EraseMode => "editor: erase: the brush makes pixels unlabelled",
    RestoreMode => "editor: restore: the brush puts back the proposal's class",
    SuperpixelFill => "editor: give the active class to the superpixels under the brush (grey SNIC, ~150 px each)",
    SuperpixelEdges => "editor: show or hide the superpixels' edges",
    Assist => "editor: assist on/off: a pixel classifier trained on this image's labels proposes the rest, again after every stroke",
    BrushBigger => "editor: bigger brush (up to 64 px)",
    BrushSmaller => "editor: smaller brush",
    BrushShape => "editor: round or square brush",
    FloodFill => "editor: fill the same-class region at the cursor",
    GreyFill => "editor: grey-level fill (BSE grey ± tolerance), preview",
    ToleranceUp => "editor: grey-fill tolerance up",
    ToleranceDown => "editor: grey-fill tolerance down",
    PolygonPoint => "editor: add a polygon corner at the cursor",
    PolygonFill => "editor: fill the polygon with the active class",
    Apply => "editor: apply the grey-fill preview or the polygon",
    AcceptRegion => "editor: accept the proposal in the region at the cursor",
    AcceptAll => "editor: accept the proposal for the whole image",
    AcceptClass => "editor: accept the proposal's class at the cursor",
    AcceptConfident => "editor: accept the proposal where confidence ≥ threshold",
    ConfidenceUp => "editor: confidence threshold up",
    ConfidenceDown => "editor: confidence threshold down",
    LockClass => "editor: lock or unlock the active class",
    Undo => "editor: undo the last stroke",
    Redo => "editor: redo",
}

impl std::fmt::Display for Action {
    /// The action's keymap name (`screen_browse`), as serde spells it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // serde gives the snake_case name used in the keymap.
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        f.write_str(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_snake_case() {
        for &a in Action::ALL {
            let name = a.to_string();
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            let back: Action = serde_json::from_value(serde_json::Value::String(name)).unwrap();
            assert_eq!(back, a);
        }
        assert_eq!(Action::OverlayPrediction.to_string(), "overlay_prediction");
    }
}
