//! RTSTRUCT: the ROIs of a structure set with their planar contours, and their rasterisation onto an image's grid.

use std::collections::BTreeMap;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::attrs::{floats, identifying_tags, int, text};
use super::{read_file, DicomFile};
use crate::image::volume::{LabelMap, Volume};
use crate::io::error::{LoadError, LoadOptions};

/// One ROI of a structure set.
#[derive(Debug, Clone, PartialEq)]
pub struct Roi {
    pub number: i64,
    pub name: String,
    /// Closed planar contours, each a list of LPS points in mm.
    pub contours: Vec<Vec<[f64; 3]>>,
}

/// A DICOM RTSTRUCT: ROIs with their planar contours and the image series they were drawn on.
#[derive(Debug, Clone, PartialEq)]
pub struct RtStruct {
    pub rois: Vec<Roi>,
    pub referenced_series: Option<String>,
    pub frame_of_reference: Option<String>,
    pub identifying: Vec<&'static str>,
}

pub(super) fn rtstruct_from(obj: &InMemDicomObject) -> Result<RtStruct, LoadError> {
    let mut rois: BTreeMap<i64, Roi> = BTreeMap::new();
    let items = |o: &InMemDicomObject, t: Tag| o.get(t).and_then(|e| e.items()).map(|i| i.to_vec()).unwrap_or_default();
    for item in items(obj, tags::STRUCTURE_SET_ROI_SEQUENCE) {
        let number = int(&item, tags::ROI_NUMBER).unwrap_or(-1);
        let name = text(&item, tags::ROI_NAME).unwrap_or_else(|| format!("ROI {number}"));
        rois.insert(number, Roi { number, name, contours: Vec::new() });
    }
    for item in items(obj, tags::ROI_CONTOUR_SEQUENCE) {
        let number = int(&item, tags::REFERENCED_ROI_NUMBER).unwrap_or(-1);
        let roi = rois.entry(number).or_insert_with(|| Roi { number, name: format!("ROI {number}"), contours: Vec::new() });
        for c in items(&item, tags::CONTOUR_SEQUENCE) {
            let kind = text(&c, tags::CONTOUR_GEOMETRIC_TYPE).unwrap_or_default();
            if kind != "CLOSED_PLANAR" {
                continue;
            }
            let pts = floats(&c, tags::CONTOUR_DATA).unwrap_or_default();
            if pts.len() < 9 || !pts.len().is_multiple_of(3) || pts.iter().any(|v| !v.is_finite()) {
                return Err(LoadError::Invalid(format!("a contour of ROI `{}` has invalid ContourData ({} numbers)", roi.name, pts.len())));
            }
            roi.contours.push(pts.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect());
        }
    }
    let mut referenced_series = None;
    let mut frame_of_reference = None;
    for f in items(obj, tags::REFERENCED_FRAME_OF_REFERENCE_SEQUENCE) {
        frame_of_reference = frame_of_reference.or_else(|| text(&f, tags::FRAME_OF_REFERENCE_UID));
        for st in items(&f, tags::RT_REFERENCED_STUDY_SEQUENCE) {
            for se in items(&st, tags::RT_REFERENCED_SERIES_SEQUENCE) {
                referenced_series = referenced_series.or_else(|| text(&se, tags::SERIES_INSTANCE_UID));
            }
        }
    }
    Ok(RtStruct { rois: rois.into_values().collect(), referenced_series, frame_of_reference, identifying: identifying_tags(obj) })
}

/// Reads an RTSTRUCT file.
pub fn read_rtstruct(bytes: &[u8], opts: &LoadOptions) -> Result<RtStruct, LoadError> {
    match read_file(bytes, opts)? {
        DicomFile::RtStruct(r) => Ok(*r),
        DicomFile::Image(_) => Err(LoadError::Invalid("this DICOM file is an image, not an RTSTRUCT".into())),
    }
}

impl RtStruct {
    /// ROI names in file order.
    pub fn names(&self) -> Vec<String> {
        self.rois.iter().map(|r| r.name.clone()).collect()
    }

