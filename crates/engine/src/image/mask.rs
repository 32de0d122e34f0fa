//! Masks: turning a volume into labels (the one rule every reader's mask goes through), checking a mask against an
//! image's grid, merging one-ROI masks into a label map, counting labels; and binary operations: connected
//! components, the largest component, hole filling, dilation and erosion.
//!
//! Hand-written: breadth-first labelling and structuring-element stamping are short, need the engine's physical
//! spacing (balls in mm), and must run sequentially in the browser; image-processing crates bring far more than
//! this and are built around 2D images.
//!
//! A mask whose data length does not match its grid is returned unchanged (and has no components).

use std::collections::VecDeque;
use std::fmt;

use crate::image::volume::{Geometry, LabelMap, Volume};

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

/// Why a volume or a set of masks cannot be used as the mask of an image.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MaskError {
    /// The mask's grid has other dimensions than the image's.
    Dims { image: [usize; 3], mask: [usize; 3] },
    /// A mask value is not a whole number from 0 to 255: the first such voxel (column, row, slice from 0) and its value.
    NotALabel { value: f32, voxel: [usize; 3] },
    /// No mask was given.
    Empty,
}

impl fmt::Display for MaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaskError::Dims { image, mask } => write!(
                f,
                "the mask has {} x {} x {} voxels but the image has {} x {} x {}; pick the mask that was drawn on this image",
                mask[0], mask[1], mask[2], image[0], image[1], image[2]
            ),
            MaskError::NotALabel { value, voxel: [i, j, k] } => write!(
                f,
                "voxel ({i}, {j}, {k}) holds the value {value}, which is not a label (masks hold whole numbers from 0 \
                 to 255); is it an image rather than a mask? (a probability map must be thresholded first)"
            ),
            MaskError::Empty => write!(f, "no mask was given"),
        }
    }
}

impl std::error::Error for MaskError {}

/// Largest distance from a whole number that a label voxel may have: masks saved as floats after a resampling or
/// a format conversion hold values such as 0.99999994 or 1.0004.
pub const LABEL_TOLERANCE: f32 = 1e-3;

/// The one rule that turns a volume of labels (a NIfTI, NRRD or DICOM mask) into a label map, in the browser, the
/// command line and the benchmarks alike: each voxel must be within [`LABEL_TOLERANCE`] of a whole number from 0 to
/// 255, which becomes its label; each label from 1 to 255 present is one ROI, named as `names` gives (else
/// "Label n"). The error names the first voxel that breaks the rule.
pub fn labels_from_volume(volume: &Volume, names: &[(u8, String)]) -> Result<LabelMap, MaskError> {
    let label = |v: f32| {
        let r = v.round();
        ((0.0..=255.0).contains(&r) && (v - r).abs() <= LABEL_TOLERANCE).then_some(r as u8)
    };
    let mut data = Vec::with_capacity(volume.data.len());
    let mut present = [false; 256];
    for (i, &v) in volume.data.iter().enumerate() {
        let Some(l) = label(v) else {
            let [nx, ny, _] = volume.geometry.dims;
            let (nx, ny) = (nx.max(1), ny.max(1));
            return Err(MaskError::NotALabel { value: v, voxel: [i % nx, (i / nx) % ny, i / (nx * ny)] });
        };
        present[usize::from(l)] = true;
        data.push(l);
    }
    let names = (1..=255u8)
        .filter(|&l| present[usize::from(l)])
        .map(|l| {
            let name = names.iter().find(|(k, _)| *k == l).map(|(_, n)| n.clone()).unwrap_or_else(|| format!("Label {l}"));
            (l, name)
        })
        .collect();
    Ok(LabelMap { geometry: volume.geometry.clone(), data, names })
}

/// Checks that a mask can be drawn over an image: same dimensions. Returns a warning when the grids differ in
/// spacing, origin or orientation by more than 0.01 mm (the mask is still shown voxel for voxel).
pub fn check_mask_grid(image: &Geometry, mask: &Geometry) -> Result<Option<String>, MaskError> {
    if image.dims != mask.dims {
        return Err(MaskError::Dims { image: image.dims, mask: mask.dims });
    }
    Ok((!image.approx_eq(mask, 0.01)).then(|| {
        "the mask has the image's size but not exactly its position or spacing; it is shown voxel for voxel, check \
         that it belongs to this image"
            .to_string()
    }))
}

