//! Themes as data: every colour the TUI draws comes from a [`Theme`] through a semantic method
//! (`theme.selected(focused)`, `theme.class_colour(schema, id)`), never from a literal in a
//! widget. Themes are TOML files (`themes/*.toml`; the three builtins are embedded); class
//! colours come from the class schema unless a theme overrides them (the colour-blind theme
//! does). Every terminal colour honours the theme's [`ColourMode`], so the same widgets work
//! in truecolour terminals and in 256-colour ones (tmux, mosh).

mod colour;
mod distinct;
mod file;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

pub use colour::{Colormap, ColourMode, contrast_text, mix, relative_luminance, to_ansi256};
pub use distinct::{MIN_CLASS_DELTA_E, ansi256_rgb, delta_e, distinct_ansi256, lab};
pub use file::ThemeError;

use crate::dataset::schema::ClassSchema;

/// A schema's class colours, in schema order, and the sRGB of the 256-colour palette entries
/// they are drawn in.
type AnsiClasses = (Vec<[u8; 3]>, Vec<[u8; 3]>);

/// Colours of the UI, the class overlays and the heat maps, in one terminal colour mode.
#[derive(Debug, Clone)]
pub struct Theme {
    /// The theme's name (`default`, `colorblind`, `light`, or the file's).
    name: String,
    /// Truecolour or the 256-colour palette: how every colour reaches the terminal.
    mode: ColourMode,
    /// Colormap of 0–1 values.
    heat: Colormap,
    /// sRGB of mask values outside the schema.
    invalid: [u8; 3],
    /// sRGB of the image cursor and the editor's marks.
    cursor: [u8; 3],
    /// The interface colours (sRGB).
    ui: file::Ui,
    /// Class id → sRGB overriding the schema's colour.
    classes: BTreeMap<u8, [u8; 3]>,
    /// For [`ColourMode::Ansi256`]: a schema's class colours (in schema order) and the sRGB of
    /// the palette entries [`distinct_ansi256`] gives them; the first schema asked for.
    ansi_classes: OnceLock<AnsiClasses>,
}

impl Default for Theme {
    fn default() -> Self {
        Self::builtin("default").expect("'default' is a builtin theme")
    }
}

