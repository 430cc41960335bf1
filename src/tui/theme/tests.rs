use std::path::Path;

use ratatui::style::{Color, Modifier};

use super::*;
use crate::dataset::schema::OUTSIDE;

fn schema() -> ClassSchema {
    ClassSchema::mineralclassifier()
}

#[test]
fn builtin_themes_parse_under_their_names() {
    let names: Vec<&str> = file::BUILTIN.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, Theme::builtin_names());
    for name in Theme::builtin_names() {
        let theme = Theme::resolve(name, None).unwrap();
        assert_eq!(theme.name(), *name);
        assert_eq!(theme.mode(), ColourMode::TrueColor);
    }
    assert_eq!(Theme::default().name(), "default");
}

#[test]
fn every_theme_file_in_the_themes_folder_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let theme = Theme::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                Some(theme.name()),
                path.file_stem().and_then(|s| s.to_str()),
                "a theme file is named after its theme"
            );
            seen += 1;
        }
    }
    assert!(seen >= 3, "found {seen} theme files in {}", dir.display());
}

#[test]
fn unknown_keys_are_errors_that_name_the_key() {
    let base = "extends = \"default\"\nname = \"x\"\n";
    let top = Theme::parse(&format!("{base}colour_of_sky = \"#000000\"\n"), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(
        top.contains("colour_of_sky") && top.contains("t.toml"),
        "{top}"
    );
    assert!(top.contains("line 3"), "{top}");
    let ui = Theme::parse(&format!("{base}[ui]\nforeground = \"#000000\"\n"), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(ui.contains("foreground"), "{ui}");
}

#[test]
fn bad_values_name_the_key_and_the_value() {
    let e = Theme::parse("extends = \"default\"\n[ui]\nfg = \"red\"\n", "t.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ui.fg") && e.contains("'red'") && e.contains("#rrggbb"),
        "{e}"
    );
    let e = Theme::parse(
        "extends = \"default\"\n[classes]\nx = \"#000000\"\n",
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("'x'") && e.contains("class id"), "{e}");
    let e = Theme::parse("extends = \"default\"\nheat = \"jet\"\n", "t.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("jet") && e.contains("viridis"), "{e}");
}

#[test]
fn missing_keys_are_named_and_extends_fills_them() {
    let e = Theme::parse("name = \"x\"\ncursor = \"#000000\"\n", "t.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("`invalid`") && e.contains("extends"), "{e}");
    let t = Theme::parse(
        "name = \"mine\"\nextends = \"light\"\n[ui]\naccent = \"#010203\"\n",
        "t.toml",
    )
    .unwrap();
    let light = Theme::builtin("light").unwrap();
    assert_eq!(t.name(), "mine");
    assert_eq!(t.border(true).fg, Some(Color::Rgb(1, 2, 3)));
    assert_eq!(t.text(), light.text());
    let e = Theme::parse("extends = \"solarized\"\n", "t.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("solarized") && e.contains("default, colorblind, light"),
        "{e}"
    );
}

#[test]
fn resolve_finds_user_themes_and_paths_and_lists_builtins_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("themes")).unwrap();
    let text = "name = \"night\"\nextends = \"default\"\n";
    std::fs::write(dir.path().join("themes/night.toml"), text).unwrap();
    let t = Theme::resolve("night", Some(dir.path())).unwrap();
    assert_eq!(t.name(), "night");
    let path = dir.path().join("themes/night.toml");
    let t = Theme::resolve(path.to_str().unwrap(), None).unwrap();
    assert_eq!(t.name(), "night");
    let e = Theme::resolve("dusk", Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'dusk'") && e.contains("default, colorblind, light"),
        "{e}"
    );
    assert!(e.contains("themes"), "{e}");
}

#[test]
fn class_colours_come_from_the_schema_unless_overridden() {
    let s = schema();
    let default = Theme::default();
    for c in &s.classes {
        assert_eq!(default.class_rgb(&s, c.id), c.colour);
    }
    let cb = Theme::builtin("colorblind").unwrap();
    assert_eq!(cb.class_rgb(&s, 1), [0xd5, 0x5e, 0x00]);
    for t in [&default, &cb] {
        assert_eq!(t.class_rgb(&s, OUTSIDE), t.invalid_rgb());
        assert_eq!(t.class_rgb(&s, 10), t.invalid_rgb());
    }
}

/// CIELAB of an sRGB colour after simulating a colour-vision deficiency with one of the
/// Machado, Oliveira & Fernandes (2009) full-severity matrices, which act on linear RGB.
fn lab(rgb: [u8; 3], cvd: &[[f64; 3]; 3]) -> [f64; 3] {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = rgb.map(lin);
    let sim: [f64; 3] = std::array::from_fn(|i| {
        (0..3)
            .map(|j| cvd[i][j] * l[j])
            .sum::<f64>()
            .clamp(0.0, 1.0)
    });
    let m = [
        [0.4124, 0.3576, 0.1805],
        [0.2126, 0.7152, 0.0722],
        [0.0193, 0.1192, 0.9505],
    ];
    let white = [0.95047, 1.0, 1.08883];
    let f = |t: f64| {
        if t > (6.0f64 / 29.0).powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * (6.0f64 / 29.0).powi(2)) + 4.0 / 29.0
        }
    };
    let xyz: [f64; 3] =
        std::array::from_fn(|i| f((0..3).map(|j| m[i][j] * sim[j]).sum::<f64>() / white[i]));
    [
        116.0 * xyz[1] - 16.0,
        500.0 * (xyz[0] - xyz[1]),
        200.0 * (xyz[1] - xyz[2]),
    ]
}