/// Several one-ROI masks on the same grid (e.g. RTSTRUCT ROIs rasterised one by one) as one label map with labels
/// 1, 2, … in order; where ROIs overlap, the later one shows. At most 255 masks are kept.
pub fn merge_masks(masks: &[LabelMap]) -> Result<LabelMap, MaskError> {
    let first = masks.first().ok_or(MaskError::Empty)?;
    let mut out = LabelMap::empty(first.geometry.clone());
    for (k, m) in masks.iter().take(255).enumerate() {
        if m.geometry.dims != first.geometry.dims || m.data.len() != out.data.len() {
            return Err(MaskError::Dims { image: first.geometry.dims, mask: m.geometry.dims });
        }
        let label = (k + 1) as u8;
        for (o, &v) in out.data.iter_mut().zip(&m.data) {
            if v != 0 {
                *o = label;
            }
        }
        let name = m.names.first().map(|(_, n)| n.clone()).unwrap_or_else(|| format!("ROI {label}"));
        out.names.push((label, name));
    }
    Ok(out)
}

/// Number of voxels of each label 1..=255 (index 0 counts the background).
pub fn label_counts(mask: &LabelMap) -> [usize; 256] {
    let mut counts = [0; 256];
    for &l in &mask.data {
        counts[usize::from(l)] += 1;
    }
    counts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use crate::image::volume::Geometry;

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

    #[test]
    fn masks_from_volumes_merges_and_grids() {
        let g = Geometry { dims: [4, 3, 2], spacing: [0.5, 1.0, 3.0], origin: [0.0; 3], direction: crate::image::volume::IDENTITY };
        let mut v = Volume::new(g, vec![0.0; 24]).unwrap();
        v.data = (0..24).map(|i| (i % 3) as f32).collect();
        let m = labels_from_volume(&v, &[(2, "GTV".into())]).unwrap();
        assert_eq!(m.names, vec![(1, "Label 1".into()), (2, "GTV".into())]);
        assert_eq!(label_counts(&m)[2], 8);
        v.data[5] = 0.5;
        assert_eq!(labels_from_volume(&v, &[]), Err(MaskError::NotALabel { value: 0.5, voxel: [1, 1, 0] }));
        v.data[5] = 1.0004;
        assert_eq!(labels_from_volume(&v, &[]).unwrap().data[5], 1, "within the tolerance of a whole number");
        v.data[5] = 1.0011;
        assert!(labels_from_volume(&v, &[]).is_err(), "beyond it");
        v.data[5] = f32::NAN;
        assert!(labels_from_volume(&v, &[]).unwrap_err().to_string().contains("voxel (1, 1, 0) holds the value NaN"));
        v.data[5] = 300.0;
        assert!(labels_from_volume(&v, &[]).unwrap_err().to_string().contains("not a label"));

        let g = v.geometry.clone();
        let mut a = LabelMap::empty(g.clone());
        a.data[0] = 1;
        a.data[1] = 1;
        a.names.push((1, "lung".into()));
        let mut b = LabelMap::empty(g.clone());
        b.data[1] = 1;
        let merged = merge_masks(&[a, b]).unwrap();
        assert_eq!(&merged.data[..3], &[1, 2, 0]);
        assert_eq!(merged.names, vec![(1, "lung".into()), (2, "ROI 2".into())]);
        assert_eq!(merge_masks(&[]), Err(MaskError::Empty));

        assert_eq!(check_mask_grid(&g, &g), Ok(None));
        let mut shifted = g.clone();
        shifted.origin[0] = 1.0;
        assert!(check_mask_grid(&g, &shifted).unwrap().is_some());
        let other = Geometry::new([4, 3, 1], [1.0; 3]);
        assert!(check_mask_grid(&g, &other).unwrap_err().to_string().contains("4 x 3 x 1 voxels"));
    }
}
