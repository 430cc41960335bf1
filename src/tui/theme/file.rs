//! The theme file format (TOML, documented at the top of `themes/default.toml`) and its
//! errors. A file may `extends` a builtin theme and then give only the keys it changes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::colour::Colormap;
use crate::dataset::schema::{OUTSIDE, parse_hex_colour};

/// Builtin theme names and their embedded files, in the order the UI lists them.
pub(super) const BUILTIN: [(&str, &str); 3] = [
    ("default", include_str!("../../../themes/default.toml")),
    (
        "colorblind",
        include_str!("../../../themes/colorblind.toml"),
    ),
    ("light", include_str!("../../../themes/light.toml")),
];

/// Why a theme could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// A theme file could not be read.
    #[error("cannot read theme file '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not TOML of a theme's shape (unknown keys included); the message gives the
    /// line.
    #[error("theme '{origin}' is not a valid theme file: {message}")]
    Parse { origin: String, message: String },
    /// A value is not `#rrggbb`.
    #[error("theme '{origin}': `{key}` = '{value}' is not a colour: write it as \"#rrggbb\"")]
    Colour {
        origin: String,
        key: String,
        value: String,
    },
    #[error(
        "theme '{origin}' has no `{key}`: add it, or put `extends = \"default\"` at the top to take the missing keys from a builtin theme"
    )]
    /// A required key is missing and no `extends` supplies it.
    Missing { origin: String, key: String },
    /// A `[classes]` key is not a class id 0–254.
    #[error("theme '{origin}': [classes] key '{key}' is not a class id 0..254")]
    ClassId { origin: String, key: String },
    #[error(
        "theme '{origin}': extends '{base}', which is not a builtin theme (use one of: {builtins})"
    )]
    /// `extends` names no builtin theme.
    Extends {
        origin: String,
        base: String,
        builtins: String,
    },
    /// `--theme` names neither a builtin, a theme in the config folder, nor a file.
    #[error("unknown theme '{spec}': use {choices}")]
    Unknown { spec: String, choices: String },
}

/// Declares the `[ui]` keys once: the file form `UiFile` (each key optional) and the resolved
/// `Ui` (each required but `bg`), with the merge and the resolution between them.
macro_rules! ui_colours {
    ($($(#[doc = $doc:literal])* $key:ident,)*) => {
        /// `[ui]` as written; every key optional so that `extends` can fill the gaps.
        #[derive(Debug, Default, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct UiFile {
            /// Optional even when resolved: no `bg` means the terminal's own background.
            bg: Option<String>,
            $($key: Option<String>,)*
        }

        /// Resolved `[ui]` colours (sRGB).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) struct Ui {
            /// Background of cells the theme paints (blank image margins); `None` keeps the
            /// terminal's.
            pub bg: Option<[u8; 3]>,
            $($(#[doc = $doc])* pub $key: [u8; 3],)*
        }

        impl UiFile {
            /// Keys of `self` win; the rest come from `base`.
            fn or(self, base: Self) -> Self {
                Self { bg: self.bg.or(base.bg), $($key: self.$key.or(base.$key),)* }
            }

            /// Every key as a colour; a missing required key is an error naming it.
            fn resolve(&self, origin: &str) -> Result<Ui, ThemeError> {
                Ok(Ui {
                    bg: self.bg.as_deref().map(|v| colour(origin, "ui.bg", v)).transpose()?,
                    $($key: required(origin, concat!("ui.", stringify!($key)), self.$key.as_deref())?,)*
                })
            }
        }
    };
}

ui_colours! {
    /// Normal text.
    fg,
    /// Secondary text: hints, units, not-applicable values.
    dim,
    /// Focused borders and titles, links.
    accent,
    /// Unfocused borders.
    border,
    /// Text of the selected row.
    selected_fg,
    /// Background of the selected row in the focused pane.
    selected_bg,
    /// Background of the selected row in an unfocused pane.
    selected_inactive_bg,
    /// Table and section headers.
    header,
    /// Status bar text.
    status_fg,
    /// Status bar background.
    status_bg,
    /// Key names in hints.
    key,
    /// Good values (high IoU, finished jobs).
    ok,
    /// Middling values, warnings.
    warn,
    /// Bad values, errors.
    error,
}

/// A theme file as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    /// The theme's name as shown; `custom` when absent.
    name: Option<String>,
    /// A builtin theme whose keys fill the ones this file leaves out.
    extends: Option<String>,
    /// Colormap of 0–1 values (uncertainty, confusion cells); viridis when absent.
    heat: Option<Colormap>,
    /// Colour of mask values outside the schema.
    invalid: Option<String>,
    /// Colour of the pixel cursor and the editor's marks.
    cursor: Option<String>,
    /// `[ui]`: the interface colours.
    #[serde(default)]
    ui: UiFile,
    /// Class id (as text) → `#rrggbb`, over the schema's own colours.
    #[serde(default)]
    classes: BTreeMap<String, String>,
}

impl ThemeFile {
    /// Parses the file as written, errors naming the line.
    fn parse(text: &str, origin: &str) -> Result<Self, ThemeError> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .and_then(|s| text.get(..s.start))
                .map(|before| before.matches('\n').count() + 1);
            ThemeError::Parse {
                origin: origin.to_string(),
                message: match line {
                    Some(line) => format!("line {line}: {}", e.message().trim()),
                    None => e.message().trim().to_string(),
                },
            }
        })
    }

    /// Keys of `self` win; the rest come from `base`.
    fn or(self, base: Self) -> Self {
        let mut classes = base.classes;
        classes.extend(self.classes);
        Self {
            name: self.name.or(base.name),
            extends: None,
            heat: self.heat.or(base.heat),
            invalid: self.invalid.or(base.invalid),
            cursor: self.cursor.or(base.cursor),
            ui: self.ui.or(base.ui),
            classes,
        }
    }
}

