use proptest::prelude::*;

use super::tools::{BrushShape, brush, brush_line, flood, grey_region, line, polygon};
use super::*;

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

#[test]
fn brushes_have_the_stated_footprints() {
    assert_eq!(brush(10, 10, 5, 5, 1, BrushShape::Round), vec![55]);
    assert_eq!(
        sorted(brush(10, 10, 5, 5, 3, BrushShape::Square)),
        vec![44, 45, 46, 54, 55, 56, 64, 65, 66]
    );
    // A round 3-px brush is a plus sign (corners are 1.41 px away, radius 1.5 covers them),
    // a round 5-px one drops its four corners.
    assert_eq!(brush(10, 10, 5, 5, 3, BrushShape::Round).len(), 9);
    assert_eq!(brush(20, 20, 10, 10, 5, BrushShape::Round).len(), 21);
    // Even sizes: a 2-px square is the pixel and its +x, +y, +xy neighbours.
    assert_eq!(
        sorted(brush(10, 10, 5, 5, 2, BrushShape::Square)),
        vec![55, 56, 65, 66]
    );
    // Clipped at the border, and capped at 64 px.
    assert_eq!(brush(10, 10, 0, 0, 3, BrushShape::Square).len(), 4);
    assert_eq!(
        brush(200, 200, 100, 100, 500, BrushShape::Square).len(),
        64 * 64
    );
}

#[test]
fn lines_are_connected_and_include_both_ends() {
    let l = line((0, 0), (5, 2));
    assert_eq!(l.first(), Some(&(0, 0)));
    assert_eq!(l.last(), Some(&(5, 2)));
    assert_eq!(l.len(), 6);
    for w in l.windows(2) {
        let (dx, dy) = (w[0].0.abs_diff(w[1].0), w[0].1.abs_diff(w[1].1));
        assert!(dx <= 1 && dy <= 1, "{l:?}");
    }
    assert_eq!(line((3, 3), (3, 3)), vec![(3, 3)]);
    // A 1-px brush dragged along a line paints exactly the line.
    assert_eq!(
        brush_line(10, 10, (0, 0), (9, 0), 1, BrushShape::Round),
        (0..10).collect::<Vec<_>>()
    );
}

#[test]
fn flood_takes_the_four_connected_region_only() {
    // 4×3: a class-1 L shape; the diagonal 1 at (3, 2) is not connected.
    #[rustfmt::skip]
    let m = [
        1, 1, 0, 0,
        1, 0, 0, 0,
        1, 0, 0, 1,
    ];
    assert_eq!(sorted(flood(&m, 4, 3, 0)), vec![0, 1, 4, 8]);
    assert_eq!(flood(&m, 4, 3, 11), vec![11]);
    assert_eq!(sorted(flood(&m, 4, 3, 2)).len(), 7);
    assert!(flood(&m, 4, 3, 99).is_empty());
}

#[test]
fn grey_fill_follows_the_grey_level_within_the_tolerance() {
    // A bright grain (200 ± 5) in a dark matrix (60), and a separate bright pixel.
    #[rustfmt::skip]
    let g = [
        60, 60,  60, 60, 60,
        60, 198, 204, 60, 60,
        60, 201, 195, 60, 203,
    ];
    assert_eq!(sorted(grey_region(&g, 5, 3, 6, 6)), vec![6, 7, 11, 12]);
    // Tighter than the grain's spread: only part of it.
    assert_eq!(sorted(grey_region(&g, 5, 3, 6, 2)), vec![6]);
    // Wide enough to take everything connected.
    assert_eq!(grey_region(&g, 5, 3, 0, 255).len(), 15);
}

#[test]
fn polygons_fill_their_inside_and_outline() {
    // The square (1,1)–(4,4): 4×4 pixels including the outline.
    let p = polygon(&[(1, 1), (4, 1), (4, 4), (1, 4)], 10, 10);
    let want: Vec<usize> = (1..=4)
        .flat_map(|y| (1..=4).map(move |x| y * 10 + x))
        .collect();
    assert_eq!(p, want);
    // A triangle: its rows shrink; it never leaves the image.
    let t = polygon(&[(0, 0), (9, 0), (0, 9)], 10, 10);
    assert!(t.contains(&0) && t.contains(&9) && t.contains(&90));
    assert!(!t.contains(&99));
    assert!(
        polygon(&[(0, 0), (50, 0), (50, 50)], 10, 10)
            .iter()
            .all(|&i| i < 100)
    );
}

#[test]
fn locked_classes_are_never_changed() {
    let mut s = EditSession::new(3, 1, vec![0, 4, 5]);
    let mut locks = Locks::default();
    locks.toggle(4);
    s.paint(Tool::Brush, [0, 1, 2], 7, &locks);
    let stroke = s.finish().unwrap();
    assert_eq!(s.mask.classes(), &[7, 4, 7]);
    assert_eq!(stroke.changes.len(), 2);
    assert_eq!(locks.locked(), vec![4]);
}

