//! Binary mask operations: connected components, the largest component, hole filling, dilation and erosion.
//!
//! Hand-written: breadth-first labelling and structuring-element stamping are short, need the engine's physical
//! spacing (balls in mm), and must run sequentially in the browser; image-processing crates bring far more than
//! this and are built around 2D images.
//!
//! A mask whose data length does not match its grid is returned unchanged (and has no components).

use std::collections::VecDeque;

use crate::volume::LabelMap;

/// Which neighbours touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connectivity {
    /// Faces only (6 neighbours in 3D).
    Faces,
    /// Faces and edges (18).
    Edges,
    /// Faces, edges and corners (26).
    Corners,
}

fn offsets(c: Connectivity) -> Vec<[i64; 3]> {
    let mut v = Vec::new();
    for dz in -1i64..=1 {
        for dy in -1i64..=1 {
            for dx in -1i64..=1 {
                let n = dx.abs() + dy.abs() + dz.abs();
                let ok = match c {
                    Connectivity::Faces => n == 1,
                    Connectivity::Edges => n == 1 || n == 2,
                    Connectivity::Corners => n >= 1,
                };
                if ok {
                    v.push([dx, dy, dz]);
                }
            }
        }
    }
    v
}

fn neighbour(dims: [usize; 3], x: usize, y: usize, z: usize, d: [i64; 3]) -> Option<usize> {
    let nx = x as i64 + d[0];
    let ny = y as i64 + d[1];
    let nz = z as i64 + d[2];
    if nx < 0 || ny < 0 || nz < 0 || nx >= dims[0] as i64 || ny >= dims[1] as i64 || nz >= dims[2] as i64 {
        return None;
    }
    Some(nx as usize + dims[0] * (ny as usize + dims[1] * nz as usize))
}

fn coords(dims: [usize; 3], i: usize) -> (usize, usize, usize) {
    (i % dims[0], (i / dims[0]) % dims[1], i / (dims[0] * dims[1]))
}

/// Labels the connected components of the voxels where `inside` holds: 0 outside, 1.. per component, ordered by
/// first voxel. Returns the labels and each component's size (index 0 is for label 1).
fn label(dims: [usize; 3], inside: &[bool], c: Connectivity) -> (Vec<u32>, Vec<usize>) {
    let offs = offsets(c);
    let mut labels = vec![0u32; inside.len()];
    let mut sizes = Vec::new();
    let mut queue = VecDeque::new();
    for start in 0..inside.len() {
        if !inside[start] || labels[start] != 0 {
            continue;
        }
        let id = sizes.len() as u32 + 1;
        labels[start] = id;
        queue.push_back(start);
        let mut size = 0;
        while let Some(i) = queue.pop_front() {
            size += 1;
            let (x, y, z) = coords(dims, i);
            for &d in &offs {
                if let Some(j) = neighbour(dims, x, y, z, d) {
                    if inside[j] && labels[j] == 0 {
                        labels[j] = id;
                        queue.push_back(j);
                    }
                }
            }
        }
        sizes.push(size);
    }
    (labels, sizes)
}

/// Connected components of the mask's non-zero voxels: a label per voxel (0 = background) and the component sizes
/// in voxels (`sizes[k]` for label `k + 1`).
pub fn connected_components(m: &LabelMap, c: Connectivity) -> (Vec<u32>, Vec<usize>) {
    if m.data.len() != m.geometry.len() {
        return (vec![0; m.data.len()], Vec::new());
    }
    let inside: Vec<bool> = m.data.iter().map(|&v| v != 0).collect();
    label(m.geometry.dims, &inside, c)
}

