//! The editor shows what its tools will do before they act: the brush footprint around the
//! cursor, the polygon as it is placed, the keys it takes over in help, and the whole class
//! legend at 80×24.

use super::*;

/// The colour drawn for image pixel `(x, y)` of the first picture.
fn pixel_colour(a: &App, buf: &ratatui::buffer::Buffer, (x, y): (u32, u32)) -> Color {
    let pane = a.panes().images[0];
    let v = a.viewport().unwrap();
    let (col, row) = v.pixel_to_cell(x, y).unwrap();
    let half = ((f64::from(y) + 0.5 - v.y0) / v.scale).floor() as i64;
    let cell = &buf[(pane.x + col, pane.y + row)];
    if half % 2 == 0 { cell.fg } else { cell.bg }
}

fn cursor_colour(a: &App) -> Color {
    let [r, g, b] = a.theme.cursor_rgb();
    Color::Rgb(r, g, b)
}

fn editing(w: u16, h: u16) -> App {
    let mut a = sized(w, h);
    a.indexing = false;
    with_image(&mut a);
    press(&mut a, "enter i");
    assert!(a.editing());
    a
}

#[test]
fn the_brush_footprint_is_outlined_around_the_cursor() {
    let mut a = editing(160, 48);
    assert_eq!(a.image.cursor, (4, 4));
    let (_, buf) = render(&a, 160, 48);
    let mark = cursor_colour(&a);
    // The default brush is a 5-px disk: its rim is marked, its inside is not.
    for rim in [(2, 4), (6, 4), (4, 2), (4, 6), (3, 2)] {
        assert_eq!(pixel_colour(&a, &buf, rim), mark, "rim pixel {rim:?}");
    }
    for inside in [(3, 4), (5, 4), (4, 3), (3, 3)] {
        assert_ne!(
            pixel_colour(&a, &buf, inside),
            mark,
            "inside pixel {inside:?}"
        );
    }
    // A 1-px brush marks the cursor pixel alone.
    press(&mut a, "[ [ [ [");
    assert_eq!(a.edit.brush, 1);
    let (_, buf) = render(&a, 160, 48);
    assert_eq!(pixel_colour(&a, &buf, (4, 4)), mark);
    assert_ne!(pixel_colour(&a, &buf, (2, 4)), mark);
}

#[test]
fn polygon_corners_and_the_edge_to_the_cursor_are_drawn_as_placed() {
    let mut a = editing(160, 48);
    press(&mut a, "v l l l");
    assert_eq!(a.edit.polygon, vec![(4, 4)]);
    assert_eq!(a.image.cursor, (7, 4));
    let (_, buf) = render(&a, 160, 48);
    let mark = cursor_colour(&a);
    for on_band in [(4, 4), (5, 4), (6, 4), (7, 4)] {
        assert_eq!(pixel_colour(&a, &buf, on_band), mark, "{on_band:?}");
    }
    // No brush outline while a polygon is being placed.
    assert_ne!(pixel_colour(&a, &buf, (4, 6)), mark);
    press(&mut a, "v j j j v");
    assert_eq!(a.edit.polygon.len(), 3);
    let (_, buf) = render(&a, 160, 48);
    // The edge from (7, 4) down to (7, 7) and the closing edge back along the diagonal.
    assert_eq!(pixel_colour(&a, &buf, (7, 6)), mark);
    assert_eq!(pixel_colour(&a, &buf, (6, 6)), mark);
}

#[test]
fn help_marks_the_keys_the_editor_takes_over() {
    let mut a = editing(120, 140);
    press(&mut a, "?");
    let (text, _) = render(&a, 120, 140);
    // `u` shows the uncertainty overlay on the image layer; the editor takes it for undo.
    let line = text
        .lines()
        .find(|l| l.contains("overlay: uncertainty"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("u*"), "{line}");
    assert!(
        text.contains("Keys marked * do what the layer above says"),
        "{text}"
    );
    // Opacity stays reachable in the editor through < and >: listed in the editor's keys,
    // and on the image layer `]` is marked as taken (it sizes the brush).
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("overlay more opaque"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("  >  "), "{}", lines[0]);
    assert!(lines[1].contains("> ]*"), "{}", lines[1]);
    press(&mut a, "esc");
    let before = a.image.opacity;
    press(&mut a, ">");
    assert_eq!(
        a.image.opacity,
        before + 1,
        "> raises the opacity while editing"
    );
}

#[test]
fn the_whole_legend_stays_visible_while_editing_at_80x24() {
    let a = editing(80, 24);
    let (text, _) = render(&a, 80, 24);
    for short in [
        "Void", "Fe", "FeS", "MO", "Py", "Pl", "Si", "Ol", "LSMC", "Na",
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(&format!(" {short} ")) && l.contains('█')),
            "{short} missing:\n{text}"
        );
    }
}

