//! Small segments merged into a neighbour, so that no paint unit is a speck: SNIC leaves a
//! segment of a few pixels where its seed is walled in by faster neighbours (textured phases,
//! grain corners).

use super::Superpixels;

/// `sp` with every segment smaller than `min_size` pixels merged into the 4-adjacent segment
/// whose mean grey is nearest (the lower label on a tie), in label order, repeated until none
/// is left that has a neighbour; labels renumbered `0..count` in order of their lowest old
/// label. Merging 4-adjacent segments keeps every segment 4-connected.
pub(super) fn merge_small(sp: Superpixels, grey: &[u8], min_size: usize) -> Superpixels {
    let n = sp.count();
    if min_size <= 1 || n <= 1 {
        return sp;
    }
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut size: Vec<usize> = (0..n as u32).map(|l| sp.size_of(l)).collect();
    let mut sum: Vec<f64> = (0..n)
        .map(|l| f64::from(sp.means[l]) * size[l] as f64)
        .collect();
    let mut merged = true;
    while merged {
        merged = false;
        for l in 0..n as u32 {
            let r = find(&mut parent, l);
            if size[r as usize] >= min_size {
                continue;
            }
            let mean = |q: u32| sum[q as usize] / size[q as usize] as f64;
            let own = mean(r);
            let mut best: Option<(f64, u32)> = None;
            for j in sp
                .pixels_of(l)
                .flat_map(|i| neighbours(i, sp.width, sp.height))
            {
                let q = find(&mut parent, sp.labels[j]);
                let d = (mean(q) - own).abs();
                if q != r && best.is_none_or(|(bd, bq)| d.total_cmp(&bd).then(q.cmp(&bq)).is_lt()) {
                    best = Some((d, q));
                }
            }
            if let Some((_, q)) = best {
                parent[r as usize] = q;
                size[q as usize] += size[r as usize];
                sum[q as usize] += sum[r as usize];
                merged = true;
            }
        }
    }
    let mut new_id = vec![u32::MAX; n];
    let mut count = 0;
    for l in 0..n as u32 {
        let r = find(&mut parent, l) as usize;
        if new_id[r] == u32::MAX {
            new_id[r] = count;
            count += 1;
        }
    }
    let labels = (0..n as u32)
        .map(|l| new_id[find(&mut parent, l) as usize])
        .collect::<Vec<_>>();
    let relabelled = sp.labels.iter().map(|&l| labels[l as usize]).collect();
    Superpixels::from_labels(sp.width, sp.height, relabelled, grey, count as usize)
}

/// Root of `l`'s merged group, halving the path on the way.
fn find(parent: &mut [u32], mut l: u32) -> u32 {
    while parent[l as usize] != l {
        let up = parent[parent[l as usize] as usize];
        parent[l as usize] = up;
        l = up;
    }
    l
}

/// The 4-neighbours of pixel `i` inside a `width × height` image.
fn neighbours(i: usize, width: usize, height: usize) -> impl Iterator<Item = usize> {
    let (x, y) = (i % width, i / width);
    [
        (x > 0).then(|| i - 1),
        (x + 1 < width).then_some(i + 1),
        (y > 0).then(|| i - width),
        (y + 1 < height).then_some(i + width),
    ]
    .into_iter()
    .flatten()
}
