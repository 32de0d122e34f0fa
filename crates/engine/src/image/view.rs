//! Multiplanar display, as pure computation: which voxels make up an axial, coronal or sagittal slice, the RGBA
//! pixels of a slice under a window with a label overlay, and where a slice sits on a zoomed and panned canvas.
//!
//! Slices are shown in the radiological convention whatever the order of the voxels in the file: axial slices
//! with the patient's right on the left of the screen and anterior at the top, coronal and sagittal slices with
//! superior at the top (sagittal: anterior on the left). The voxel axis shown along each screen axis is the one
//! whose direction is closest to the wanted patient axis, flipped when it runs the other way; the image is not
//! resampled, so an oblique acquisition shows as acquired.
//!
//! Everything here writes into buffers the caller owns and reuses, with no allocation per pixel, so that a
//! 512 x 512 slice is extracted and composed in a few milliseconds in the browser.

use crate::image::volume::{Geometry, Volume};
use crate::image::window::{Preset, Window};

/// One of the three anatomical planes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Plane {
    /// Across the head-feet axis (seen from the feet).
    Axial,
    /// Across the front-back axis (seen from the front).
    Coronal,
    /// Across the left-right axis (anterior on the left of the screen).
    Sagittal,
}

impl Plane {
    pub const ALL: [Plane; 3] = [Plane::Axial, Plane::Coronal, Plane::Sagittal];

    pub fn name(self) -> &'static str {
        match self {
            Plane::Axial => "axial",
            Plane::Coronal => "coronal",
            Plane::Sagittal => "sagittal",
        }
    }

    /// Patient directions at the left, right, top and bottom edges of the slice as displayed: R/L, A/P, S/I.
    pub fn edge_labels(self) -> [char; 4] {
        match self {
            Plane::Axial => ['R', 'L', 'A', 'P'],
            Plane::Coronal => ['R', 'L', 'S', 'I'],
            Plane::Sagittal => ['A', 'P', 'S', 'I'],
        }
    }

    /// World axes (0 = L, 1 = P, 2 = S) along columns and rows, whether they grow along the world axis, and the
    /// world axis across slices.
    fn world_axes(self) -> (usize, bool, usize, bool, usize) {
        match self {
            Plane::Axial => (0, true, 1, true, 2),
            Plane::Coronal => (0, true, 2, false, 1),
            Plane::Sagittal => (1, true, 2, false, 0),
        }
    }
}

/// Which voxel axis runs (mostly) along each patient axis, and in which sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orientation {
    /// `axis_of[w]`: the voxel axis closest to world axis `w` (0 = L, 1 = P, 2 = S).
    pub axis_of: [usize; 3],
    /// `positive[w]`: whether that voxel axis grows towards L, P or S.
    pub positive: [bool; 3],
}

impl Orientation {
    /// Voxel axes along L, P, S.
    pub const IDENTITY: Orientation = Orientation { axis_of: [0, 1, 2], positive: [true; 3] };

    /// The orientation of a grid. Degenerate directions (two voxel axes closest to the same patient axis, which a
    /// checked geometry cannot have) fall back to the identity.
    pub fn of(geometry: &Geometry) -> Orientation {
        let mut axis_of = [usize::MAX; 3];
        let mut positive = [true; 3];
        for (a, d) in geometry.direction.iter().enumerate() {
            let mut w = 0;
            for k in 1..3 {
                if d[k].abs() > d[w].abs() {
                    w = k;
                }
            }
            if axis_of[w] != usize::MAX {
                return Orientation::IDENTITY;
            }
            axis_of[w] = a;
            positive[w] = d[w] >= 0.0;
        }
        Orientation { axis_of, positive }
    }
}

