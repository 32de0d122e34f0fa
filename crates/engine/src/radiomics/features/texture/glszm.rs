//! Grey level size zone matrix features (IBSI 3.8): zones of connected voxels with the same grey level.

use super::{matrix_features, zones, Grid, Mean, Sink, AGG_25D, AGG_2D, AGG_3D};
use crate::radiomics::features::{FeatureError, Tick};

/// Feature codes and names, in IBSI order.
pub const NAMES: [(&str, &str); 16] = [
    ("5QRC", "Small zone emphasis"),
    ("48P8", "Large zone emphasis"),
    ("XMSY", "Low grey level zone emphasis"),
    ("5GN9", "High grey level zone emphasis"),
    ("5RAI", "Small zone low grey level emphasis"),
    ("HW1V", "Small zone high grey level emphasis"),
    ("YH51", "Large zone low grey level emphasis"),
    ("J17V", "Large zone high grey level emphasis"),
    ("JNSA", "Grey level non-uniformity"),
    ("Y1RO", "Normalised grey level non-uniformity"),
    ("4JP3", "Zone size non-uniformity"),
    ("VB3A", "Normalised zone size non-uniformity"),
    ("P30P", "Zone percentage"),
    ("BYLV", "Grey level variance"),
    ("3NSA", "Zone size variance"),
    ("GU8N", "Zone size entropy"),
];

/// (level, zone size, 1) for every zone.
fn entries(g: &Grid, slice: Option<usize>) -> Vec<(u32, u32, f64)> {
    let z = zones(g, slice);
    z.zones.iter().map(|&(level, a, b)| (level, (b - a) as u32, 1.0)).collect()
}

fn features(e: &mut [(u32, u32, f64)], ng: usize) -> Option<Vec<f64>> {
    if e.is_empty() {
        return None;
    }
    let nv: f64 = e.iter().map(|x| x.1 as f64 * x.2).sum();
    Some(matrix_features(e, ng, nv)[..16].to_vec())
}

pub(crate) fn compute(g: &Grid, sink: &mut Sink<'_>, tick: &mut Tick<'_>) -> Result<(), FeatureError> {
    tick()?;
    if sink.slices() {
        let mut avg = Mean::new(16);
        let mut all = Vec::new();
        for z in 0..g.nz {
            let mut e = entries(g, Some(z));
            if let Some(f) = features(&mut e, g.ng) {
                avg.add(&f);
            }
            all.extend(e);
        }
        sink.push(AGG_2D, &NAMES, &avg.get());
        sink.push(AGG_25D, &NAMES, &features(&mut all, g.ng).unwrap_or_else(|| vec![f64::NAN; 16]));
    }
    tick()?;
    if sink.volume() {
        let mut e = entries(g, None);
        sink.push(AGG_3D, &NAMES, &features(&mut e, g.ng).unwrap_or_else(|| vec![f64::NAN; 16]));
    }
    Ok(())
}
