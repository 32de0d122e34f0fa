//! The image model: a 3D grid of intensities with its physical geometry, and label masks on the same grid.
//!
//! Voxels are stored x fastest, then y, then z (`index = x + nx * (y + ny * z)`), which is the order of NIfTI, NRRD
//! and DICOM pixel data, so loaders copy without transposing. Intensities are `f32`: CT (HU, 12-16 bit integers
//! after rescale), MR and PET values fit exactly or within rounding far below any radiomics tolerance, at half the
//! memory of `f64`, which matters in a browser tab.
//!
//! The world frame is DICOM's patient frame, LPS (x to the patient's left, y posterior, z head), in millimetres.
//! NIfTI (RAS) geometry is converted on reading and writing.

use ndarray::{ArrayView3, ArrayViewMut3};

/// Where a grid sits in the patient: voxel (i, j, k) has its centre at
/// `origin + i * spacing[0] * direction[0] + j * spacing[1] * direction[1] + k * spacing[2] * direction[2]` (LPS, mm).
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// Number of voxels along x (columns), y (rows) and z (slices).
    pub dims: [usize; 3],
    /// Distance between voxel centres along each axis, in mm (positive).
    pub spacing: [f64; 3],
    /// World position of the centre of voxel (0, 0, 0), LPS, mm.
    pub origin: [f64; 3],
    /// `direction[a]` is the unit vector, in LPS, along which voxel axis `a` grows.
    pub direction: [[f64; 3]; 3],
}

/// The identity orientation: voxel axes along L, P, S.
pub const IDENTITY: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

impl Geometry {
    /// An axis-aligned grid at the origin.
    pub fn new(dims: [usize; 3], spacing: [f64; 3]) -> Self {
        Geometry { dims, spacing, origin: [0.0; 3], direction: IDENTITY }
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.dims[0] * self.dims[1] * self.dims[2]
    }

    /// True if the grid holds no voxel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Linear index of voxel (x, y, z), or `None` outside the grid.
    pub fn index(&self, x: usize, y: usize, z: usize) -> Option<usize> {
        let [nx, ny, nz] = self.dims;
        (x < nx && y < ny && z < nz).then(|| x + nx * (y + ny * z))
    }

    /// The 3x3 matrix taking voxel offsets to world offsets (columns: direction times spacing).
    pub fn matrix(&self) -> [[f64; 3]; 3] {
        let mut m = [[0.0; 3]; 3];
        for (a, dir) in self.direction.iter().enumerate() {
            for (r, row) in m.iter_mut().enumerate() {
                row[a] = dir[r] * self.spacing[a];
            }
        }
        m
    }

    /// World position (LPS, mm) of a continuous voxel coordinate.
    pub fn voxel_to_world(&self, v: [f64; 3]) -> [f64; 3] {
        let m = self.matrix();
        let mut w = self.origin;
        for (r, wr) in w.iter_mut().enumerate() {
            *wr += m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2];
        }
        w
    }

    /// Continuous voxel coordinate of a world position; `None` if the direction matrix is singular.
    pub fn world_to_voxel(&self, w: [f64; 3]) -> Option<[f64; 3]> {
        let inv = invert3(self.matrix())?;
        let d = [w[0] - self.origin[0], w[1] - self.origin[1], w[2] - self.origin[2]];
        Some([0, 1, 2].map(|r| inv[r][0] * d[0] + inv[r][1] * d[1] + inv[r][2] * d[2]))
    }

    /// Same grid within `tol` mm on spacing and origin and `1e-4` on direction cosines.
    pub fn approx_eq(&self, other: &Geometry, tol: f64) -> bool {
        self.dims == other.dims
            && (0..3).all(|a| (self.spacing[a] - other.spacing[a]).abs() <= tol && (self.origin[a] - other.origin[a]).abs() <= tol)
            && (0..3).all(|a| (0..3).all(|r| (self.direction[a][r] - other.direction[a][r]).abs() <= 1e-4))
    }

    /// Orientation code of the voxel axes, e.g. "LPS" or "RAS": for each voxel axis, the patient direction it
    /// points to most.
    pub fn orientation_code(&self) -> String {
        self.direction
            .iter()
            .map(|d| {
                let (axis, v) = d.iter().enumerate().fold((0, 0.0f64), |best, (i, &v)| if v.abs() > best.1.abs() { (i, v) } else { best });
                match (axis, v >= 0.0) {
                    (0, true) => 'L',
                    (0, false) => 'R',
                    (1, true) => 'P',
                    (1, false) => 'A',
                    (_, true) => 'S',
                    (_, false) => 'I',
                }
            })
            .collect()
    }

    /// Checks that dims are non-zero, spacings positive and finite, origin finite and directions unit-length and
    /// independent.
    pub fn validate(&self) -> Result<(), String> {
        if self.dims.contains(&0) {
            return Err(format!("the grid has a zero dimension: {:?}", self.dims));
        }
        if !self.spacing.iter().all(|s| s.is_finite() && *s > 0.0) {
            return Err(format!("voxel spacing must be positive and finite, but is {:?}", self.spacing));
        }
        if !self.origin.iter().all(|o| o.is_finite()) {
            return Err(format!("the image origin is not finite: {:?}", self.origin));
        }
        if invert3(self.direction).is_none() || !self.direction.iter().flatten().all(|v| v.is_finite()) {
            return Err("the orientation (direction cosines) is degenerate".to_string());
        }
        Ok(())
    }
}

