//! Volumes, masks and opened files as they travel between the page and the worker: intensities as one byte buffer
//! of little-endian `f32` ([`Voxels`]), label masks as `serde_bytes`, each converted back into the engine's types on
//! arrival.

use radlearn_engine::image::volume::{Geometry, Meta};
use radlearn_engine::{LabelMap, Volume};
use serde::{Deserialize, Serialize};

use radlearn_engine::io::open::{self, FileProblem};

/// A grid's geometry, for the trip between the worker and the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeometryData {
    pub dims: [u64; 3],
    pub spacing: [f64; 3],
    pub origin: [f64; 3],
    pub direction: [[f64; 3]; 3],
}

impl From<&Geometry> for GeometryData {
    fn from(g: &Geometry) -> Self {
        GeometryData { dims: g.dims.map(|d| d as u64), spacing: g.spacing, origin: g.origin, direction: g.direction }
    }
}

impl GeometryData {
    fn into_geometry(self) -> Result<Geometry, String> {
        let dims = self.dims.map(usize::try_from);
        match dims {
            [Ok(x), Ok(y), Ok(z)] => {
                Ok(Geometry { dims: [x, y, z], spacing: self.spacing, origin: self.origin, direction: self.direction })
            }
            _ => Err("the worker sent an image too large for this browser".into()),
        }
    }
}

/// A volume's intensities on the wire: one byte buffer of little-endian `f32`s (encoded like `serde_bytes`, so a
/// 512 × 512 × 300 CT is one copy, not 78 million bincode elements). The worker sends [`Voxels::Bytes`], made from
/// its volume; the page decodes them straight into [`Voxels::Values`] (`f32::from_le_bytes` over 4-byte chunks,
/// without an intermediate byte vector).
#[derive(Debug, Clone, PartialEq)]
pub enum Voxels {
    Bytes(Vec<u8>),
    Values(Vec<f32>),
}

impl Voxels {
    /// Little-endian bytes of `values`.
    pub fn encode(values: &[f32]) -> Voxels {
        Voxels::Bytes(Self::le_bytes(values))
    }

    fn le_bytes(values: &[f32]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(values.len() * 4);
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes
    }

    fn from_le(bytes: &[u8]) -> Result<Vec<f32>, String> {
        if !bytes.len().is_multiple_of(4) {
            return Err(format!("{} bytes are not a whole number of 32-bit intensities", bytes.len()));
        }
        Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// The intensities.
    pub fn into_values(self) -> Result<Vec<f32>, String> {
        match self {
            Voxels::Values(v) => Ok(v),
            Voxels::Bytes(b) => Self::from_le(&b),
        }
    }
}

impl Serialize for Voxels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Voxels::Bytes(b) => s.serialize_bytes(b),
            Voxels::Values(v) => s.serialize_bytes(&Voxels::le_bytes(v)),
        }
    }
}

impl<'de> Deserialize<'de> for Voxels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Voxels;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("little-endian f32 bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Voxels, E> {
                Voxels::from_le(b).map(Voxels::Values).map_err(E::custom)
            }
            fn visit_byte_buf<E: serde::de::Error>(self, b: Vec<u8>) -> Result<Voxels, E> {
                self.visit_bytes(&b)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Voxels, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                self.visit_bytes(&bytes)
            }
        }
        d.deserialize_bytes(V)
    }
}

/// A decoded image, for the trip from the worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeData {
    pub geometry: GeometryData,
    pub meta: Meta,
    pub voxels: Voxels,
}

impl From<&Volume> for VolumeData {
    fn from(v: &Volume) -> Self {
        VolumeData { geometry: (&v.geometry).into(), meta: v.meta.clone(), voxels: Voxels::encode(&v.data) }
    }
}

impl VolumeData {
    /// The volume, rebuilt with the engine's constructor.
    pub fn into_volume(self) -> Result<Volume, String> {
        let geometry = self.geometry.into_geometry()?;
        let mut volume =
            Volume::new(geometry, self.voxels.into_values()?).ok_or("the worker sent an image whose intensities do not fill its grid")?;
        volume.meta = self.meta;
        Ok(volume)
    }
}

/// A decoded label mask, for the trip from the worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelData {
    pub geometry: GeometryData,
    #[serde(with = "serde_bytes")]
    pub labels: Vec<u8>,
    pub names: Vec<(u8, String)>,
}

impl From<LabelMap> for LabelData {
    fn from(m: LabelMap) -> Self {
        LabelData { geometry: (&m.geometry).into(), labels: m.data, names: m.names }
    }
}

impl LabelData {
    /// The mask, rebuilt with the engine's constructor.
    pub fn into_label_map(self) -> Result<LabelMap, String> {
        let mut mask =
            LabelMap::new(self.geometry.into_geometry()?, self.labels).ok_or("the worker sent a mask whose labels do not fill its grid")?;
        mask.names = self.names;
        Ok(mask)
    }
}

/// What [`Request::Open`] decoded: `open::Opened` for the trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenedData {
    pub name: String,
    pub volume: VolumeData,
    /// The mask the files carry (an RTSTRUCT in a DICOM series).
    pub mask: Option<LabelData>,
    pub skipped: Vec<FileProblem>,
    pub notes: Vec<String>,
}

impl OpenedData {
    /// `open::Opened` again.
    pub fn into_opened(self) -> Result<open::Opened, String> {
        Ok(open::Opened {
            image: open::OpenImage { name: self.name, volume: self.volume.into_volume()? },
            mask: self.mask.map(LabelData::into_label_map).transpose()?,
            skipped: self.skipped,
            notes: self.notes,
        })
    }
}

/// What [`Request::OpenMask`] decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaskOpenedData {
    pub mask: LabelData,
    pub notes: Vec<String>,
}

/// What [`Request::DecodeSample`] decoded: `open::DecodedSample` for the trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleData {
    pub volume: VolumeData,
    pub mask: Option<LabelData>,
    pub notes: Vec<String>,
    pub mask_problem: Option<FileProblem>,
}

impl SampleData {
    /// `open::DecodedSample` again.
    pub fn into_sample(self) -> Result<open::DecodedSample, String> {
        Ok(open::DecodedSample {
            volume: self.volume.into_volume()?,
            mask: self.mask.map(LabelData::into_label_map).transpose()?,
            notes: self.notes,
            mask_problem: self.mask_problem,
        })
    }
}
