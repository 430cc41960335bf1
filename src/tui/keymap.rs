//! Keys as data: the embedded default keymap, overridden key by key from the user's config
//! file, resolved per layer (the active layer first, then global).
//!
//! The TOML has one table per layer (`[browse]`, `[edit]`, …) mapping a key (`q`, `G`,
//! `ctrl-c`, `pagedown`, `space`, `f1`) to an action's snake-case name, or to `none` to unbind
//! it. A user file changes only the keys it names. The layer stack in effect is derived from
//! the UI's state (`App::layers`), never kept by hand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::action::Action;

mod key;
pub use key::Key;

/// The shipped bindings (`keymap-default.toml`), compiled in.
const DEFAULT_TOML: &str = include_str!("keymap-default.toml");

/// A group of bindings that is active in some state of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Keys that work everywhere unless a layer above binds them (quit, help, screens, jobs).
    Global,
    /// The help popup.
    Help,
    /// The dataset list.
    Browse,
    /// The image screen, editor off.
    Image,
    /// The audit screen.
    Audit,
    /// The review queue.
    Queue,
    /// The scale-bin editor.
    Bins,
    /// The mask editor, over the Image screen.
    Edit,
}

impl Layer {
    /// Every layer, in the order help lists them.
    pub const ALL: [Layer; 8] = [
        Layer::Global,
        Layer::Help,
        Layer::Browse,
        Layer::Image,
        Layer::Audit,
        Layer::Queue,
        Layer::Bins,
        Layer::Edit,
    ];

    /// The layer's table name in the keymap TOML.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Global => "global",
            Layer::Help => "help",
            Layer::Browse => "browse",
            Layer::Image => "image",
            Layer::Audit => "audit",
            Layer::Queue => "queue",
            Layer::Bins => "bins",
            Layer::Edit => "edit",
        }
    }
}

/// Why a keymap file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    /// The user's keymap file could not be read.
    #[error("cannot read keymap '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not a TOML table of tables of strings.
    #[error("keymap '{origin}' is not valid TOML: {message}")]
    Toml { origin: String, message: String },
    #[error(
        "keymap '{origin}': unknown layer '{layer}' (layers: global, help, browse, image, audit, queue, bins)"
    )]
    /// A table names no layer.
    Layer { origin: String, layer: String },
    #[error(
        "keymap '{origin}' [{layer}]: '{key}' is not a key (try 'q', 'G', 'ctrl-c', 'pagedown', 'f1')"
    )]
    /// A binding's key cannot be parsed.
    Key {
        origin: String,
        layer: String,
        key: String,
    },
    #[error(
        "keymap '{origin}' [{layer}] {key}: unknown action '{action}' (press ? in semcurate for the list, or \"none\" to unbind)"
    )]
    /// A binding names no action (nor `none`).
    Action {
        origin: String,
        layer: String,
        key: String,
        action: String,
    },
}

/// Bindings per layer.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// Per layer, the action of each bound key.
    layers: BTreeMap<Layer, BTreeMap<Key, Action>>,
}

impl Keymap {
    /// The embedded default keymap.
    pub fn default_map() -> Self {
        let mut map = Self {
            layers: BTreeMap::new(),
        };
        map.apply(DEFAULT_TOML, "built-in keymap")
            .expect("the embedded keymap is valid (tested)");
        map
    }

    /// The default keymap with the user's file applied over it, when the file exists.
    pub fn load(user_file: Option<&Path>) -> Result<Self, KeymapError> {
        let mut map = Self::default_map();
        if let Some(path) = user_file.filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(path).map_err(|source| KeymapError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            map.apply(&text, &path.display().to_string())?;
        }
        Ok(map)
    }

    /// Applies TOML bindings over this map, key by key.
    ///
    /// `origin` names the source in errors. The first error stops the whole file: bindings
    /// applied before it stay, so callers discard the map on error.
    pub fn apply(&mut self, text: &str, origin: &str) -> Result<(), KeymapError> {
        let table: BTreeMap<String, BTreeMap<String, String>> =
            toml::from_str(text).map_err(|e| KeymapError::Toml {
                origin: origin.into(),
                message: e.to_string(),
            })?;
        for (layer_name, bindings) in table {
            let layer = Layer::ALL
                .into_iter()
                .find(|l| l.name() == layer_name)
                .ok_or_else(|| KeymapError::Layer {
                    origin: origin.into(),
                    layer: layer_name.clone(),
                })?;
            let slot = self.layers.entry(layer).or_default();
            for (key_text, action_name) in bindings {
                let key = Key::parse(&key_text).ok_or_else(|| KeymapError::Key {
                    origin: origin.into(),
                    layer: layer_name.clone(),
                    key: key_text.clone(),
                })?;
                if action_name == "none" {
                    slot.remove(&key);
                    continue;
                }
                let action = serde_json::from_value::<Action>(serde_json::Value::String(
                    action_name.clone(),
                ))
                .map_err(|_| KeymapError::Action {
                    origin: origin.into(),
                    layer: layer_name.clone(),
                    key: key_text.clone(),
                    action: action_name,
                })?;
                slot.insert(key, action);
            }
        }
        Ok(())
    }

    /// The action of `key` in the first of `layers` that binds it.
    ///
    /// `layers` is the stack in effect, most specific first (`App::layers`: help, or the
    /// editor over the image screen, or the screen's layer; global last).
    pub fn resolve(&self, layers: &[Layer], key: Key) -> Option<Action> {
        layers
            .iter()
            .find_map(|l| self.layers.get(l).and_then(|m| m.get(&key)).copied())
    }

