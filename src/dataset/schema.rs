//! Class schemas: which mask value means which mineral class.
//!
//! A schema is an ordered list of classes with contiguous ids `0..N`; ids are stable, because
//! they are the pixel values written in every mask of a dataset. The default is the ten classes
//! of the MineralClassifier study; `schemas/extended.toml` splits class 9 (Other) into Zircon
//! and Phosphate. A dataset may ship its own `classes.toml` at its root. A schema may also map
//! raw mask values to class ids (`[mask_values]`), for datasets whose masks store, say, 0/255.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use file::{SchemaFile, class_defs, invalid, mask_values};

/// A mask pixel value that names a class.
pub type ClassId = u8;

/// File name of a dataset's own schema, at the dataset root.
pub const SCHEMA_FILE: &str = "classes.toml";

const DEFAULT_TOML: &str = include_str!("../../schemas/default.toml");
const EXTENDED_TOML: &str = include_str!("../../schemas/extended.toml");

/// One mineral class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassDef {
    /// Pixel value in masks.
    pub id: ClassId,
    /// Full name, e.g. "Metallic Fe: kamacite, martensite".
    pub name: String,
    /// Short name for tables, e.g. "Fe".
    pub short: String,
    /// Display colour as sRGB.
    pub colour: [u8; 3],
    /// Underrepresented in typical datasets; audits and queues give it priority.
    #[serde(default)]
    pub rare: bool,
}

/// The classes of a dataset, in id order, with an optional raw-value mapping for masks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSchema {
    /// Human name of the schema, e.g. "mineralclassifier-10".
    pub name: String,
    /// Classes, `classes[i].id == i`.
    pub classes: Vec<ClassDef>,
    /// Raw mask value → class id, applied before validation. Empty means identity.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mask_values: BTreeMap<u16, ClassId>,
    /// The raw mask value that means "not labelled" (partial masks, scribbles): 255 unless
    /// `classes.toml` says `unlabelled = N`. It is read as [`UNLABELLED`], counted apart, and
    /// left out of every figure. A `[mask_values]` entry for the same value wins (masks that
    /// use 255 as a class map it there).
    #[serde(default = "default_unlabelled")]
    pub unlabelled: u16,
}

/// The study's masks never hold 255; scribble tools (ilastik, napari) write it for "no label".
pub const DEFAULT_UNLABELLED: u16 = 255;

fn default_unlabelled() -> u16 {
    DEFAULT_UNLABELLED
}

/// Why a schema file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The schema file could not be read.
    #[error("cannot read schema '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not TOML of the schema's shape (an unknown key included).
    #[error("schema '{path}' is not valid TOML for a class schema: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "schema '{path}': class ids must be 0..{count} in order without gaps, found id {found} at position {position}"
    )]
    /// Class ids are not `0, 1, 2, …` in file order: ids are mask values and must be contiguous.
    Ids {
        path: PathBuf,
        count: usize,
        found: u16,
        position: usize,
    },
    /// Any other bad value: a colour that is not `#rrggbb`, a mask value mapped past the classes.
    #[error("schema '{path}': {message}")]
    Invalid { path: PathBuf, message: String },
    /// `--schema` named neither a built-in schema nor an existing file.
    #[error("unknown schema '{0}': use 'default', 'extended' or a path to a classes.toml")]
    Unknown(String),
}

impl Default for ClassSchema {
    fn default() -> Self {
        Self::parse(DEFAULT_TOML, Path::new("<built-in default>"))
            .expect("the built-in default schema is valid (tested)")
    }
}

impl ClassSchema {
    /// The study's ten classes.
    pub fn mineralclassifier() -> Self {
        Self::default()
    }

    /// The ten classes with Other split into Zircon (9) and Phosphate (10).
    pub fn extended() -> Self {
        Self::parse(EXTENDED_TOML, Path::new("<built-in extended>"))
            .expect("the built-in extended schema is valid (tested)")
    }

    /// `default`, `extended`, or a path to a schema TOML file.
    pub fn by_name_or_path(spec: &str) -> Result<Self, SchemaError> {
        match spec {
            "default" | "mineralclassifier" => Ok(Self::default()),
            "extended" => Ok(Self::extended()),
            other if Path::new(other).is_file() => Self::load(Path::new(other)),
            other => Err(SchemaError::Unknown(other.to_string())),
        }
    }