    /// Rasterises the ROI named `name` onto the grid of `image` (which must be the referenced series): each
    /// contour is assigned to the slice its points lie on, and a voxel is inside when its centre is inside an odd
    /// number of that slice's contours (even-odd rule, so inner contours cut holes).
    pub fn rasterise(&self, name: &str, image: &Volume) -> Result<LabelMap, LoadError> {
        let roi =
            self.rois.iter().find(|r| r.name == name).ok_or_else(|| LoadError::NoSuchRoi { name: name.into(), available: self.names() })?;
        if let (Some(r), Some(g)) = (&self.referenced_series, &image.meta.series_uid) {
            if r != g {
                return Err(LoadError::ReferencedSeriesAbsent { referenced: r.clone(), given: g.clone() });
            }
        }
        let geo = &image.geometry;
        let [nx, ny, nz] = geo.dims;
        // Polygons per slice, in continuous voxel coordinates (x, y).
        let mut per_slice: Vec<Vec<Vec<[f64; 2]>>> = vec![Vec::new(); nz];
        for c in &roi.contours {
            let mut pts = Vec::with_capacity(c.len());
            let mut zsum = 0.0;
            for p in c {
                let v = geo.world_to_voxel(*p).ok_or_else(|| LoadError::Invalid("the image orientation is degenerate".into()))?;
                zsum += v[2];
                pts.push([v[0], v[1]]);
            }
            let z = zsum / c.len() as f64;
            let k = z.round();
            if (z - k).abs() > 0.25 || k < 0.0 || k >= nz as f64 {
                return Err(LoadError::ReferencedSeriesAbsent {
                    referenced: format!(
                        "{} (a contour of `{}` lies at slice {z:.2}, off this image's slices)",
                        self.referenced_series.clone().unwrap_or_default(),
                        roi.name
                    ),
                    given: image.meta.series_uid.clone().unwrap_or_default(),
                });
            }
            per_slice[k as usize].push(pts);
        }
        let mut mask = LabelMap::empty(geo.clone());
        mask.names.push((1, roi.name.clone()));
        let mut xs: Vec<f64> = Vec::new();
        for (k, polys) in per_slice.iter().enumerate() {
            for j in 0..ny {
                let y = j as f64;
                xs.clear();
                for poly in polys {
                    for (a, b) in poly.iter().zip(poly.iter().cycle().skip(1)) {
                        if (a[1] <= y) != (b[1] <= y) {
                            xs.push(a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
                        }
                    }
                }
                xs.sort_by(f64::total_cmp);
                for pair in xs.chunks_exact(2) {
                    let lo = pair[0].ceil().max(0.0);
                    let hi = pair[1].ceil().min(nx as f64);
                    let mut i = lo;
                    while i < hi {
                        if let Some(idx) = geo.index(i as usize, j, k) {
                            mask.data[idx] ^= 1;
                        }
                        i += 1.0;
                    }
                }
            }
        }
        Ok(mask)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use crate::image::volume::Geometry;

    fn square(x0: f64, y0: f64, x1: f64, y1: f64, z: f64) -> Vec<[f64; 3]> {
        vec![[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]]
    }

    #[test]
    fn even_odd_rule_with_holes_and_several_contours() {
        // 10 x 10 x 2 grid of 1 mm voxels at the origin; voxel centres at integer coordinates.
        let image = Volume::new(Geometry::new([10, 10, 2], [1.0; 3]), vec![0.0; 200]).unwrap();
        let rt = RtStruct {
            rois: vec![Roi {
                number: 1,
                name: "GTV".into(),
                contours: vec![
                    // Slice 1: an outer square covering centres 1..=6, a hole covering 3..=4, and a separate
                    // square covering centres 8..=9 in x and 1..=2 in y.
                    square(0.5, 0.5, 6.5, 6.5, 1.0),
                    square(2.5, 2.5, 4.5, 4.5, 1.0),
                    square(7.5, 0.5, 9.5, 2.5, 1.0),
                ],
            }],
            referenced_series: None,
            frame_of_reference: None,
            identifying: Vec::new(),
        };
        let m = rt.rasterise("GTV", &image).unwrap();
        // 36 - 4 + 4 voxels, all on slice 1.
        assert_eq!(m.count(), 36 - 4 + 4);
        assert_eq!(m.data[..100].iter().filter(|&&v| v != 0).count(), 0);
        let at = |x, y| m.data[m.geometry.index(x, y, 1).unwrap()];
        assert_eq!((at(1, 1), at(6, 6), at(3, 3), at(4, 4), at(5, 4), at(8, 2), at(7, 2), at(0, 0)), (1, 1, 0, 0, 1, 1, 0, 0));
        assert_eq!(m.names, vec![(1, "GTV".to_string())]);
        // A contour between slices is refused rather than guessed.
        let mut off = rt.clone();
        off.rois[0].contours = vec![square(0.5, 0.5, 6.5, 6.5, 0.5)];
        assert!(matches!(off.rasterise("GTV", &image), Err(LoadError::ReferencedSeriesAbsent { .. })));
    }
}
