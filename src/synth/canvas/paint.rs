//! Painting one primitive onto the canvas, fast: blocks of subsamples outside the outline (or
//! outside its clip) are skipped, blocks inside it are filled at once, rows are limited to the
//! span where the outline can be, and along a row the signed distance tells how many
//! subsamples can be stepped over (all outside, or all fully covered) before the next test.

use super::{BLOCK, Block, Canvas, Coverage, Fill, Lookup, Primitive};
use crate::synth::cells::Site;
use crate::synth::shape::Region;

/// What is fixed while one primitive is painted.
struct Job<'a> {
    prim: &'a Primitive,
    mode: Coverage,
    /// Bound on |∇ sd|, for stepping.
    lipschitz: f64,
    /// Most subsamples one distance test may stand for inside (zoning depth error ≤ 5 %).
    reuse: usize,
    /// Sites of the texture near the current block, when `candidates`.
    sites: Vec<Site>,
    /// Texture sites come from `sites`; else per subsample (`coarse`: its own cell only).
    candidates: bool,
    coarse: bool,
    /// Whether the clip outline must be tested per subsample in the current block.
    clip: bool,
}

impl Canvas {
    /// Paints one primitive over what is already there.
    pub(crate) fn paint(&mut self, prim: &Primitive) {
        let s = self.s;
        // Textures finer than a few subsamples look up their sites per subsample instead.
        let texture_step = match &prim.fill {
            Fill::Texture(t) if t.field.spacing >= 4.0 * s => {
                Some(((t.field.spacing / s) as usize).clamp(4, BLOCK))
            }
            _ => None,
        };
        let reuse = match prim.fill {
            Fill::Zoned { depth, .. } => ((0.05 * depth / s) as usize).clamp(1, 8),
            _ => usize::MAX,
        };
        let mut job = Job {
            prim,
            mode: Coverage::of(&prim.shape, s),
            lipschitz: prim.shape.lipschitz(),
            reuse,
            sites: Vec::new(),
            candidates: texture_step.is_some(),
            coarse: matches!(&prim.fill, Fill::Texture(t) if t.field.spacing < s),
            clip: false,
        };
        for b in self.blocks(prim.shape.bbox(), texture_step.unwrap_or(BLOCK)) {
            self.paint_block(&mut job, &b);
        }
    }

    /// Skips, fills, or paints row by row one block of subsamples.
    fn paint_block(&mut self, job: &mut Job<'_>, b: &Block) {
        let (prim, s) = (job.prim, self.s);
        let (rect, centre, h) = self.rect(b);
        let region = prim.shape.classify(centre, h + s);
        job.clip = match prim.clip.map(|c| c.classify(centre, h + s)) {
            Some(Region::Outside) => return,
            Some(Region::Mixed) => true,
            None | Some(Region::Inside { .. }) => false,
        };
        if region == Region::Outside {
            return;
        }
        if let (Fill::Texture(t), true) = (&prim.fill, job.candidates) {
            t.field.candidates(t.local_rect(rect), 1, &mut job.sites);
        }
        let full = matches!(region, Region::Inside { .. }) && job.mode == Coverage::Area;
        let uniform = match region {
            Region::Inside { depth } if full && !job.clip => prim.fill.uniform(depth),
            _ => None,
        };
        if let Some((label, eta)) = uniform {
            self.fill_block(b, label, eta);
            return;
        }
        for y in b.y0..b.y1 {
            self.paint_row(job, b, y, full);
        }
    }

    /// Subsample index range `[lo, hi)` within `[x0, x1)` whose centres lie in `span`.
    fn clip_span(&self, span: (f64, f64), x0: usize, x1: usize) -> (usize, usize) {
        let lo = (span.0 / self.s - 0.5).ceil().clamp(x0 as f64, x1 as f64) as usize;
        let hi = ((span.1 / self.s - 0.5).floor() + 1.0).clamp(lo as f64, x1 as f64) as usize;
        (lo, hi)
    }

    fn paint_row(&mut self, job: &Job<'_>, b: &Block, y: usize, full: bool) {
        let (s, py) = (self.s, self.at(y));
        let (x0, x1) = if full {
            (b.x0, b.x1)
        } else {
            match job.prim.shape.row_span(py, s) {
                Some(span) => self.clip_span(span, b.x0, b.x1),
                None => return,
            }
        };
        if job.mode != Coverage::Area {
            for x in x0..x1 {
                let (cov, depth) = job.mode.eval(&job.prim.shape, [self.at(x), py], s);
                self.blend(job, x, y, cov, depth);
            }
            return;
        }
        if full && matches!(job.prim.fill, Fill::Texture(_)) {
            self.covered(job, y, (x0, x1), 0.0);
            return;
        }
        let step = job.lipschitz * s;
        let mut x = x0;
        while x < x1 {
            let sd = job.prim.shape.sd([self.at(x), py]);
            // Further subsamples that stay wholly outside or wholly covered.
            let more = ((sd.abs() - 0.5 * s) / step).floor().max(0.0) as usize;
            if sd >= 0.5 * s {
                x = x.saturating_add(1 + more);
            } else if sd <= -0.5 * s {
                let end = x.saturating_add(1 + more.min(job.reuse - 1)).min(x1);
                self.covered(job, y, (x, end), -sd);
                x = end;
            } else {
                self.blend(job, x, y, 0.5 - sd / s, -sd);
                x += 1;
            }
        }
    }