/// How a slice of one plane is laid out: which voxel axes run along columns and rows, flips, sizes and spacing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SliceLayout {
    pub plane: Plane,
    /// Voxel axis along the columns (left to right on screen).
    pub col_axis: usize,
    /// Voxel axis along the rows (top to bottom on screen).
    pub row_axis: usize,
    /// Voxel axis across slices.
    pub normal_axis: usize,
    /// Columns show the voxel axis in decreasing order.
    pub col_flip: bool,
    /// Rows show the voxel axis in decreasing order.
    pub row_flip: bool,
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Number of slices of this plane.
    pub depth: usize,
    /// Distance between pixel centres along columns and rows, in mm.
    pub spacing: [f64; 2],
    dims: [usize; 3],
}

impl SliceLayout {
    /// The layout of `plane` slices of a grid.
    pub fn new(geometry: &Geometry, plane: Plane) -> SliceLayout {
        let o = Orientation::of(geometry);
        let (cw, c_pos, rw, r_pos, nw) = plane.world_axes();
        let (col_axis, row_axis, normal_axis) = (o.axis_of[cw], o.axis_of[rw], o.axis_of[nw]);
        SliceLayout {
            plane,
            col_axis,
            row_axis,
            normal_axis,
            col_flip: o.positive[cw] != c_pos,
            row_flip: o.positive[rw] != r_pos,
            width: geometry.dims[col_axis],
            height: geometry.dims[row_axis],
            depth: geometry.dims[normal_axis],
            spacing: [geometry.spacing[col_axis], geometry.spacing[row_axis]],
            dims: geometry.dims,
        }
    }

    /// The three layouts of a grid, in the order of [`Plane::ALL`].
    pub fn all(geometry: &Geometry) -> [SliceLayout; 3] {
        Plane::ALL.map(|p| SliceLayout::new(geometry, p))
    }

    /// Pixels per slice.
    pub fn len(&self) -> usize {
        self.width * self.height
    }

    /// True if a slice has no pixel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Width and height of a slice in mm.
    pub fn extent_mm(&self) -> [f64; 2] {
        [self.width as f64 * self.spacing[0], self.height as f64 * self.spacing[1]]
    }

    /// The voxel shown at pixel (`col`, `row`) of slice `slice`; `None` outside.
    pub fn voxel(&self, col: usize, row: usize, slice: usize) -> Option<[usize; 3]> {
        if col >= self.width || row >= self.height || slice >= self.depth {
            return None;
        }
        let mut v = [0; 3];
        v[self.col_axis] = if self.col_flip { self.width - 1 - col } else { col };
        v[self.row_axis] = if self.row_flip { self.height - 1 - row } else { row };
        v[self.normal_axis] = slice;
        Some(v)
    }

    /// The pixel (`col`, `row`) where a voxel shows in its slice, and that slice's index.
    pub fn pixel(&self, voxel: [usize; 3]) -> (usize, usize, usize) {
        let c = voxel[self.col_axis].min(self.width.saturating_sub(1));
        let r = voxel[self.row_axis].min(self.height.saturating_sub(1));
        let col = if self.col_flip { self.width.saturating_sub(1) - c } else { c };
        let row = if self.row_flip { self.height.saturating_sub(1) - r } else { r };
        (col, row, voxel[self.normal_axis])
    }

    /// Copies slice `slice` of `data` (x fastest, on this layout's grid) into `out`, row by row, reusing its
    /// allocation. Returns `false`, leaving `out` empty, when `data` does not fit the grid or `slice` is outside.
    pub fn extract<T: Copy>(&self, data: &[T], slice: usize, out: &mut Vec<T>) -> bool {
        out.clear();
        let [nx, ny, nz] = self.dims;
        if data.len() != nx * ny * nz || slice >= self.depth {
            return false;
        }
        let stride = [1, nx, nx * ny];
        let (sc, sr) = (stride[self.col_axis], stride[self.row_axis]);
        let base = slice * stride[self.normal_axis];
        out.reserve(self.len());
        for row in 0..self.height {
            let r = if self.row_flip { self.height - 1 - row } else { row };
            let start = base + r * sr;
            if sc == 1 && !self.col_flip {
                out.extend_from_slice(&data[start..start + self.width]);
            } else if self.col_flip {
                out.extend((0..self.width).rev().map(|c| data[start + c * sc]));
            } else {
                out.extend((0..self.width).map(|c| data[start + c * sc]));
            }
        }
        true
    }
}