impl Theme {
    /// Names of the embedded themes.
    pub fn builtin_names() -> &'static [&'static str] {
        &["default", "colorblind", "light"]
    }

    /// A builtin theme by name.
    pub fn builtin(name: &str) -> Option<Self> {
        let (_, text) = file::BUILTIN.iter().find(|(n, _)| *n == name)?;
        Some(
            Self::parse(text, &format!("<builtin {name}>"))
                .expect("the builtin themes are valid (tested)"),
        )
    }

    /// A builtin name; else `NAME.toml` in `config_dir/themes/`; else a path to a TOML file.
    /// Builtins win over a user file of the same name, so `default` always means the same.
    pub fn resolve(spec: &str, config_dir: Option<&Path>) -> Result<Self, ThemeError> {
        if let Some(theme) = Self::builtin(spec) {
            return Ok(theme);
        }
        let user_dir = config_dir.map(|d| d.join("themes"));
        if let Some(dir) = &user_dir {
            let candidate = dir.join(format!("{spec}.toml"));
            if !spec.contains(['/', '\\']) && candidate.is_file() {
                return Self::load(&candidate);
            }
        }
        let path = Path::new(spec);
        if path.is_file() {
            return Self::load(path);
        }
        let user = user_dir.map_or_else(String::new, |d| {
            format!(", the name of a NAME.toml in '{}'", d.display())
        });
        Err(ThemeError::Unknown {
            spec: spec.to_string(),
            choices: format!(
                "a builtin theme ({}){user}, or a path to a .toml file",
                file::builtin_list()
            ),
        })
    }

    /// Reads a theme file.
    pub fn load(path: &Path) -> Result<Self, ThemeError> {
        let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses theme TOML; `origin` only names the source in errors. The result is in
    /// [`ColourMode::TrueColor`]; pass [`ColourMode::detect`] to [`Theme::with_mode`].
    pub fn parse(text: &str, origin: &str) -> Result<Self, ThemeError> {
        let r = file::parse(text, origin)?;
        Ok(Self {
            name: r.name,
            mode: ColourMode::TrueColor,
            heat: r.heat,
            invalid: r.invalid,
            cursor: r.cursor,
            ui: r.ui,
            classes: r.classes,
            ansi_classes: OnceLock::new(),
        })
    }

    /// The same theme, drawing terminal colours in `mode`.
    #[must_use]
    pub fn with_mode(mut self, mode: ColourMode) -> Self {
        self.mode = mode;
        self
    }

    /// The theme's name, as the UI shows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The colour mode terminal colours are drawn in.
    pub fn mode(&self) -> ColourMode {
        self.mode
    }

    /// The colormap behind [`Theme::heat_rgb`].
    pub fn colormap(&self) -> Colormap {
        self.heat
    }

    // ----- pixel colours (sRGB), for the compositor -----

    /// Display colour of class `id`: the theme's override if it has one, else the schema's;
    /// ids outside the schema (and [`crate::dataset::schema::OUTSIDE`]) get the theme's
    /// "invalid" colour. In [`ColourMode::Ansi256`] it is the palette entry the class is
    /// drawn in, chosen with the other classes' so that every two stay at least
    /// [`MIN_CLASS_DELTA_E`] apart ([`distinct_ansi256`]); overlays blend from it.
    pub fn class_rgb(&self, schema: &ClassSchema, id: u8) -> [u8; 3] {
        let Some(def) = schema.class(id) else {
            return self.invalid;
        };
        let rgb = self.classes.get(&id).copied().unwrap_or(def.colour);
        match self.mode {
            ColourMode::TrueColor => rgb,
            ColourMode::Ansi256 => self
                .ansi_class_rgbs(schema)
                .get(usize::from(id))
                .copied()
                .unwrap_or(rgb),
        }
    }

    /// The sRGB of the palette entries the schema's classes are drawn in, in schema order.
    fn ansi_class_rgbs(&self, schema: &ClassSchema) -> Vec<[u8; 3]> {
        let own: Vec<[u8; 3]> = schema
            .classes
            .iter()
            .map(|c| self.classes.get(&c.id).copied().unwrap_or(c.colour))
            .collect();
        if let Some((key, drawn)) = self.ansi_classes.get()
            && *key == own
        {
            return drawn.clone();
        }
        let drawn: Vec<[u8; 3]> = distinct_ansi256(&own)
            .into_iter()
            .map(ansi256_rgb)
            .collect();
        // Only the first schema is kept: another one is worked out again on every call.
        let _ = self.ansi_classes.set((own, drawn.clone()));
        drawn
    }

    /// The theme's colormap at `v` (0..1, clamped): uncertainty, confusion-matrix cells.
    pub fn heat_rgb(&self, v: f32) -> [u8; 3] {
        self.heat.rgb(v)
    }

    /// Pixel colour of the image cursor.
    pub fn cursor_rgb(&self) -> [u8; 3] {
        self.cursor
    }

    /// Pixel colour for class ids outside the schema.
    pub fn invalid_rgb(&self) -> [u8; 3] {
        self.invalid
    }

    // ----- terminal colours and styles, all in the theme's mode -----

    /// `rgb` as a terminal colour in this theme's mode.
    pub fn colour(&self, rgb: [u8; 3]) -> Color {
        match self.mode {
            ColourMode::TrueColor => Color::Rgb(rgb[0], rgb[1], rgb[2]),
            ColourMode::Ansi256 => Color::Indexed(to_ansi256(rgb)),
        }
    }

    /// Terminal colour of class `id` (see [`Theme::class_rgb`]).
    pub fn class_colour(&self, schema: &ClassSchema, id: u8) -> Color {
        self.colour(self.class_rgb(schema, id))
    }

    /// The theme's background, or [`Color::Reset`] (the terminal's own) when it sets none.
    pub fn bg(&self) -> Color {
        self.ui.bg.map_or(Color::Reset, |c| self.colour(c))
    }

    /// Foreground `rgb` in this theme's mode, nothing else set.
    fn fg(&self, rgb: [u8; 3]) -> Style {
        Style::new().fg(self.colour(rgb))
    }

    /// Normal text (with the theme's background if it sets one).
    pub fn text(&self) -> Style {
        let s = self.fg(self.ui.fg);
        match self.ui.bg {
            Some(bg) => s.bg(self.colour(bg)),
            None => s,
        }
    }

    /// Secondary text.
    pub fn dim(&self) -> Style {
        self.fg(self.ui.dim)
    }

    /// A pane title.
    pub fn title(&self, focused: bool) -> Style {
        if focused {
            self.fg(self.ui.accent).add_modifier(Modifier::BOLD)
        } else {
            self.fg(self.ui.fg)
        }
    }

    /// A pane border.
    pub fn border(&self, focused: bool) -> Style {
        self.fg(if focused {
            self.ui.accent
        } else {
            self.ui.border
        })
    }

    /// The selected row of a list or table.
    pub fn selected(&self, focused: bool) -> Style {
        let bg = if focused {
            self.ui.selected_bg
        } else {
            self.ui.selected_inactive_bg
        };
        let s = self.fg(self.ui.selected_fg).bg(self.colour(bg));
        if focused {
            s.add_modifier(Modifier::BOLD)
        } else {
            s
        }
    }

    /// Table and section headers.
    pub fn header(&self) -> Style {
        self.fg(self.ui.header).add_modifier(Modifier::BOLD)
    }

    /// The status bar.
    pub fn status_bar(&self) -> Style {
        self.fg(self.ui.status_fg)
            .bg(self.colour(self.ui.status_bg))
    }

    /// A key name in a hint ("q quit").
    pub fn key_hint(&self) -> Style {
        self.fg(self.ui.key).add_modifier(Modifier::BOLD)
    }

    /// Good values and finished jobs.
    pub fn ok(&self) -> Style {
        self.fg(self.ui.ok)
    }

    /// Middling values and warnings.
    pub fn warn(&self) -> Style {
        self.fg(self.ui.warn)
    }

    /// Bad values and errors.
    pub fn error(&self) -> Style {
        self.fg(self.ui.error)
    }

    /// An IoU value: error colour below 0.3, warning below 0.6, ok from 0.6; dim when not
    /// applicable (`None` or NaN).
    pub fn iou(&self, v: Option<f64>) -> Style {
        match v {
            Some(v) if v < 0.3 => self.error(),
            Some(v) if v < 0.6 => self.warn(),
            Some(v) if v >= 0.6 => self.ok(),
            _ => self.dim(),
        }
    }

    /// A heat-map cell for `v` in 0..1: background from the colormap, black or white text,
    /// whichever reads better on it.
    pub fn heat(&self, v: f64) -> Style {
        let bg = self.heat_rgb(v as f32);
        Style::new()
            .bg(self.colour(bg))
            .fg(self.colour(contrast_text(bg)))
    }
}