#[test]
fn colorblind_palette_stays_apart() {
    const NORMAL: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    const PROTAN: [[f64; 3]; 3] = [
        [0.152_286, 1.052_583, -0.204_868],
        [0.114_503, 0.786_281, 0.099_216],
        [-0.003_882, -0.048_116, 1.051_998],
    ];
    const DEUTAN: [[f64; 3]; 3] = [
        [0.367_322, 0.860_646, -0.227_968],
        [0.280_085, 0.672_501, 0.047_413],
        [-0.011_820, 0.042_940, 0.968_881],
    ];
    const TRITAN: [[f64; 3]; 3] = [
        [1.255_528, -0.076_749, -0.178_779],
        [-0.078_411, 0.930_809, 0.147_602],
        [0.004_733, 0.691_367, 0.303_900],
    ];
    let s = schema();
    let theme = Theme::builtin("colorblind").unwrap();
    let colours: Vec<[u8; 3]> = (0..10).map(|id| theme.class_rgb(&s, id)).collect();
    assert_eq!(s.len(), 10);
    for (vision, cvd) in [
        ("normal", NORMAL),
        ("protanopia", PROTAN),
        ("deuteranopia", DEUTAN),
        ("tritanopia", TRITAN),
    ] {
        let labs: Vec<[f64; 3]> = colours.iter().map(|&c| lab(c, &cvd)).collect();
        let mut min = (f64::INFINITY, 0, 0);
        for i in 0..labs.len() {
            for j in i + 1..labs.len() {
                let d = (0..3)
                    .map(|k| (labs[i][k] - labs[j][k]).powi(2))
                    .sum::<f64>()
                    .sqrt();
                if d < min.0 {
                    min = (d, i, j);
                }
            }
        }
        assert!(
            min.0 >= 15.0,
            "{vision}: classes {} and {} are only ΔE {:.1} apart",
            min.1,
            min.2,
            min.0
        );
    }
}

#[test]
fn every_colour_honours_the_mode() {
    let s = schema();
    let t = Theme::default().with_mode(ColourMode::Ansi256);
    assert_eq!(t.mode(), ColourMode::Ansi256);
    assert_eq!(t.colour([255, 0, 0]), Color::Indexed(196));
    assert_eq!(t.colour([128, 128, 128]), Color::Indexed(244));
    assert_eq!(
        t.class_colour(&s, 1),
        Color::Indexed(to_ansi256([0xdc, 0x14, 0x3c]))
    );
    let styles = [
        t.text(),
        t.dim(),
        t.title(true),
        t.title(false),
        t.border(true),
        t.border(false),
        t.selected(true),
        t.selected(false),
        t.header(),
        t.status_bar(),
        t.key_hint(),
        t.ok(),
        t.warn(),
        t.error(),
        t.iou(Some(0.5)),
        t.heat(0.5),
    ];
    for style in styles {
        for c in [style.fg, style.bg].into_iter().flatten() {
            assert!(matches!(c, Color::Indexed(16..=255)), "{style:?}");
        }
    }
    let rgb = Theme::default();
    assert_eq!(rgb.colour([1, 2, 3]), Color::Rgb(1, 2, 3));
}

#[test]
fn iou_buckets_and_heat_contrast() {
    let t = Theme::default();
    assert_eq!(t.iou(Some(0.1)), t.error());
    assert_eq!(t.iou(Some(0.3)), t.warn());
    assert_eq!(t.iou(Some(0.59)), t.warn());
    assert_eq!(t.iou(Some(0.6)), t.ok());
    assert_eq!(t.iou(None), t.dim());
    assert_eq!(t.iou(Some(f64::NAN)), t.dim());
    // viridis is dark at 0 (white text) and yellow at 1 (black text)
    assert_eq!(t.heat(0.0).fg, Some(Color::Rgb(255, 255, 255)));
    assert_eq!(t.heat(0.0).bg, Some(Color::Rgb(68, 1, 84)));
    assert_eq!(t.heat(1.0).fg, Some(Color::Rgb(0, 0, 0)));
    assert!(t.selected(true).add_modifier.contains(Modifier::BOLD));
    assert_ne!(t.selected(true).bg, t.selected(false).bg);
    let cb = Theme::builtin("colorblind").unwrap();
    assert_eq!(cb.heat_rgb(0.5), [125, 124, 120]);
}

#[test]
fn class_colours_stay_apart_in_256_colours() {
    for name in Theme::builtin_names() {
        let theme = Theme::builtin(name).unwrap().with_mode(ColourMode::Ansi256);
        for s in [ClassSchema::mineralclassifier(), ClassSchema::extended()] {
            let drawn: Vec<u8> = s
                .classes
                .iter()
                .map(|c| match theme.class_colour(&s, c.id) {
                    Color::Indexed(i) => i,
                    other => panic!("{name}: {} is {other:?}", c.short),
                })
                .collect();
            for (i, a) in s.classes.iter().enumerate() {
                for (j, b) in s.classes.iter().enumerate().skip(i + 1) {
                    let d = delta_e(
                        super::lab(ansi256_rgb(drawn[i])),
                        super::lab(ansi256_rgb(drawn[j])),
                    );
                    assert!(
                        d >= MIN_CLASS_DELTA_E,
                        "theme {name}, schema {}: {} and {} are drawn in {} and {}, only ΔE {d:.1} apart",
                        s.name,
                        a.short,
                        b.short,
                        drawn[i],
                        drawn[j]
                    );
                }
                // Overlays blend from the same entry the legend shows.
                assert_eq!(
                    theme.colour(theme.class_rgb(&s, a.id)),
                    Color::Indexed(drawn[i])
                );
            }
        }
    }
}