/// A theme file with every key resolved to a colour.
#[derive(Debug, Clone)]
pub(super) struct Resolved {
    /// The theme's name.
    pub name: String,
    /// Colormap of 0–1 values.
    pub heat: Colormap,
    /// Colour of mask values outside the schema (sRGB).
    pub invalid: [u8; 3],
    /// Colour of the cursor and the editor's marks (sRGB).
    pub cursor: [u8; 3],
    /// The interface colours.
    pub ui: Ui,
    /// Class id → colour overriding the schema's (sRGB).
    pub classes: BTreeMap<u8, [u8; 3]>,
}

/// Parses theme TOML; `origin` names the source in errors (a path or `<builtin NAME>`).
pub(super) fn parse(text: &str, origin: &str) -> Result<Resolved, ThemeError> {
    let mut file = ThemeFile::parse(text, origin)?;
    if let Some(base) = file.extends.take() {
        let Some((_, base_text)) = BUILTIN.iter().find(|(n, _)| *n == base) else {
            return Err(ThemeError::Extends {
                origin: origin.to_string(),
                base,
                builtins: builtin_list(),
            });
        };
        let base_file = ThemeFile::parse(base_text, &format!("<builtin {base}>"))?;
        file = file.or(base_file);
    }
    let mut classes = BTreeMap::new();
    for (key, value) in &file.classes {
        let id = key
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|&id| id != OUTSIDE)
            .ok_or_else(|| ThemeError::ClassId {
                origin: origin.to_string(),
                key: key.clone(),
            })?;
        classes.insert(id, colour(origin, &format!("classes.{key}"), value)?);
    }
    Ok(Resolved {
        name: file.name.unwrap_or_else(|| "custom".to_string()),
        heat: file.heat.unwrap_or(Colormap::Viridis),
        invalid: required(origin, "invalid", file.invalid.as_deref())?,
        cursor: required(origin, "cursor", file.cursor.as_deref())?,
        ui: file.ui.resolve(origin)?,
        classes,
    })
}

/// `default, colorblind, light`.
pub(super) fn builtin_list() -> String {
    BUILTIN.map(|(n, _)| n).join(", ")
}

/// The colour of a required key, or [`ThemeError::Missing`].
fn required(origin: &str, key: &str, value: Option<&str>) -> Result<[u8; 3], ThemeError> {
    let value = value.ok_or_else(|| ThemeError::Missing {
        origin: origin.to_string(),
        key: key.to_string(),
    })?;
    colour(origin, key, value)
}

/// Parses `#rrggbb`, or [`ThemeError::Colour`] naming the key.
fn colour(origin: &str, key: &str, value: &str) -> Result<[u8; 3], ThemeError> {
    parse_hex_colour(value).ok_or_else(|| ThemeError::Colour {
        origin: origin.to_string(),
        key: key.to_string(),
        value: value.to_string(),
    })
}