/// Inverse of a 3x3 matrix by the adjugate; `None` when (nearly) singular. Hand-written: nine lines, and a linear
/// algebra crate for one 3x3 inverse would be out of proportion.
pub(crate) fn invert3(m: [[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let c = |r: usize, k: usize| {
        let (r1, r2, k1, k2) = ((r + 1) % 3, (r + 2) % 3, (k + 1) % 3, (k + 2) % 3);
        m[r1][k1] * m[r2][k2] - m[r1][k2] * m[r2][k1]
    };
    let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
    if !det.is_finite() || det.abs() < 1e-12 {
        return None;
    }
    let mut inv = [[0.0; 3]; 3];
    for (r, row) in inv.iter_mut().enumerate() {
        for (k, v) in row.iter_mut().enumerate() {
            *v = c(k, r) / det;
        }
    }
    Some(inv)
}

/// What is known about where an image came from.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    /// The reader that produced the volume: "NIfTI-1", "NIfTI-2", "NRRD", "DICOM", "PNG", "JPEG".
    pub format: String,
    /// DICOM modality, e.g. "CT", "MR".
    pub modality: Option<String>,
    /// Intensity units, e.g. "HU".
    pub units: Option<String>,
    /// Rescale applied to stored values: `value = slope * stored + intercept`.
    pub rescale: Option<(f64, f64)>,
    pub series_description: Option<String>,
    pub series_uid: Option<String>,
    /// Free text (NIfTI `descrip`, NRRD content).
    pub description: Option<String>,
    /// Warnings that do not stop loading (e.g. patient-identifying tags present).
    pub warnings: Vec<String>,
    /// A colour image's colours for display, one RGB triple per voxel in the order of `Volume::data` (which then holds
    /// the luminance, for features). Only the viewer reads it, and only when its length matches the data.
    pub rgb: Option<Vec<[u8; 3]>>,
}

/// A 3D image: `f32` intensities on a [`Geometry`]. A 2D image is a volume with one slice.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    pub geometry: Geometry,
    /// `geometry.len()` intensities, x fastest.
    pub data: Vec<f32>,
    pub meta: Meta,
}

impl Volume {
    /// A volume; `None` if the data length does not match the grid.
    pub fn new(geometry: Geometry, data: Vec<f32>) -> Option<Self> {
        (data.len() == geometry.len()).then(|| Volume { geometry, data, meta: Meta::default() })
    }

    /// Value at voxel (x, y, z), `None` outside.
    pub fn get(&self, x: usize, y: usize, z: usize) -> Option<f32> {
        self.geometry.index(x, y, z).and_then(|i| self.data.get(i).copied())
    }