/// Keeps only the largest connected component (the first one on ties).
pub fn largest_component(m: &LabelMap, c: Connectivity) -> LabelMap {
    if m.data.len() != m.geometry.len() {
        return m.clone();
    }
    let (labels, sizes) = connected_components(m, c);
    let best = sizes.iter().enumerate().fold(None, |b: Option<(usize, usize)>, (k, &s)| match b {
        Some((_, bs)) if bs >= s => b,
        _ => Some((k, s)),
    });
    let keep = best.map_or(0, |(k, _)| k as u32 + 1);
    let data = labels.iter().zip(&m.data).map(|(&l, &v)| if keep != 0 && l == keep { v } else { 0 }).collect();
    LabelMap { geometry: m.geometry.clone(), data, names: m.names.clone() }
}

/// Fills holes: background regions that do not touch the border of the grid become part of the mask (label 1, or
/// the mask's first label). With `per_slice`, holes are filled in each axial slice separately (2D).
pub fn fill_holes(m: &LabelMap, per_slice: bool) -> LabelMap {
    if m.data.len() != m.geometry.len() {
        return m.clone();
    }
    let dims = m.geometry.dims;
    let outside: Vec<bool> = m.data.iter().map(|&v| v == 0).collect();
    let fill = m.names.first().map_or(1, |n| n.0);
    let mut data = m.data.clone();
    if per_slice {
        let plane = dims[0] * dims[1];
        for z in 0..dims[2] {
            let sl = &outside[z * plane..(z + 1) * plane];
            let (labels, sizes) = label([dims[0], dims[1], 1], sl, Connectivity::Faces);
            let border = border_labels([dims[0], dims[1], 1], &labels, sizes.len(), false);
            for (i, &l) in labels.iter().enumerate() {
                if l != 0 && !border[l as usize] {
                    data[z * plane + i] = fill;
                }
            }
        }
    } else {
        let (labels, sizes) = label(dims, &outside, Connectivity::Faces);
        let border = border_labels(dims, &labels, sizes.len(), true);
        for (i, &l) in labels.iter().enumerate() {
            if l != 0 && !border[l as usize] {
                data[i] = fill;
            }
        }
    }
    LabelMap { geometry: m.geometry.clone(), data, names: m.names.clone() }
}

fn border_labels(dims: [usize; 3], labels: &[u32], n: usize, with_z: bool) -> Vec<bool> {
    let mut touches = vec![false; n + 1];
    for (i, &l) in labels.iter().enumerate() {
        if l == 0 {
            continue;
        }
        let (x, y, z) = coords(dims, i);
        let on_edge = x == 0 || y == 0 || x + 1 == dims[0] || y + 1 == dims[1] || (with_z && (z == 0 || z + 1 == dims[2]));
        if on_edge {
            touches[l as usize] = true;
        }
    }
    touches
}

/// Offsets of a ball of `radius_mm` on a grid with `spacing` (an ellipsoid in voxels when spacing is anisotropic).
/// Axes with a single voxel (2D images) are left out, so a slice is treated as 2D.
fn ball(radius_mm: f64, spacing: [f64; 3], dims: [usize; 3]) -> Vec<[i64; 3]> {
    let r = [0, 1, 2].map(|a| if dims[a] > 1 { (radius_mm / spacing[a]).floor().clamp(0.0, dims[a] as f64) as i64 } else { 0 });
    let mut v = Vec::new();
    for dz in -r[2]..=r[2] {
        for dy in -r[1]..=r[1] {
            for dx in -r[0]..=r[0] {
                let d = (dx as f64 * spacing[0]).powi(2) + (dy as f64 * spacing[1]).powi(2) + (dz as f64 * spacing[2]).powi(2);
                if d <= radius_mm * radius_mm + 1e-9 {
                    v.push([dx, dy, dz]);
                }
            }
        }
    }
    v
}