    /// Reads a schema file.
    pub fn load(path: &Path) -> Result<Self, SchemaError> {
        let text = std::fs::read_to_string(path).map_err(|source| SchemaError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// The dataset's `classes.toml` if it has one, else the default schema.
    pub fn for_dataset(root: &Path) -> Result<Self, SchemaError> {
        let file = root.join(SCHEMA_FILE);
        if file.is_file() {
            Self::load(&file)
        } else {
            Ok(Self::default())
        }
    }

    /// Parses schema TOML; `path` only names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SchemaError> {
        let file: SchemaFile = toml::from_str(text).map_err(|e| SchemaError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if file.classes.is_empty() || file.classes.len() > MAX_CLASSES {
            return Err(invalid(
                path,
                format!(
                    "needs 1 to {MAX_CLASSES} [[class]] entries, found {}",
                    file.classes.len()
                ),
            ));
        }
        let count = file.classes.len();
        let classes = class_defs(file.classes, path)?;
        let mask_values = mask_values(file.mask_values, count, path)?;
        let unlabelled = file.unlabelled.unwrap_or(DEFAULT_UNLABELLED);
        if mask_values.is_empty() && usize::from(unlabelled) < count {
            return Err(invalid(
                path,
                format!(
                    "unlabelled = {unlabelled} is also the id of class {unlabelled}: choose a value the masks use for no class (default 255)"
                ),
            ));
        }
        Ok(Self {
            name: file.name.unwrap_or_else(|| "custom".to_string()),
            classes,
            mask_values,
            unlabelled,
        })
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Always false: a schema has at least one class.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// The class for id, if it exists.
    pub fn class(&self, id: ClassId) -> Option<&ClassDef> {
        self.classes.get(usize::from(id))
    }

    /// Short name of a class id, or `#id` for unknown ids.
    pub fn short(&self, id: ClassId) -> String {
        self.class(id)
            .map_or_else(|| format!("#{id}"), |c| c.short.clone())
    }

    /// Maps a raw mask value to a class id, or `None` when it is outside the schema.
    pub fn class_of_value(&self, value: u16) -> Option<ClassId> {
        if let Some(&class) = self.mask_values.get(&value) {
            return Some(class);
        }
        if self.mask_values.is_empty() && usize::from(value) < self.len() {
            return Some(value as ClassId);
        }
        None
    }

    /// A 65536-entry table from raw mask value to class id: [`UNLABELLED`] for the schema's
    /// unlabelled value (unless a class takes it), [`OUTSIDE`] for values of no class.
    pub fn value_table(&self) -> Vec<u8> {
        (0..=u16::MAX)
            .map(|v| match self.class_of_value(v) {
                Some(c) => c,
                None if v == self.unlabelled => UNLABELLED,
                None => OUTSIDE,
            })
            .collect()
    }

    /// Adds or replaces raw value mappings, e.g. from `--mask-map 255=5`.
    pub fn with_mask_map(mut self, pairs: &[(u16, ClassId)]) -> Result<Self, SchemaError> {
        for &(value, class) in pairs {
            if usize::from(class) >= self.len() {
                return Err(SchemaError::Invalid {
                    path: PathBuf::from("--mask-map"),
                    message: format!(
                        "maps {value} to class {class}, but the schema has classes 0..{}",
                        self.len() - 1
                    ),
                });
            }
            self.mask_values.insert(value, class);
        }
        Ok(self)
    }

    /// Whether every id of a class-id mask is a class of this schema or [`UNLABELLED`]: a
    /// mask fit to train on (partial masks included).
    pub fn holds_only_classes_or_unlabelled(&self, mask: &[u8]) -> bool {
        mask.iter()
            .all(|&c| usize::from(c) < self.len() || c == UNLABELLED)
    }

    /// Ids of the classes flagged rare.
    pub fn rare_ids(&self) -> Vec<ClassId> {
        self.classes
            .iter()
            .filter(|c| c.rare)
            .map(|c| c.id)
            .collect()
    }

    /// A stable text fingerprint of ids and names (not colours), for model/dataset checks.
    pub fn identity(&self) -> String {
        self.classes
            .iter()
            .map(|c| format!("{}={}", c.id, c.name))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Marker in [`ClassSchema::value_table`] for a raw value outside the schema. A mask holding
/// it is invalid and is not used.
pub const OUTSIDE: u8 = 255;

/// Marker in a class-id mask for a pixel nobody has labelled (a partial mask): never a class
/// id, so a schema has at most [`MAX_CLASSES`] classes. Counts, metrics and training leave
/// these pixels out; files store the schema's raw `unlabelled` value instead (255 by default).
pub const UNLABELLED: u8 = 254;

/// Classes a schema may have: ids 0..=253 (254 and 255 are the markers above).
pub const MAX_CLASSES: usize = 254;

/// Parses `#rrggbb`.
pub fn parse_hex_colour(text: &str) -> Option<[u8; 3]> {
    let hex = text.trim().strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// Parses `255=5,0=4` pairs for `--mask-map`.
pub fn parse_mask_map(text: &str) -> Result<Vec<(u16, ClassId)>, String> {
    let pairs: Vec<(u16, ClassId)> = text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|pair| {
            let (value, class) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not VALUE=CLASS, e.g. 255=5"))?;
            let value = value
                .trim()
                .parse::<u16>()
                .map_err(|_| format!("'{value}' is not a pixel value 0..65535"))?;
            let class = class
                .trim()
                .parse::<u8>()
                .map_err(|_| format!("'{class}' is not a class id 0..254"))?;
            Ok((value, class))
        })
        .collect::<Result<_, String>>()?;
    for (i, (value, class)) in pairs.iter().enumerate() {
        if let Some((_, other)) = pairs[..i].iter().find(|(v, _)| v == value) {
            return Err(format!(
                "value {value} is mapped twice (to {other} and to {class}): give each value once"
            ));
        }
    }
    Ok(pairs)
}

fn fallback_colour(i: usize) -> [u8; 3] {
    // Golden-angle hues: distinct colours for classes a schema file leaves uncoloured.
    let h = (i as f64 * 137.508) % 360.0;
    let (r, g, b) = hsv_to_rgb(h, 0.65, 0.95);
    [r, g, b]
}

fn hsv_to_rgb(h: f64, s: f64, v: f64) -> (u8, u8, u8) {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to = |f: f64| ((f + m) * 255.0).round() as u8;
    (to(r), to(g), to(b))
}

pub mod convert;
mod file;

#[cfg(test)]
mod tests;