#[test]
fn the_side_panel_says_where_the_proposal_comes_from() {
    let mut a = editing(160, 48);
    press(&mut a, "T");
    let generation = a.edit.assist_generation;
    let mut p = crate::dataset::prediction::StoredPrediction {
        image_id: a.current.as_ref().unwrap().row.id,
        model: "assist".into(),
        image_fp: String::new(),
        width: 8,
        height: 8,
        bin: 0,
        used_bin: 0,
        classes: vec![5; 64],
        margin: vec![200; 64],
        disagreement: None,
        mc_passes: 0,
        per_class: Vec::new(),
    };
    p.image_fp
        .clone_from(&a.current.as_ref().unwrap().row.image_fp);
    a.handle(Report::Assisted {
        id: p.image_id,
        generation,
        result: Ok(Box::new(crate::jobs::assist_live::Assisted {
            prediction: p,
            labelled: 64,
            dataset: crate::jobs::assist_live::DatasetUse::Rows {
                rows: 6000,
                images: 59,
            },
            millis: 3,
        })),
    });
    let (text, _) = render(&a, 160, 48);
    assert!(text.contains("proposal: assist forest"), "{text}");
}

#[test]
fn a_partial_mask_shows_its_labelled_share_in_the_list() {
    let mut a = sized(120, 24);
    a.indexing = false;
    // a-01 (id 1): a valid mask whose class counts cover 12.5 % of its 64 pixels.
    let i = a.rows.iter().position(|r| r.id == ImageId(1)).unwrap();
    a.rows[i].class_counts = Some(vec![0, 0, 0, 0, 8]);
    let (text, _) = render(&a, 120, 24);
    let line = text
        .lines()
        .find(|l| l.contains("a-01"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("part 12%"), "{line}");
    let full = text.lines().find(|l| l.contains("b-01")).unwrap();
    assert!(!full.contains("part "), "{full}");
}

#[test]
fn the_edit_count_says_its_share_and_the_dice_says_what_it_compares() {
    let mut a = editing(160, 48);
    press(&mut a, "3 space");
    let id = a.current.as_ref().unwrap().row.id;
    let n = a.edit.sessions[&id].changed_pixels();
    assert!(n > 0 && n < 64, "{n} of the 8×8 image's pixels edited");
    let (text, _) = render(&a, 160, 48);
    let share = 100.0 * n as f64 / 64.0;
    let want = format!("{n} px edited ({share:.1} %)");
    assert!(text.contains(&want), "{want}:\n{text}");
    // No bare "Dice" next to the edit count: it is the whole mask against the proposal.
    let line = text.lines().find(|l| l.contains("px edited")).unwrap();
    assert!(!line.contains("Dice"), "{line}");
}

#[test]
fn the_side_panel_echoes_the_class_picker_with_the_class_it_names() {
    let mut a = editing(80, 24);
    press(&mut a, "/ o");
    let (text, _) = render(&a, 80, 24);
    assert!(text.contains("class: o▏ → Ol(7)"), "{text}");
    press(&mut a, "q");
    let (text, _) = render(&a, 80, 24);
    assert!(text.contains("class: oq▏ (no class)"), "{text}");
}

#[test]
fn locked_classes_are_marked_in_the_legend() {
    let mut a = editing(80, 24);
    press(&mut a, "3 # 7 #");
    let (text, _) = render(&a, 80, 24);
    let legend = |text: &str, short: &str| {
        text.lines()
            .find(|l| l.contains('█') && l.contains(&format!(" {short} ")))
            .map_or_else(
                || panic!("{short}:\n{text}"),
                |l| l.trim_end_matches([' ', '│']).to_string(),
            )
    };
    for short in ["MO", "Ol"] {
        let line = legend(&text, short);
        assert!(line.ends_with(" #"), "{short} is locked: {line}");
    }
    for short in ["Void", "Py", "Pl", "Si"] {
        let line = legend(&text, short);
        assert!(!line.ends_with('#'), "{short} is not locked: {line}");
    }
    // Unlocked again: the mark goes; on a tall terminal the footnote explains it.
    press(&mut a, "#");
    a.handle(Event::Input(crossterm::event::Event::Resize(80, 40)));
    let (text, _) = render(&a, 80, 40);
    assert!(!legend(&text, "Ol").ends_with('#'), "{text}");
    assert!(legend(&text, "MO").ends_with(" #"), "{text}");
    assert!(text.contains("* underrepresented  # locked"), "{text}");
}

#[test]
fn the_side_panel_and_title_say_which_grey_window_is_shown() {
    let mut a = sized(160, 48);
    a.indexing = false;
    with_image(&mut a);
    press(&mut a, "enter");
    let (text, _) = render(&a, 160, 48);
    assert!(!text.contains("window") && !text.contains("auto"), "{text}");
    // Grey 4·i: 0–252.
    press(&mut a, "c");
    let (text, _) = render(&a, 160, 48);
    assert!(text.contains("auto stretch: grey 0–252"), "{text}");
    assert!(text.contains(" · auto 0–252"), "{text}");
    press(&mut a, ":");
    let (text, _) = render(&a, 160, 48);
    assert!(text.contains("window 8–244 (grey levels)"), "{text}");
    assert!(text.contains(" · window 8–244"), "{text}");
    press(&mut a, "W");
    let (text, _) = render(&a, 160, 48);
    assert!(!text.contains("window 8–244"), "{text}");
}