#[test]
fn a_stroke_records_each_pixel_once_with_its_first_old_value() {
    let mut s = EditSession::new(4, 1, vec![1, 1, 1, 1]);
    let locks = Locks::default();
    s.paint(Tool::Brush, [0, 1], 3, &locks);
    s.paint(Tool::Brush, [1, 2], 3, &locks);
    // Painting a pixel back to what it was leaves no change for it.
    s.paint(Tool::Brush, [0], 1, &locks);
    let st = s.finish().unwrap();
    assert_eq!(
        st.changes,
        vec![
            Change {
                index: 1,
                old: 1,
                new: 3
            },
            Change {
                index: 2,
                old: 1,
                new: 3
            }
        ]
    );
    assert!(s.finish().is_none(), "nothing in progress any more");
    // Switching tools ends the stroke in progress.
    s.paint(Tool::Brush, [3], 2, &locks);
    let done = s.apply(Tool::Fill, [0], |_| 5, &locks);
    assert_eq!(done.len(), 2);
    assert_eq!(done[0].tool, Tool::Brush);
    assert_eq!(done[1].tool, Tool::Fill);
}

#[test]
fn undo_redo_and_replay_agree() {
    let mut s = EditSession::new(2, 2, vec![0, 0, 0, 0]);
    let locks = Locks::default();
    let a = s.apply(Tool::Fill, [0, 1], |_| 2, &locks).remove(0);
    let b = s.apply(Tool::Brush, [1, 3], |_| 5, &locks).remove(0);
    assert_eq!(s.mask.classes(), &[2, 5, 0, 5]);
    assert!(s.undo().1);
    assert_eq!(s.mask.classes(), &[2, 2, 0, 0]);
    assert!(s.redo());
    assert!(s.undo().1 && s.undo().1);
    assert!(!s.undo().1, "nothing left to undo");
    assert_eq!(s.mask.classes(), &[0, 0, 0, 0]);
    assert!(s.redo());
    let ops = [
        session::JournalOp::Stroke(a.clone()),
        session::JournalOp::Stroke(b),
        session::JournalOp::Undo,
        session::JournalOp::Undo,
        session::JournalOp::Redo,
    ];
    let r = EditSession::replay(2, 2, vec![0; 4], &ops).unwrap();
    assert_eq!(r.mask.classes(), s.mask.classes());
    // A journal made on another mask does not apply, and says which entry.
    let e = EditSession::replay(2, 2, vec![9; 4], &ops).unwrap_err();
    assert_eq!(
        e,
        ReplayError::DoesNotFit {
            entry: 1,
            what: "a stroke"
        }
    );
    assert!(a.changes.iter().all(|c| c.old == 0));
}

#[test]
fn dirty_rectangles_cover_what_changed() {
    let mut s = EditSession::new(10, 10, vec![0; 100]);
    s.mask.take_dirty();
    s.paint(Tool::Brush, [23, 57], 1, &Locks::default());
    assert_eq!(
        s.mask.take_dirty(),
        Some(Rect {
            x0: 3,
            y0: 2,
            x1: 8,
            y1: 6
        })
    );
    assert_eq!(s.mask.take_dirty(), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random strokes with random tools and locks, then undo everything: the mask is the one
    /// the session started from, bit for bit; redo everything: the mask after the strokes.
    #[test]
    fn undo_all_gives_the_original(
        base in proptest::collection::vec(0u8..6, 64),
        grey in proptest::collection::vec(any::<u8>(), 64),
        ops in proptest::collection::vec((0u8..5, 0usize..64, 0u8..6, 1u32..6, 0u8..40), 1..25),
        lock in proptest::option::of(0u8..6),
    ) {
        let (w, h) = (8u32, 8u32);
        let mut s = EditSession::new(w, h, base.clone());
        let mut locks = Locks::default();
        if let Some(l) = lock {
            locks.toggle(l);
        }
        let pred: Vec<u8> = base.iter().map(|c| (c + 1) % 6).collect();
        for &(kind, at, class, size, tol) in &ops {
            let (x, y) = ((at % 8) as u32, (at / 8) as u32);
            match kind {
                0 => { s.paint(Tool::Brush, brush(w, h, x, y, size, BrushShape::Round), class, &locks); }
                1 => { s.apply(Tool::Fill, flood(s.mask.classes(), w, h, at), |_| class, &locks); }
                2 => { s.apply(Tool::GreyFill, grey_region(&grey, w, h, at, tol), |_| class, &locks); }
                3 => { s.apply(Tool::Accept, 0..64, |i| pred[i], &locks); }
                _ => { s.undo(); }
            }
        }
        s.finish();
        let after = s.mask.classes().to_vec();
        let recount = |m: &[u8]| m.iter().zip(&base).filter(|(a, b)| a != b).count();
        prop_assert_eq!(s.changed_pixels(), recount(&after));
        let n = s.history().done().len();
        while s.undo().1 {}
        prop_assert_eq!(s.mask.classes(), &base[..]);
        prop_assert_eq!(s.changed_pixels(), 0);
        for _ in 0..n {
            prop_assert!(s.redo());
        }
        prop_assert_eq!(s.mask.classes(), &after[..]);
        // Locked pixels never changed at any point that survived.
        if let Some(l) = lock {
            for (b, a) in base.iter().zip(&after) {
                if *b == l { prop_assert_eq!(a, b); }
            }
        }
    }
}