    /// The keys bound to `action` in `layer`, in a stable order.
    pub fn keys_for(&self, layer: Layer, action: Action) -> Vec<Key> {
        self.layers
            .get(&layer)
            .map(|m| {
                let mut keys: Vec<Key> = m
                    .iter()
                    .filter(|&(_, a)| *a == action)
                    .map(|(k, _)| *k)
                    .collect();
                // Plain keys first: they are the ones worth showing in hints.
                keys.sort_by_key(Key::has_modifier);
                keys
            })
            .unwrap_or_default()
    }

    /// Help lines of `layer` for a stack where `above` is tried first: each bound action's
    /// keys, each with whether a layer above binds it to another action (then the key does
    /// that instead while the layer above is active), and the action's doc.
    pub fn help_shadowed(
        &self,
        layer: Layer,
        above: &[Layer],
    ) -> Vec<(Vec<(String, bool)>, &'static str)> {
        // The first layer above that binds the key decides; the same action there is no loss.
        let taken = |k: &Key, a: Action| {
            above
                .iter()
                .find_map(|l| self.layers.get(l).and_then(|m| m.get(k)))
                .is_some_and(|b| *b != a)
        };
        Action::ALL
            .iter()
            .filter_map(|&a| {
                let keys = self.keys_for(layer, a);
                (!keys.is_empty()).then(|| {
                    let keys = keys.iter().map(|k| (k.to_string(), taken(k, a))).collect();
                    (keys, a.doc())
                })
            })
            .collect()
    }

    /// Help lines of a layer: the keys of each bound action (in `Action::ALL` order) and its doc.
    pub fn help(&self, layer: Layer) -> Vec<(String, &'static str)> {
        Action::ALL
            .iter()
            .filter_map(|&a| {
                let keys = self.keys_for(layer, a);
                (!keys.is_empty()).then(|| {
                    let names: Vec<String> = keys.iter().map(Key::to_string).collect();
                    (names.join(" "), a.doc())
                })
            })
            .collect()
    }
}

/// `$XDG_CONFIG_HOME/semcurate` (or the platform's config folder).
pub fn config_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("semcurate"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn key(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    #[test]
    fn default_keymap_parses_and_binds_the_essentials() {
        let m = Keymap::default_map();
        assert_eq!(m.resolve(&[Layer::Global], key("q")), Some(Action::Quit));
        assert_eq!(
            m.resolve(&[Layer::Global], key("ctrl-c")),
            Some(Action::Quit)
        );
        assert_eq!(
            m.resolve(&[Layer::Image, Layer::Global], key("m")),
            Some(Action::OverlayMask)
        );
        // The image layer's `j` shadows nothing global; unbound keys fall through to global.
        assert_eq!(
            m.resolve(&[Layer::Image, Layer::Global], key("?")),
            Some(Action::Help)
        );
        assert_eq!(m.resolve(&[Layer::Browse], key("ctrl-q")), None);
    }

    #[test]
    fn every_action_has_a_key_somewhere() {
        let m = Keymap::default_map();
        for &a in Action::ALL {
            assert!(
                Layer::ALL.iter().any(|&l| !m.keys_for(l, a).is_empty()),
                "{a} has no default key"
            );
        }
    }

    #[test]
    fn events_normalise_shifted_letters() {
        let e = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(e), Some(key("G")));
        let e = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(e), Some(key("ctrl-c")));
        let e = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE);
        assert_eq!(Key::from_event(e), Some(key("space")));
        assert_eq!(key("pagedown").to_string(), "pagedown");
        assert_eq!(key("f1").to_string(), "f1");
        assert_eq!(Key::parse("nonsense"), None);
    }

    #[test]
    fn user_file_overrides_key_by_key() {
        let mut m = Keymap::default_map();
        m.apply("[image]\nx = \"overlay_mask\"\nm = \"none\"\n", "user")
            .unwrap();
        let layers = [Layer::Image, Layer::Global];
        assert_eq!(m.resolve(&layers, key("x")), Some(Action::OverlayMask));
        assert_eq!(m.resolve(&layers, key("m")), None);
        // Untouched bindings stay.
        assert_eq!(
            m.resolve(&layers, key("p")),
            Some(Action::OverlayPrediction)
        );
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let mut m = Keymap::default_map();
        let e = m.apply("[imgae]\nx = \"quit\"\n", "k.toml").unwrap_err();
        assert!(e.to_string().contains("unknown layer 'imgae'"), "{e}");
        let e = m
            .apply("[image]\nx = \"zoom_inn\"\n", "k.toml")
            .unwrap_err();
        assert!(e.to_string().contains("unknown action 'zoom_inn'"), "{e}");
        let e = m
            .apply("[image]\nctrl-xyz = \"quit\"\n", "k.toml")
            .unwrap_err();
        assert!(e.to_string().contains("'ctrl-xyz' is not a key"), "{e}");
    }

    #[test]
    fn help_lists_bound_actions_with_docs() {
        let m = Keymap::default_map();
        let help = m.help(Layer::Image);
        let zoom = help
            .iter()
            .find(|(_, doc)| *doc == Action::ZoomIn.doc())
            .unwrap();
        assert_eq!(zoom.0, "+ =");
    }
}
