use super::*;

#[test]
fn rect_distance_is_exact() {
    let r = Shape::Rect {
        c: [10.0, 0.0],
        half_len: 5.0,
        half_wid: 1.0,
        dir: unit_dir(0.0),
    };
    assert!((r.sd([10.0, 0.0]) + 1.0).abs() < 1e-12);
    assert!((r.sd([10.0, 3.0]) - 2.0).abs() < 1e-12);
    assert!((r.sd([18.0, 5.0]) - 5.0).abs() < 1e-12);
    assert!((r.radius_along([1.0, 0.0]) - 5.0).abs() < 1e-6);
    assert!((r.area() - 20.0).abs() < 1e-12);
}

#[test]
fn ellipse_and_blob_outlines() {
    let e = Shape::Ellipse {
        c: [0.0, 0.0],
        a: 4.0,
        b: 2.0,
        dir: unit_dir(std::f64::consts::FRAC_PI_2),
    };
    assert!(
        e.sd([0.0, 4.0]).abs() < 1e-9,
        "end of the long axis, rotated to y"
    );
    assert!(e.sd([2.0, 0.0]).abs() < 1e-9);
    assert!(e.sd([0.0, 0.0]) < 0.0 && e.sd([3.0, 0.0]) > 0.0);
    let b = Shape::blob([1.0, 1.0], 10.0, [0.2, 0.1, 0.05], [0.3, 1.0, 2.0]);
    let (rmin, rmax) = b.radii();
    for i in 0..64 {
        let d = unit_dir(f64::from(i) * 0.1);
        let r = b.radius_along(d);
        assert!(r >= rmin - 1e-6 && r <= rmax + 1e-6);
    }
}

#[test]
fn row_spans_hold_every_point_within_the_margin() {
    let shapes = [
        Shape::Rect {
            c: [1.0, 2.0],
            half_len: 9.0,
            half_wid: 2.0,
            dir: unit_dir(0.6),
        },
        Shape::Rect {
            c: [0.0, 0.0],
            half_len: 5.0,
            half_wid: 1.0,
            dir: unit_dir(0.0),
        },
        Shape::blob([0.0, 0.0], 6.0, [0.3, 0.1, 0.1], [0.0, 1.0, 2.0]),
    ];
    for shape in shapes {
        for iy in -60..60 {
            let y = f64::from(iy) * 0.25;
            let span = shape.row_span(y, 0.5);
            for ix in -80..80 {
                let x = f64::from(ix) * 0.25;
                if shape.sd([x, y]) < 0.5 {
                    let (lo, hi) = span.expect("a row with points has a span");
                    assert!(x >= lo - 1e-9 && x <= hi + 1e-9, "{shape:?} at ({x}, {y})");
                }
            }
        }
    }
}

#[test]
fn block_classification_is_conservative() {
    let shapes = [
        Shape::blob([0.0, 0.0], 10.0, [0.3, 0.1, 0.1], [0.0, 1.0, 2.0]),
        Shape::Ellipse {
            c: [0.0, 0.0],
            a: 12.0,
            b: 5.0,
            dir: unit_dir(0.7),
        },
        Shape::Rect {
            c: [0.0, 0.0],
            half_len: 12.0,
            half_wid: 3.0,
            dir: unit_dir(0.4),
        },
    ];
    for shape in shapes {
        for gx in -20..20 {
            for gy in -20..20 {
                let p = [f64::from(gx), f64::from(gy)];
                let h = 1.5;
                let corners = [
                    [-1.0, -1.0],
                    [1.0, -1.0],
                    [-1.0, 1.0],
                    [1.0, 1.0],
                    [0.0, 0.0],
                ]
                .map(|[a, b]| shape.sd([p[0] + a * 1.06, p[1] + b * 1.06]));
                match shape.classify(p, h) {
                    Region::Outside => assert!(corners.iter().all(|&d| d > 0.0)),
                    Region::Inside { .. } => assert!(corners.iter().all(|&d| d < 0.0)),
                    Region::Mixed => {}
                }
            }
        }
    }
}
