//! The error overlay says what its colours mean, on the picture's border like the
//! uncertainty overlay's colour scale, wide and at 80×24.

use super::{render, sized, with_image};
use crate::tui::app::tests::press;
use crate::tui::render::Overlay;
use crate::tui::view::legend::ERROR_LEGEND;

#[test]
fn the_error_overlay_has_a_legend_on_the_picture_border() {
    for (w, h) in [(160, 48), (80, 24)] {
        let mut a = sized(w, h);
        a.indexing = false;
        with_image(&mut a);
        press(&mut a, "enter e");
        assert_eq!(a.image.overlay, Overlay::Error);
        let (text, _) = render(&a, w, h);
        let pane = a.panes().images[0];
        let rows: Vec<&str> = text.lines().collect();
        let (top, bottom) = (
            rows[usize::from(pane.y - 1)],
            rows[usize::from(pane.y + pane.height)],
        );
        let on = |row: &str| ERROR_LEGEND.iter().any(|l| row.contains(l.trim()));
        assert!(on(bottom) || on(top), "{w}x{h}: no legend\n{text}");
        if w == 160 {
            // Room for the whole sentence, where the uncertainty overlay has its scale.
            assert!(bottom.contains(ERROR_LEGEND[0].trim()), "{bottom}");
        }
        // The zoom stays readable beside it.
        assert!(
            bottom.contains("px/cell") || bottom.contains("cells/px"),
            "{bottom}"
        );
        // Another overlay has no such legend.
        press(&mut a, "m");
        let (text, _) = render(&a, w, h);
        assert!(!text.contains("coloured"), "{w}x{h}\n{text}");
    }
}