/// Colour of a label: a fixed palette of distinct colours that stay visible on grey images.
pub fn label_colour(label: u8) -> [u8; 3] {
    const PALETTE: [[u8; 3]; 10] = [
        [230, 57, 70],   // red
        [46, 196, 182],  // teal
        [255, 183, 3],   // amber
        [58, 134, 255],  // blue
        [131, 56, 236],  // violet
        [251, 86, 7],    // orange
        [128, 237, 153], // green
        [255, 0, 110],   // pink
        [141, 153, 174], // steel
        [255, 241, 118], // yellow
    ];
    if label == 0 {
        return [0, 0, 0];
    }
    PALETTE[usize::from(label - 1) % PALETTE.len()]
}

/// Colours and visibility of the 256 possible labels.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelStyle {
    pub colours: [[u8; 3]; 256],
    pub visible: [bool; 256],
}

impl Default for LabelStyle {
    fn default() -> Self {
        let mut colours = [[0; 3]; 256];
        for (l, c) in colours.iter_mut().enumerate() {
            *c = label_colour(l as u8);
        }
        let mut visible = [true; 256];
        visible[0] = false;
        LabelStyle { colours, visible }
    }
}

/// A label slice drawn over the image.
#[derive(Debug, Clone, Copy)]
pub struct Overlay<'a> {
    /// Labels of the slice, same size as the intensities.
    pub labels: &'a [u8],
    pub style: &'a LabelStyle,
    /// Opacity of the filled labels, 0 to 1.
    pub opacity: f32,
    /// Draw only the contour of each label (pixels with a 4-neighbour of another label or off the slice), at
    /// opacity `0.5 + opacity / 2` so that a thin line stays visible.
    pub outline: bool,
}

/// Composes opaque RGBA pixels (for a canvas `ImageData`) of a `width`-pixel-wide slice: intensities through
/// `window`, then the overlay blended on top. `out` must hold `4 * values.len()` bytes and the overlay as many
/// labels as there are values; returns `false` (and writes nothing) otherwise.
pub fn compose(values: &[f32], width: usize, window: &Window, overlay: Option<&Overlay>, out: &mut [u8]) -> bool {
    if out.len() != values.len() * 4 || width == 0 || !values.len().is_multiple_of(width) {
        return false;
    }
    let Some(ov) = overlay else {
        return window.to_rgba(values, out);
    };
    if ov.labels.len() != values.len() {
        return false;
    }
    let opacity = if ov.opacity.is_finite() { ov.opacity.clamp(0.0, 1.0) } else { 0.0 };
    let alpha = if ov.outline { 0.5 + opacity / 2.0 } else { opacity };
    let a = (alpha * 256.0).round() as u16;
    let height = values.len() / width;
    let labels = ov.labels;
    for (i, (px, &v)) in out.chunks_exact_mut(4).zip(values).enumerate() {
        let g = window.grey(v);
        let l = labels[i];
        let shown = l != 0 && ov.style.visible[usize::from(l)] && (!ov.outline || is_edge(labels, width, height, i, l));
        if shown {
            let c = ov.style.colours[usize::from(l)];
            let mix = |c: u8| ((u16::from(g) * (256 - a) + u16::from(c) * a) >> 8) as u8;
            px.copy_from_slice(&[mix(c[0]), mix(c[1]), mix(c[2]), 255]);
        } else {
            px.copy_from_slice(&[g, g, g, 255]);
        }
    }
    true
}