/// Dilation by a ball of `radius_mm` (in physical units, using the grid spacing).
pub fn dilate(m: &LabelMap, radius_mm: f64) -> LabelMap {
    if m.data.len() != m.geometry.len() {
        return m.clone();
    }
    let dims = m.geometry.dims;
    let se = ball(radius_mm, m.geometry.spacing, dims);
    let fill = m.names.first().map_or(1, |n| n.0);
    let mut data = m.data.clone();
    for (i, &v) in m.data.iter().enumerate() {
        if v == 0 {
            continue;
        }
        let (x, y, z) = coords(dims, i);
        for &d in &se {
            if let Some(j) = neighbour(dims, x, y, z, d) {
                if data[j] == 0 {
                    data[j] = fill;
                }
            }
        }
    }
    LabelMap { geometry: m.geometry.clone(), data, names: m.names.clone() }
}

/// Erosion by a ball of `radius_mm`: a voxel stays when the whole ball around it is in the mask; outside the grid
/// counts as background.
pub fn erode(m: &LabelMap, radius_mm: f64) -> LabelMap {
    if m.data.len() != m.geometry.len() {
        return m.clone();
    }
    let dims = m.geometry.dims;
    let se = ball(radius_mm, m.geometry.spacing, dims);
    let data = m
        .data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v == 0 {
                return 0;
            }
            let (x, y, z) = coords(dims, i);
            let all = se.iter().all(|&d| neighbour(dims, x, y, z, d).is_some_and(|j| m.data[j] != 0));
            if all {
                v
            } else {
                0
            }
        })
        .collect();
    LabelMap { geometry: m.geometry.clone(), data, names: m.names.clone() }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use crate::volume::Geometry;

    fn mask(dims: [usize; 3], rows: &[&str]) -> LabelMap {
        let data = rows.concat().bytes().map(|c| u8::from(c == b'#')).collect();
        LabelMap::new(Geometry::new(dims, [1.0; 3]), data).unwrap()
    }

    fn show(m: &LabelMap) -> String {
        m.data.iter().map(|&v| if v != 0 { '#' } else { '.' }).collect()
    }

    #[test]
    fn components_depend_on_connectivity() {
        let m = mask([4, 3, 1], &["##..", "..#.", "...#"]);
        let (_, sizes) = connected_components(&m, Connectivity::Faces);
        assert_eq!(sizes, vec![2, 1, 1]);
        let (labels, sizes) = connected_components(&m, Connectivity::Corners);
        assert_eq!(sizes, vec![4]);
        assert_eq!(labels[11], 1);
        let l = largest_component(&mask([5, 1, 1], &["#.###"]), Connectivity::Faces);
        assert_eq!(show(&l), "..###");
    }

    #[test]
    fn holes_are_filled_but_open_bays_are_not() {
        let m = mask([5, 4, 1], &["#####", "#.#.#", "###..", "....."]);
        // The hole at (1,1) is enclosed; (3,1) opens to the border through (3,2)/(4,2).
        assert_eq!(show(&fill_holes(&m, true)), "#####".to_string() + "###.#" + "###.." + ".....");
        // In 3D a one-slice grid: every voxel touches the z border, so nothing is a hole.
        assert_eq!(show(&fill_holes(&m, false)), show(&m));
    }

    #[test]
    fn dilation_and_erosion_by_hand() {
        let m = mask([5, 5, 1], &[".....", ".....", "..#..", ".....", "....."]);
        let d = dilate(&m, 1.0);
        assert_eq!(show(&d), ".....".to_string() + "..#.." + ".###." + "..#.." + ".....");
        let d2 = dilate(&m, 1.5);
        assert_eq!(d2.count(), 9);
        assert_eq!(show(&erode(&d, 1.0)), show(&m));
        assert_eq!(erode(&m, 1.0).count(), 0);
        // Anisotropic spacing: 1 mm in x, 3 mm in y; a 2 mm ball reaches 2 voxels in x and none in y.
        let mut a = m.clone();
        a.geometry.spacing = [1.0, 3.0, 1.0];
        assert_eq!(show(&dilate(&a, 2.0)), ".....".to_string() + "....." + "#####" + "....." + ".....");
    }
}