    /// Paints subsamples `xs` of row `y`, all wholly inside the outline at about `depth` µm.
    fn covered(&mut self, job: &Job<'_>, y: usize, xs: (usize, usize), depth: f64) {
        let row = y * self.n;
        if !job.clip
            && let Some((label, eta)) = job.prim.fill.at_depth(depth)
        {
            self.label[row + xs.0..row + xs.1].fill(label);
            self.eta[row + xs.0..row + xs.1].fill(eta);
            return;
        }
        for x in xs.0..xs.1 {
            self.blend(job, x, y, 1.0, depth);
        }
    }

    /// Blends the fill into subsample (x, y) by coverage `cov`, inside the clip.
    fn blend(&mut self, job: &Job<'_>, x: usize, y: usize, cov: f64, depth: f64) {
        if cov <= 0.0 {
            return;
        }
        let p = [self.at(x), self.at(y)];
        if job.clip && job.prim.clip.is_some_and(|c| c.sd(p) > 0.0) {
            return;
        }
        let lookup = match (job.candidates, job.coarse) {
            (true, _) => Lookup::Candidates(&job.sites),
            (false, true) => Lookup::Cell,
            (false, false) => Lookup::Nearby,
        };
        let (label, eta) = job.prim.fill.eval(p, depth, lookup);
        let i = y * self.n + x;
        self.eta[i] += (cov as f32) * (eta - self.eta[i]);
        if cov >= 0.5 {
            self.label[i] = label;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::phase::class;
    use crate::synth::shape::{Shape, unit_dir};

    fn solid(shape: Shape) -> Primitive {
        Primitive {
            shape,
            fill: Fill::Solid {
                class: class::TROILITE,
                eta: 1.0,
            },
            clip: None,
        }
    }

    fn painted_area(canvas: &Canvas, void_eta: f32) -> f64 {
        let sum: f64 = canvas.eta.iter().map(|&e| f64::from(e - void_eta)).sum();
        sum / f64::from(1.0 - void_eta) * canvas.s * canvas.s
    }

    #[test]
    fn grey_area_is_kept_for_grains_below_a_subsample() {
        // Subsamples of 2 µm; a 0.6 µm bleb and a 0.3 µm wide crack keep their area in η.
        for shape in [
            Shape::Ellipse {
                c: [21.3, 17.9],
                a: 0.3,
                b: 0.3,
                dir: unit_dir(0.0),
            },
            Shape::Rect {
                c: [30.0, 31.0],
                half_len: 12.0,
                half_wid: 0.15,
                dir: unit_dir(0.5),
            },
            Shape::blob([30.0, 30.0], 9.0, [0.2, 0.1, 0.05], [0.0, 1.0, 2.0]),
        ] {
            let mut canvas = Canvas::new(32, 2.0);
            let void_eta = canvas.eta[0];
            canvas.paint(&solid(shape));
            let got = painted_area(&canvas, void_eta);
            let want = shape.area();
            assert!(
                (got - want).abs() < 0.05 * want + 0.02,
                "{shape:?}: {got} vs {want}"
            );
            if shape.thickness() < 1.0 {
                let labelled = canvas.label.contains(&class::TROILITE);
                assert!(!labelled, "sub-subsample grains never win a label");
            }
        }
    }

    /// Paints by testing every subsample: the reference for the fast path.
    fn paint_slowly(canvas: &mut Canvas, prim: &Primitive) {
        let s = canvas.s;
        for y in 0..canvas.n {
            for x in 0..canvas.n {
                let p = [canvas.at(x), canvas.at(y)];
                let sd = prim.shape.sd(p);
                let cov = (0.5 - sd / s).clamp(0.0, 1.0);
                if cov <= 0.0 || prim.clip.is_some_and(|c| c.sd(p) > 0.0) {
                    continue;
                }
                let (label, eta) = prim.fill.eval(p, -sd, Lookup::Nearby);
                let i = y * canvas.n + x;
                canvas.eta[i] += (cov as f32) * (eta - canvas.eta[i]);
                if cov >= 0.5 {
                    canvas.label[i] = label;
                }
            }
        }
    }

    #[test]
    fn fast_painting_agrees_with_testing_every_subsample() {
        let blob = Shape::blob([40.0, 40.0], 30.0, [0.25, 0.15, 0.1], [0.5, 1.0, 2.0]);
        let zoned = Fill::Zoned {
            class: class::OLIVINE,
            z_core: 13.7,
            z_rim: 15.4,
            depth: 300.0, // a long zone: the fast path reuses depths over 8 subsamples
        };
        let fracture = Shape::Rect {
            c: [45.0, 40.0],
            half_len: 60.0,
            half_wid: 1.5,
            dir: unit_dir(0.3),
        };
        let prims = [
            solid(blob),
            Primitive {
                shape: blob,
                fill: zoned,
                clip: None,
            },
            Primitive {
                clip: Some(blob),
                ..solid(fracture)
            },
        ];
        for prim in prims {
            let mut fast = Canvas::new(100, 0.8);
            fast.paint(&prim);
            let mut slow = Canvas::new(100, 0.8);
            paint_slowly(&mut slow, &prim);
            let differ = fast
                .label
                .iter()
                .zip(&slow.label)
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(differ, 0, "{:?}", prim.fill);
            let worst = fast
                .eta
                .iter()
                .zip(&slow.eta)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst < 2e-3, "η differs by {worst}");
        }
    }
}