/// Composes opaque RGBA pixels of a colour slice (a colour image's display colours, `Meta::rgb`), with the overlay
/// blended on top as [`compose`] does; the window does not apply to colours. `out` must hold `4 * colours.len()`
/// bytes; returns `false` (and writes nothing) otherwise.
pub fn compose_colour(colours: &[[u8; 3]], width: usize, overlay: Option<&Overlay>, out: &mut [u8]) -> bool {
    if out.len() != colours.len() * 4 || width == 0 || !colours.len().is_multiple_of(width) {
        return false;
    }
    if overlay.is_some_and(|ov| ov.labels.len() != colours.len()) {
        return false;
    }
    for (px, c) in out.chunks_exact_mut(4).zip(colours) {
        px.copy_from_slice(&[c[0], c[1], c[2], 255]);
    }
    overlay.is_none_or(|ov| blend_overlay(ov, width, out))
}

/// Blends one more label layer over pixels that [`compose`] made (e.g. a student's mask over the reference), with
/// the same rules for opacity and outline. `out` must hold `4 * overlay.labels.len()` bytes and `width` must divide
/// the number of labels; returns `false` (and writes nothing) otherwise.
pub fn blend_overlay(overlay: &Overlay, width: usize, out: &mut [u8]) -> bool {
    let labels = overlay.labels;
    if out.len() != labels.len() * 4 || width == 0 || !labels.len().is_multiple_of(width) {
        return false;
    }
    let opacity = if overlay.opacity.is_finite() { overlay.opacity.clamp(0.0, 1.0) } else { 0.0 };
    let alpha = if overlay.outline { 0.5 + opacity / 2.0 } else { opacity };
    let a = (alpha * 256.0).round() as u16;
    let height = labels.len() / width;
    for (i, px) in out.chunks_exact_mut(4).enumerate() {
        let l = labels[i];
        if l != 0 && overlay.style.visible[usize::from(l)] && (!overlay.outline || is_edge(labels, width, height, i, l)) {
            let c = overlay.style.colours[usize::from(l)];
            for k in 0..3 {
                px[k] = ((u16::from(px[k]) * (256 - a) + u16::from(c[k]) * a) >> 8) as u8;
            }
        }
    }
    true
}

/// True if pixel `i` (label `l`) touches the slice border or a 4-neighbour with another label.
fn is_edge(labels: &[u8], width: usize, height: usize, i: usize, l: u8) -> bool {
    let (x, y) = (i % width, i / width);
    x == 0 || y == 0 || x + 1 == width || y + 1 == height || {
        labels[i - 1] != l || labels[i + 1] != l || labels[i - width] != l || labels[i + width] != l
    }
}

/// A starting window for a volume: soft tissue for CT numbers (units "HU"), else the full range of its values.
pub fn auto_window(volume: &Volume) -> Window {
    if volume.meta.units.as_deref() == Some("HU") {
        return Preset::SoftTissue.window();
    }
    let (lo, hi) = volume.range().unwrap_or((0.0, 1.0));
    let width = (hi - lo).max(1e-3);
    Window::new((lo + hi) / 2.0, width).unwrap_or_else(|_| Preset::SoftTissue.window())
}

/// The zoom and pan of one view, applied after fitting the slice to the canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewTransform {
    /// 1 fits the whole slice in the canvas.
    pub zoom: f64,
    /// Shift of the slice from the canvas centre, in canvas pixels.
    pub pan: [f64; 2],
}

impl Default for ViewTransform {
    fn default() -> Self {
        ViewTransform { zoom: 1.0, pan: [0.0, 0.0] }
    }
}

/// Zoom limits.
pub const MIN_ZOOM: f64 = 0.25;
pub const MAX_ZOOM: f64 = 32.0;