    /// Array view indexed `[z, y, x]`; `None` if the data length does not match the grid.
    pub fn view(&self) -> Option<ArrayView3<'_, f32>> {
        let [nx, ny, nz] = self.geometry.dims;
        ArrayView3::from_shape((nz, ny, nx), &self.data).ok()
    }

    /// Mutable array view indexed `[z, y, x]`; `None` if the data length does not match the grid.
    pub fn view_mut(&mut self) -> Option<ArrayViewMut3<'_, f32>> {
        let [nx, ny, nz] = self.geometry.dims;
        ArrayViewMut3::from_shape((nz, ny, nx), &mut self.data).ok()
    }

    /// Lowest and highest finite value, `None` if there is none.
    pub fn range(&self) -> Option<(f32, f32)> {
        self.data.iter().filter(|v| v.is_finite()).fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
    }
}

/// A label mask on a grid: 0 is background, each other value a named region of interest.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMap {
    pub geometry: Geometry,
    /// `geometry.len()` labels, x fastest.
    pub data: Vec<u8>,
    /// Names of the labels in use, e.g. `(1, "GTV-1")`.
    pub names: Vec<(u8, String)>,
}

impl LabelMap {
    /// An empty (all background) mask on a grid.
    pub fn empty(geometry: Geometry) -> Self {
        let n = geometry.len();
        LabelMap { geometry, data: vec![0; n], names: Vec::new() }
    }

    /// A mask; `None` if the data length does not match the grid.
    pub fn new(geometry: Geometry, data: Vec<u8>) -> Option<Self> {
        (data.len() == geometry.len()).then(|| LabelMap { geometry, data, names: Vec::new() })
    }

    /// Number of voxels with a non-zero label.
    pub fn count(&self) -> usize {
        self.data.iter().filter(|&&v| v != 0).count()
    }

    /// The mask as a volume (labels as intensities), e.g. to write it as NIfTI.
    pub fn to_volume(&self) -> Volume {
        Volume { geometry: self.geometry.clone(), data: self.data.iter().map(|&v| f32::from(v)).collect(), meta: Meta::default() }
    }

    /// Dice coefficient between the non-zero voxels of two masks on the same number of voxels, and the number of
    /// voxels that differ. `None` if the sizes differ.
    pub fn dice(&self, other: &LabelMap) -> Option<(f64, usize)> {
        if self.data.len() != other.data.len() {
            return None;
        }
        let (mut both, mut a, mut b, mut diff) = (0usize, 0usize, 0usize, 0usize);
        for (&x, &y) in self.data.iter().zip(&other.data) {
            let (x, y) = (x != 0, y != 0);
            both += usize::from(x && y);
            a += usize::from(x);
            b += usize::from(y);
            diff += usize::from(x != y);
        }
        let dice = if a + b == 0 { 1.0 } else { 2.0 * both as f64 / (a + b) as f64 };
        Some((dice, diff))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    #[test]
    fn world_voxel_round_trip() {
        let g = Geometry {
            dims: [4, 5, 6],
            spacing: [0.5, 2.0, 3.0],
            origin: [10.0, -20.0, 5.0],
            direction: [[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        };
        let w = g.voxel_to_world([1.0, 2.0, 3.0]);
        // x axis along +P by 0.5, y along -L by 2.0 (i.e. R), z along S by 3.
        assert_eq!(w, [10.0 - 4.0, -20.0 + 0.5, 5.0 + 9.0]);
        let v = g.world_to_voxel(w).unwrap();
        for a in 0..3 {
            assert!((v[a] - [1.0, 2.0, 3.0][a]).abs() < 1e-12);
        }
        assert_eq!(g.orientation_code(), "PRS");
        assert_eq!(g.index(3, 4, 5), Some(119));
        assert_eq!(g.index(4, 0, 0), None);
    }

    #[test]
    fn view_is_z_y_x_and_dice_counts() {
        let v = Volume::new(Geometry::new([3, 2, 1], [1.0; 3]), (0..6).map(|i| i as f32).collect()).unwrap();
        assert_eq!(v.view().unwrap()[[0, 1, 2]], 5.0);
        assert_eq!(v.range(), Some((0.0, 5.0)));
        assert!(Volume::new(Geometry::new([3, 2, 1], [1.0; 3]), vec![0.0; 5]).is_none());
        let a = LabelMap::new(Geometry::new([4, 1, 1], [1.0; 3]), vec![1, 1, 0, 0]).unwrap();
        let b = LabelMap::new(Geometry::new([4, 1, 1], [1.0; 3]), vec![1, 0, 1, 0]).unwrap();
        assert_eq!(a.dice(&b), Some((0.5, 2)));
    }
}