impl ViewTransform {
    /// Zooms by `factor` keeping the point under `at` (canvas pixels) in place.
    pub fn zoom_at(self, canvas: [f64; 2], layout: &SliceLayout, at: [f64; 2], factor: f64) -> ViewTransform {
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let before = Placement::new(canvas, layout, self);
        let after = Placement::new(canvas, layout, ViewTransform { zoom, pan: self.pan });
        if before.width <= 0.0 || before.height <= 0.0 {
            return ViewTransform { zoom, pan: self.pan };
        }
        // Fraction of the slice under `at`, which must stay under `at`.
        let u = [(at[0] - before.x) / before.width, (at[1] - before.y) / before.height];
        let pan = [self.pan[0] + (at[0] - u[0] * after.width) - after.x, self.pan[1] + (at[1] - u[1] * after.height) - after.y];
        ViewTransform { zoom, pan }
    }
}

/// The rectangle, in canvas pixels, where a slice is drawn: fitted with its physical aspect ratio (pixel spacing),
/// centred, then zoomed and panned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Placement {
    pub fn new(canvas: [f64; 2], layout: &SliceLayout, t: ViewTransform) -> Placement {
        let [wmm, hmm] = layout.extent_mm();
        let fit = if wmm > 0.0 && hmm > 0.0 { (canvas[0] / wmm).min(canvas[1] / hmm) } else { 0.0 };
        let s = fit * t.zoom;
        let (width, height) = (wmm * s, hmm * s);
        Placement { x: (canvas[0] - width) / 2.0 + t.pan[0], y: (canvas[1] - height) / 2.0 + t.pan[1], width, height }
    }

    /// The continuous slice position (columns, rows; pixel `c` spans `c..c + 1`) under a canvas point.
    pub fn to_slice(&self, layout: &SliceLayout, p: [f64; 2]) -> [f64; 2] {
        if self.width <= 0.0 || self.height <= 0.0 {
            return [f64::NAN; 2];
        }
        [(p[0] - self.x) / self.width * layout.width as f64, (p[1] - self.y) / self.height * layout.height as f64]
    }

    /// The pixel (`col`, `row`) under a canvas point, `None` off the slice.
    pub fn pixel_at(&self, layout: &SliceLayout, p: [f64; 2]) -> Option<(usize, usize)> {
        let [c, r] = self.to_slice(layout, p);
        let inside = c >= 0.0 && r >= 0.0 && c < layout.width as f64 && r < layout.height as f64;
        inside.then_some((c as usize, r as usize))
    }

    /// The canvas point of a continuous slice position.
    pub fn to_canvas(&self, layout: &SliceLayout, s: [f64; 2]) -> [f64; 2] {
        let (w, h) = (layout.width.max(1) as f64, layout.height.max(1) as f64);
        [self.x + s[0] / w * self.width, self.y + s[1] / h * self.height]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use crate::image::volume::{LabelMap, Meta};

    /// A 4 x 3 x 2 grid whose values encode their voxel: `100 z + 10 y + x`.
    fn coded(direction: [[f64; 3]; 3]) -> Volume {
        let g = Geometry { dims: [4, 3, 2], spacing: [0.5, 1.0, 3.0], origin: [0.0; 3], direction };
        let data = (0..24).map(|i| (100 * (i / 12) + 10 * ((i / 4) % 3) + i % 4) as f32).collect();
        Volume::new(g, data).unwrap()
    }

    fn slice(v: &Volume, plane: Plane, k: usize) -> (SliceLayout, Vec<f32>) {
        let l = SliceLayout::new(&v.geometry, plane);
        let mut out = vec![99.0; 3]; // stale content must go
        assert!(l.extract(&v.data, k, &mut out));
        assert_eq!(out.len(), l.len());
        (l, out)
    }

    #[test]
    fn planes_of_an_lps_grid() {
        let v = coded(crate::image::volume::IDENTITY);
        let (l, axial) = slice(&v, Plane::Axial, 1);
        assert_eq!((l.width, l.height, l.depth, l.spacing), (4, 3, 2, [0.5, 1.0]));
        assert_eq!(axial, vec![100., 101., 102., 103., 110., 111., 112., 113., 120., 121., 122., 123.]);
        // Coronal: x along columns, superior (z = 1) on the top row.
        let (l, coronal) = slice(&v, Plane::Coronal, 2);
        assert_eq!((l.width, l.height, l.depth, l.spacing), (4, 2, 3, [0.5, 3.0]));
        assert_eq!(coronal, vec![120., 121., 122., 123., 20., 21., 22., 23.]);
        // Sagittal: y (anterior to posterior) along columns, superior on top.
        let (l, sagittal) = slice(&v, Plane::Sagittal, 3);
        assert_eq!((l.width, l.height, l.depth, l.spacing), (3, 2, 4, [1.0, 3.0]));
        assert_eq!(sagittal, vec![103., 113., 123., 3., 13., 23.]);
        assert_eq!(l.extent_mm(), [3.0, 6.0]);
    }

    #[test]
    fn voxel_and_pixel_are_inverse_in_every_plane() {
        for dir in [crate::image::volume::IDENTITY, [[-1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]] {
            let v = coded(dir);
            for plane in Plane::ALL {
                let (l, values) = slice(&v, plane, 1);
                for row in 0..l.height {
                    for col in 0..l.width {
                        let vox = l.voxel(col, row, 1).unwrap();
                        assert_eq!(l.pixel(vox), (col, row, 1));
                        assert_eq!(v.get(vox[0], vox[1], vox[2]), Some(values[row * l.width + col]));
                    }
                }
                assert_eq!(l.voxel(l.width, 0, 0), None);
            }
        }
    }

    #[test]
    fn flipped_and_permuted_axes_still_show_radiologically() {
        // Voxel x grows to the patient's right (R), voxel y to the head (S), voxel z to the back (P): a coronal
        // acquisition stored RSP.
        let v = coded([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]);
        let axial = SliceLayout::new(&v.geometry, Plane::Axial);
        assert_eq!((axial.col_axis, axial.row_axis, axial.normal_axis), (0, 2, 1));
        assert!(axial.col_flip && !axial.row_flip);
        let (_, coronal) = slice(&v, Plane::Coronal, 0);
        // Columns from x = 3 down to 0 (R on the left), rows from y = 2 (superior) down to 0.
        assert_eq!(coronal, vec![23., 22., 21., 20., 13., 12., 11., 10., 3., 2., 1., 0.]);
        assert_eq!(Orientation::of(&v.geometry).axis_of, [0, 2, 1]);
    }

    #[test]
    fn extract_refuses_bad_input() {
        let v = coded(crate::image::volume::IDENTITY);
        let l = SliceLayout::new(&v.geometry, Plane::Axial);
        let mut out = vec![1.0];
        assert!(!l.extract(&v.data, 2, &mut out));
        assert!(out.is_empty());
        assert!(!l.extract(&v.data[..5], 0, &mut out));
        let labels = vec![0u8; 24];
        let mut lout = Vec::new();
        assert!(l.extract(&labels, 0, &mut lout));
        assert_eq!(lout.len(), 12);
    }

    #[test]
    fn compose_colour_shows_colours_under_the_overlay() {
        let colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]];
        let mut out = [0u8; 16];
        assert!(compose_colour(&colours, 2, None, &mut out));
        assert_eq!(out, [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255]);
        let style = LabelStyle::default();
        let labels = [0, 1, 0, 0];
        let ov = Overlay { labels: &labels, style: &style, opacity: 1.0, outline: false };
        assert!(compose_colour(&colours, 2, Some(&ov), &mut out));
        let c = style.colours[1];
        assert_eq!((&out[4..8], &out[..4]), (&[c[0], c[1], c[2], 255][..], &[255, 0, 0, 255][..]));
        assert!(!compose_colour(&colours, 3, None, &mut out), "width does not divide the slice");
        assert!(!compose_colour(&colours[..2], 2, None, &mut out), "wrong output size");
    }

    #[test]
    fn compose_blends_fill_and_outline() {
        let w = Window::new(0.0, 2.0).unwrap(); // -1 black, 1 white
        let values = vec![-1.0f32; 25];
        let mut labels = vec![0u8; 25];
        for y in 1..4 {
            for x in 1..4 {
                labels[y * 5 + x] = 2;
            }
        }
        let style = LabelStyle::default();
        let c = label_colour(2);
        let mut out = vec![0u8; 100];
        let ov = Overlay { labels: &labels, style: &style, opacity: 1.0, outline: false };
        assert!(compose(&values, 5, &w, Some(&ov), &mut out));
        assert_eq!(&out[0..4], &[0, 0, 0, 255]);
        assert_eq!(&out[(2 * 5 + 2) * 4..][..4], &[c[0], c[1], c[2], 255]);
        // Half opacity over black: half the colour.
        let ov = Overlay { opacity: 0.5, ..ov };
        assert!(compose(&values, 5, &w, Some(&ov), &mut out));
        assert_eq!(out[(2 * 5 + 2) * 4], c[0] / 2);
        // Outline: the centre of the 3 x 3 square is not an edge, its border is.
        let ov = Overlay { outline: true, opacity: 1.0, ..ov };
        assert!(compose(&values, 5, &w, Some(&ov), &mut out));
        assert_eq!(&out[(2 * 5 + 2) * 4..][..4], &[0, 0, 0, 255]);
        assert_eq!(&out[(5 + 1) * 4..][..4], &[c[0], c[1], c[2], 255]);
        // Hidden labels are not drawn; no overlay is plain grey.
        let mut hidden = style.clone();
        hidden.visible[2] = false;
        let ov = Overlay { style: &hidden, outline: false, ..ov };
        assert!(compose(&values, 5, &w, Some(&ov), &mut out));
        assert!(out.chunks(4).all(|p| p == [0, 0, 0, 255]));
        assert!(compose(&[1.0], 1, &w, None, &mut out[..4]));
        assert_eq!(&out[..4], &[255, 255, 255, 255]);
    }

    #[test]
    fn blend_overlay_draws_a_second_layer_over_the_first() {
        let w = Window::new(0.0, 2.0).unwrap();
        let values = vec![-1.0f32; 4];
        let reference = [1u8, 1, 0, 0];
        let student = [0u8, 1, 1, 0];
        let style = LabelStyle::default();
        let mut student_style = LabelStyle::default();
        student_style.colours[1] = [0, 200, 0];
        let mut out = vec![0u8; 16];
        let ov = Overlay { labels: &reference, style: &style, opacity: 1.0, outline: false };
        assert!(compose(&values, 2, &w, Some(&ov), &mut out));
        let top = Overlay { labels: &student, style: &student_style, opacity: 1.0, outline: false };
        assert!(blend_overlay(&top, 2, &mut out));
        let red = label_colour(1);
        assert_eq!(&out[0..4], &[red[0], red[1], red[2], 255]);
        assert_eq!(&out[4..8], &[0, 200, 0, 255], "the student's layer is on top");
        assert_eq!(&out[8..12], &[0, 200, 0, 255]);
        assert_eq!(&out[12..16], &[0, 0, 0, 255]);
        assert!(!blend_overlay(&top, 3, &mut out));
        assert!(!blend_overlay(&top, 2, &mut out[..8]));
    }

    #[test]
    fn compose_refuses_mismatched_buffers() {
        let w = Window::new(0.0, 1.0).unwrap();
        let style = LabelStyle::default();
        let mut out = vec![0u8; 16];
        assert!(!compose(&[0.0; 4], 3, &w, None, &mut out));
        assert!(!compose(&[0.0; 3], 3, &w, None, &mut out));
        let ov = Overlay { labels: &[0; 3], style: &style, opacity: f32::NAN, outline: false };
        assert!(!compose(&[0.0; 4], 2, &w, Some(&ov), &mut out));
        let ov = Overlay { labels: &[1; 4], ..ov };
        assert!(compose(&[0.0; 4], 2, &w, Some(&ov), &mut out), "NaN opacity draws nothing, without failing");
        assert_eq!(out[0], 128);
    }

    #[test]
    fn placement_keeps_the_physical_aspect_and_zooms_about_a_point() {
        let v = coded(crate::image::volume::IDENTITY);
        let coronal = SliceLayout::new(&v.geometry, Plane::Coronal); // 4 x 2 pixels of 0.5 x 3 mm: 2 x 6 mm
        let p = Placement::new([300.0, 300.0], &coronal, ViewTransform::default());
        assert_eq!((p.width, p.height, p.x, p.y), (100.0, 300.0, 100.0, 0.0));
        assert_eq!(p.pixel_at(&coronal, [101.0, 1.0]), Some((0, 0)));
        assert_eq!(p.pixel_at(&coronal, [199.0, 299.0]), Some((3, 1)));
        assert_eq!(p.pixel_at(&coronal, [99.0, 10.0]), None);
        assert_eq!(p.to_canvas(&coronal, [2.0, 1.0]), [150.0, 150.0]);
        let t = ViewTransform::default().zoom_at([300.0, 300.0], &coronal, [125.0, 75.0], 2.0);
        let q = Placement::new([300.0, 300.0], &coronal, t);
        assert_eq!(q.width, 200.0);
        let before = p.to_slice(&coronal, [125.0, 75.0]);
        let after = q.to_slice(&coronal, [125.0, 75.0]);
        assert!((before[0] - after[0]).abs() < 1e-9 && (before[1] - after[1]).abs() < 1e-9, "{before:?} {after:?}");
        assert_eq!(ViewTransform::default().zoom_at([1.0, 1.0], &coronal, [0.0, 0.0], 1e9).zoom, MAX_ZOOM);
    }

    #[test]
    fn auto_window_uses_hu_or_the_range() {
        let mut v = coded(crate::image::volume::IDENTITY);
        assert_eq!(auto_window(&v), Window::new(61.5, 123.0).unwrap());
        v.meta = Meta { units: Some("HU".into()), ..Meta::default() };
        assert_eq!(auto_window(&v), Preset::SoftTissue.window());
        v.meta.units = None;
        v.data = vec![7.0; 24];
        assert!(auto_window(&v).width() > 0.0);
    }

    #[test]
    fn a_512_slice_composes_quickly() {
        let g = Geometry::new([512, 512, 3], [0.7, 0.7, 2.0]);
        let v = Volume::new(g.clone(), (0..512 * 512 * 3).map(|i| (i % 2000) as f32 - 1000.0).collect()).unwrap();
        let mask = LabelMap::new(g, (0..512 * 512 * 3).map(|i| u8::from(i % 7 == 0)).collect()).unwrap();
        let style = LabelStyle::default();
        let (mut vals, mut labs, mut rgba) = (Vec::new(), Vec::new(), vec![0u8; 512 * 512 * 4]);
        let start = std::time::Instant::now();
        for plane in Plane::ALL {
            let l = SliceLayout::new(&v.geometry, plane);
            assert!(l.extract(&v.data, 1, &mut vals) && l.extract(&mask.data, 1, &mut labs));
            rgba.resize(vals.len() * 4, 0);
            let ov = Overlay { labels: &labs, style: &style, opacity: 0.4, outline: plane == Plane::Axial };
            assert!(compose(&vals, l.width, &Preset::Lung.window(), Some(&ov), &mut rgba));
        }
        // Generous for unoptimised test builds; release builds take a few milliseconds.
        assert!(start.elapsed().as_millis() < 2000, "{:?}", start.elapsed());
    }
}
