//! NIfTI-1 and NIfTI-2 reading (`.nii`, `.nii.gz`, and `.hdr`/`.img` pairs) and NIfTI-1 writing.
//!
//! Hand-written rather than with the `nifti` crate: the header is a fixed table of fields, and parsing it ourselves
//! lets every size be checked against the memory budget *before* anything is inflated or allocated (the crate
//! inflates and allocates what the header claims), reads NIfTI-2, and turns every problem into a [`LoadError`] a
//! student can act on. Inflation uses `flate2`.

use std::io::Write;

use crate::image::volume::{Geometry, Meta, Volume};
use crate::io::codec::{self, SampleType};
use crate::io::error::{LoadError, LoadOptions};

const FORMAT: &str = "NIfTI";

/// Which header layout a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    One,
    Two,
}

/// The parts of a NIfTI header the engine uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub version: Version,
    pub big_endian: bool,
    /// `dim[0..8]`.
    pub dim: [i64; 8],
    pub datatype: i16,
    pub pixdim: [f64; 8],
    pub vox_offset: f64,
    pub scl_slope: f64,
    pub scl_inter: f64,
    pub qform_code: i32,
    pub sform_code: i32,
    pub quatern: [f64; 3],
    pub qoffset: [f64; 3],
    pub srow: [[f64; 4]; 3],
    pub descrip: String,
    /// Whether the magic says the data follows in the same file (`n+1`/`n+2`) or a separate `.img` (`ni1`/`ni2`).
    pub single_file: bool,
}

struct Fields<'a> {
    b: &'a [u8],
    be: bool,
}

impl Fields<'_> {
    fn bytes<const N: usize>(&self, off: usize) -> [u8; N] {
        let mut a = [0u8; N];
        if let Some(s) = self.b.get(off..off + N) {
            a.copy_from_slice(s);
        }
        if self.be {
            a.reverse();
        }
        a
    }
    fn i16(&self, off: usize) -> i16 {
        i16::from_le_bytes(self.bytes(off))
    }
    fn i32(&self, off: usize) -> i32 {
        i32::from_le_bytes(self.bytes(off))
    }
    fn i64(&self, off: usize) -> i64 {
        i64::from_le_bytes(self.bytes(off))
    }
    fn f32(&self, off: usize) -> f64 {
        f64::from(f32::from_le_bytes(self.bytes(off)))
    }
    fn f64(&self, off: usize) -> f64 {
        f64::from_le_bytes(self.bytes(off))
    }
    fn text(&self, off: usize, len: usize) -> String {
        let s = self.b.get(off..off + len).unwrap_or(&[]);
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        String::from_utf8_lossy(&s[..end]).trim().to_string()
    }
}

/// Parses a header from the first bytes of an uncompressed file.
pub fn parse_header(b: &[u8]) -> Result<Header, LoadError> {
    if b.len() < 4 {
        return Err(LoadError::Truncated {
            format: FORMAT,
            detail: "the header needs at least 348 bytes".into(),
            expected: 348,
            found: b.len() as u64,
        });
    }
    let le = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let be = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let (version, big_endian) = match (le, be) {
        (348, _) => (Version::One, false),
        (_, 348) => (Version::One, true),
        (540, _) => (Version::Two, false),
        (_, 540) => (Version::Two, true),
        _ => {
            return Err(LoadError::BadMagic {
                format: FORMAT,
                detail: format!("the header size field is {le}, not 348 (NIfTI-1) or 540 (NIfTI-2)"),
            })
        }
    };
    let need = if version == Version::One { 348 } else { 540 };
    if b.len() < need {
        return Err(LoadError::Truncated {
            format: FORMAT,
            detail: format!("the header needs {need} bytes"),
            expected: need as u64,
            found: b.len() as u64,
        });
    }
    let f = Fields { b, be: big_endian };
    let h = match version {
        Version::One => {
            let magic = &b[344..348];
            let single_file = match magic {
                b"n+1\0" => true,
                b"ni1\0" => false,
                _ => {
                    return Err(LoadError::BadMagic {
                        format: FORMAT,
                        detail: format!("the magic string is {:?}, not \"n+1\" or \"ni1\"", String::from_utf8_lossy(magic)),
                    })
                }
            };
            Header {
                version,
                big_endian,
                dim: std::array::from_fn(|i| i64::from(f.i16(40 + 2 * i))),
                datatype: f.i16(70),
                pixdim: std::array::from_fn(|i| f.f32(76 + 4 * i)),
                vox_offset: f.f32(108),
                scl_slope: f.f32(112),
                scl_inter: f.f32(116),
                qform_code: i32::from(f.i16(252)),
                sform_code: i32::from(f.i16(254)),
                quatern: std::array::from_fn(|i| f.f32(256 + 4 * i)),
                qoffset: std::array::from_fn(|i| f.f32(268 + 4 * i)),
                srow: std::array::from_fn(|r| std::array::from_fn(|c| f.f32(280 + 16 * r + 4 * c))),
                descrip: f.text(148, 80),
                single_file,
            }
        }
        Version::Two => {
            let magic = &b[4..12];
            let single_file = match &magic[..4] {
                b"n+2\0" => true,
                b"ni2\0" => false,
                _ => {
                    return Err(LoadError::BadMagic {
                        format: FORMAT,
                        detail: format!("the magic string is {:?}, not \"n+2\" or \"ni2\"", String::from_utf8_lossy(&magic[..3])),
                    })
                }
            };
            Header {
                version,
                big_endian,
                dim: std::array::from_fn(|i| f.i64(16 + 8 * i)),
                datatype: f.i16(12),
                pixdim: std::array::from_fn(|i| f.f64(104 + 8 * i)),
                vox_offset: f.i64(168) as f64,
                scl_slope: f.f64(176),
                scl_inter: f.f64(184),
                qform_code: f.i32(344),
                sform_code: f.i32(348),
                quatern: std::array::from_fn(|i| f.f64(352 + 8 * i)),
                qoffset: std::array::from_fn(|i| f.f64(376 + 8 * i)),
                srow: std::array::from_fn(|r| std::array::from_fn(|c| f.f64(400 + 32 * r + 8 * c))),
                descrip: f.text(240, 80),
                single_file,
            }
        }
    };
    Ok(h)
}

impl Header {
    /// The sample type, or an error naming the unsupported NIfTI datatype.
    pub fn sample_type(&self) -> Result<SampleType, LoadError> {
        Ok(match self.datatype {
            2 => SampleType::U8,
            4 => SampleType::I16,
            8 => SampleType::I32,
            16 => SampleType::F32,
            64 => SampleType::F64,
            256 => SampleType::I8,
            512 => SampleType::U16,
            768 => SampleType::U32,
            1024 => SampleType::I64,
            1280 => SampleType::U64,
            d => {
                let name = match d {
                    32 => "complex64",
                    128 => "RGB24",
                    1536 => "float128",
                    1792 => "complex128",
                    2048 => "complex256",
                    2304 => "RGBA32",
                    _ => "an unknown datatype",
                };
                return Err(LoadError::Unsupported {
                    format: FORMAT,
                    what: format!("datatype {d} ({name}) instead of scalar grey levels"),
                });
            }
        })
    }

    /// Image dimensions (x, y, z), refusing 5D or higher images with more than one element along those axes. A 4D
    /// series (fMRI, DWI, DCE) stores its volumes one after the other, so its first volume is read like a 3D image
    /// (see [`Header::volumes`]).
    pub fn dims(&self) -> Result<[u64; 3], LoadError> {
        let nd = self.dim[0];
        if !(1..=7).contains(&nd) {
            return Err(LoadError::Invalid(format!("NIfTI dim[0] (the number of dimensions) is {nd}, not 1 to 7")));
        }
        let mut d = [1u64; 7];
        for (i, slot) in d.iter_mut().enumerate().take(nd as usize) {
            let v = self.dim[i + 1];
            if v < 1 {
                return Err(LoadError::Invalid(format!("NIfTI dim[{}] is {v}; every dimension must be at least 1", i + 1)));
            }
            *slot = v as u64;
        }
        if d[4..].iter().any(|&v| v > 1) {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!(
                    "{} dimensions ({:?}) where RadLearn reads a 3D volume or the first volume of a 4D series (extract \
                     one, e.g. with fslroi)",
                    nd,
                    &d[..nd as usize]
                ),
            });
        }
        Ok([d[0], d[1], d[2]])
    }

    /// How many volumes a 4D series holds (1 for a 3D image).
    pub fn volumes(&self) -> u64 {
        if self.dim[0] >= 4 {
            self.dim[4].max(1) as u64
        } else {
            1
        }
    }

    /// Voxel-to-world geometry in LPS: sform if set, else qform, else pixdim only.
    pub fn geometry(&self, dims: [usize; 3]) -> Result<Geometry, LoadError> {
        // Columns of the RAS affine.
        let mut cols = [[0.0f64; 3]; 3];
        let mut offset = [0.0f64; 3];
        if self.sform_code > 0 {
            for a in 0..3 {
                for (r, row) in self.srow.iter().enumerate() {
                    cols[a][r] = row[a];
                }
            }
            offset = [self.srow[0][3], self.srow[1][3], self.srow[2][3]];
        } else if self.qform_code > 0 {
            let [b, c, d] = self.quatern;
            let a = (1.0 - (b * b + c * c + d * d)).max(0.0).sqrt();
            let r = [
                [a * a + b * b - c * c - d * d, 2.0 * (b * c - a * d), 2.0 * (b * d + a * c)],
                [2.0 * (b * c + a * d), a * a + c * c - b * b - d * d, 2.0 * (c * d - a * b)],
                [2.0 * (b * d - a * c), 2.0 * (c * d + a * b), a * a + d * d - c * c - b * b],
            ];
            let qfac = if self.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
            let scale = [self.pixdim[1].abs(), self.pixdim[2].abs(), qfac * self.pixdim[3].abs()];
            for a in 0..3 {
                for rr in 0..3 {
                    cols[a][rr] = r[rr][a] * scale[a];
                }
            }
            offset = self.qoffset;
        } else {
            // Method 1 of the NIfTI standard: no orientation, only voxel sizes.
            for (a, col) in cols.iter_mut().enumerate() {
                col[a] = self.pixdim[a + 1].abs();
            }
        }
        let mut g = Geometry { dims, spacing: [1.0; 3], origin: [-offset[0], -offset[1], offset[2]], direction: [[0.0; 3]; 3] };
        for (a, col) in cols.iter().enumerate() {
            let n = (col[0].powi(2) + col[1].powi(2) + col[2].powi(2)).sqrt();
            if !(n.is_finite() && n > 0.0) {
                return Err(LoadError::Invalid(format!("NIfTI voxel size along axis {a} is {n} (from the {})", self.transform_name())));
            }
            g.spacing[a] = n;
            // RAS -> LPS: negate x and y.
            g.direction[a] = [-col[0] / n, -col[1] / n, col[2] / n];
        }
        g.validate().map_err(|m| LoadError::Invalid(format!("NIfTI geometry: {m}")))?;
        Ok(g)
    }

    fn transform_name(&self) -> &'static str {
        if self.sform_code > 0 {
            "sform"
        } else if self.qform_code > 0 {
            "qform"
        } else {
            "pixdim"
        }
    }

    fn data_offset(&self) -> Result<u64, LoadError> {
        let o = self.vox_offset;
        let min = if self.single_file {
            if self.version == Version::One {
                348.0
            } else {
                540.0
            }
        } else {
            0.0
        };
        if !o.is_finite() || o < min || o > 1e12 {
            return Err(LoadError::Invalid(format!("NIfTI vox_offset is {o}, outside the file")));
        }
        Ok(o as u64)
    }
}

/// Reads a `.nii` or `.nii.gz` file from its bytes.
pub fn read(bytes: &[u8], opts: &LoadOptions) -> Result<Volume, LoadError> {
    if bytes.is_empty() {
        return Err(LoadError::Empty);
    }
    if codec::is_gzip(bytes) {
        // Inflate the header first, so the budget is checked before inflating the voxels.
        let head = codec::gunzip_prefix(bytes, 540, FORMAT)?;
        let h = parse_header(&head)?;
        if !h.single_file {
            return Err(pair_needed());
        }
        let (_, _, need) = plan(&h, opts)?;
        let total = h.data_offset()?.checked_add(need).ok_or_else(|| LoadError::Invalid("NIfTI sizes overflow".into()))?;
        opts.check_bytes(total, "the NIfTI image")?;
        return decode_with(&h, Body::Gzip(bytes), opts, "after inflating");
    }
    let h = parse_header(bytes)?;
    if !h.single_file {
        return Err(pair_needed());
    }
    decode_with(&h, Body::Plain(bytes), opts, "")
}

fn pair_needed() -> LoadError {
    LoadError::MissingCompanion { format: FORMAT, needed: "the .img file of this .hdr".into() }
}

/// Reads a NIfTI `.hdr`/`.img` pair (each possibly gzipped).
pub fn read_pair(hdr: &[u8], img: &[u8], opts: &LoadOptions) -> Result<Volume, LoadError> {
    let head = if codec::is_gzip(hdr) { codec::gunzip_prefix(hdr, 540, FORMAT)? } else { hdr.to_vec() };
    let h = parse_header(&head)?;
    let (_, _, need) = plan(&h, opts)?;
    let total = h.data_offset()?.saturating_add(need);
    let data = if codec::is_gzip(img) {
        let limit = opts.check_bytes(total, "the NIfTI image")?;
        codec::gunzip_prefix(img, limit, FORMAT)?
    } else {
        img.to_vec()
    };
    let mut h2 = h;
    h2.single_file = false;
    decode_with(&h2, Body::Plain(&data), opts, "in the .img file")
}

/// Dimensions, sample type and data bytes, checked against the budget.
fn plan(h: &Header, opts: &LoadOptions) -> Result<([u64; 3], SampleType, u64), LoadError> {
    let t = h.sample_type()?;
    let dims = h.dims()?;
    let n = opts.check_voxels(dims, t.size() as u64, "the NIfTI image")?;
    Ok((dims, t, n as u64 * t.size() as u64))
}

/// Where the voxel bytes of a file come from.
enum Body<'a> {
    /// The whole file in memory.
    Plain(&'a [u8]),
    /// A gzip stream, decoded as it inflates (no inflated copy of the file is kept).
    Gzip(&'a [u8]),
}

fn decode_with(h: &Header, body: Body<'_>, opts: &LoadOptions, where_: &str) -> Result<Volume, LoadError> {
    let (dims, t, need) = plan(h, opts)?;
    let off = h.data_offset()?;
    let truncated = |found: u64| {
        let sep = if where_.is_empty() { "" } else { " " };
        LoadError::Truncated {
            format: FORMAT,
            detail: format!("the header says {}x{}x{} voxels of {}{sep}{where_}", dims[0], dims[1], dims[2], t.name()),
            expected: need,
            found,
        }
    };
    let scale = (h.scl_slope != 0.0 && h.scl_slope.is_finite() && h.scl_inter.is_finite() && !(h.scl_slope == 1.0 && h.scl_inter == 0.0))
        .then_some((h.scl_slope, h.scl_inter));
    let dims_us = dims.map(|d| d as usize);
    let geometry = h.geometry(dims_us)?;
    let (data, bad) = match body {
        Body::Plain(file) => {
            let avail = (file.len() as u64).saturating_sub(off);
            if avail < need {
                return Err(truncated(avail));
            }
            let start = off as usize;
            let body = file.get(start..start + need as usize).unwrap_or(&[]);
            codec::decode(body, t, h.big_endian, geometry.len(), scale)
        }
        Body::Gzip(gz) => {
            // `off + need` is within the budget (checked by the caller), so both fit a usize.
            let s = codec::gunzip_decode(gz, off as usize, t, h.big_endian, geometry.len(), scale, FORMAT)?;
            if s.found < need {
                return Err(truncated(s.found));
            }
            (s.values, s.bad)
        }
    };
    if bad > 0 {
        return Err(LoadError::NonFinite { format: FORMAT, count: bad });
    }
    let volumes = h.volumes();
    let warnings = if volumes > 1 {
        vec![format!(
            "this file is a 4D series of {volumes} volumes (e.g. fMRI, diffusion or dynamic contrast); RadLearn shows and \
             measures the first one only"
        )]
    } else {
        Vec::new()
    };
    let meta = Meta {
        format: if h.version == Version::One { "NIfTI-1".into() } else { "NIfTI-2".into() },
        rescale: scale,
        description: (!h.descrip.is_empty()).then(|| h.descrip.clone()),
        warnings,
        ..Meta::default()
    };
    Volume::new(geometry, data).map(|v| Volume { meta, ..v }).ok_or_else(|| LoadError::Invalid("NIfTI data length mismatch".into()))
}

/// Sample type written by [`write()`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteType {
    /// float32, for images.
    F32,
    /// uint8, for masks: values are rounded and clamped to 0..=255.
    U8,
    /// int16, values rounded and clamped.
    I16,
}

/// Quaternion (b, c, d) and qfac of a direction matrix given as columns in RAS; hand-written (the classic
/// Shepperd-style conversion used by the NIfTI reference library's documentation) because no crate we use has it.
fn quaternion(cols: [[f64; 3]; 3]) -> ([f64; 3], f64) {
    // r[row][col]
    let mut r = [[0.0; 3]; 3];
    for (a, col) in cols.iter().enumerate() {
        for row in 0..3 {
            r[row][a] = col[row];
        }
    }
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    if qfac < 0.0 {
        for row in r.iter_mut() {
            row[2] = -row[2];
        }
    }
    let trace = r[0][0] + r[1][1] + r[2][2];
    let (a, b, c, d);
    if trace > 0.0 {
        let s = (trace + 1.0).sqrt() * 2.0;
        a = 0.25 * s;
        b = (r[2][1] - r[1][2]) / s;
        c = (r[0][2] - r[2][0]) / s;
        d = (r[1][0] - r[0][1]) / s;
    } else if r[0][0] > r[1][1] && r[0][0] > r[2][2] {
        let s = (1.0 + r[0][0] - r[1][1] - r[2][2]).sqrt() * 2.0;
        a = (r[2][1] - r[1][2]) / s;
        b = 0.25 * s;
        c = (r[0][1] + r[1][0]) / s;
        d = (r[0][2] + r[2][0]) / s;
    } else if r[1][1] > r[2][2] {
        let s = (1.0 + r[1][1] - r[0][0] - r[2][2]).sqrt() * 2.0;
        a = (r[0][2] - r[2][0]) / s;
        b = (r[0][1] + r[1][0]) / s;
        c = 0.25 * s;
        d = (r[1][2] + r[2][1]) / s;
    } else {
        let s = (1.0 + r[2][2] - r[0][0] - r[1][1]).sqrt() * 2.0;
        a = (r[1][0] - r[0][1]) / s;
        b = (r[0][2] + r[2][0]) / s;
        c = (r[1][2] + r[2][1]) / s;
        d = 0.25 * s;
    }
    // NIfTI stores b, c, d with a >= 0.
    let sign = if a < 0.0 { -1.0 } else { 1.0 };
    ([b * sign, c * sign, d * sign], qfac)
}

/// Writes a volume as a NIfTI-1 single file (`.nii`), gzipped (`.nii.gz`) when `gzip` is true.
pub fn write(v: &Volume, t: WriteType, gzip: bool) -> Result<Vec<u8>, LoadError> {
    let g = &v.geometry;
    if g.dims.iter().any(|&d| d == 0 || d > i16::MAX as usize) || v.data.len() != g.len() {
        return Err(LoadError::Invalid(format!("cannot write a NIfTI-1 image of {:?} voxels (each dimension must be 1 to 32767)", g.dims)));
    }
    let mut h = vec![0u8; 352];
    let put = |h: &mut Vec<u8>, off: usize, b: &[u8]| h[off..off + b.len()].copy_from_slice(b);
    put(&mut h, 0, &348i32.to_le_bytes());
    put(&mut h, 38, b"r");
    let dim: [i16; 8] = [3, g.dims[0] as i16, g.dims[1] as i16, g.dims[2] as i16, 1, 1, 1, 1];
    for (i, d) in dim.iter().enumerate() {
        put(&mut h, 40 + 2 * i, &d.to_le_bytes());
    }
    let (code, bitpix): (i16, i16) = match t {
        WriteType::F32 => (16, 32),
        WriteType::U8 => (2, 8),
        WriteType::I16 => (4, 16),
    };
    put(&mut h, 70, &code.to_le_bytes());
    put(&mut h, 72, &bitpix.to_le_bytes());
    // RAS columns of the affine.
    let cols: [[f64; 3]; 3] = std::array::from_fn(|a| [-g.direction[a][0], -g.direction[a][1], g.direction[a][2]]);
    let (q, qfac) = quaternion(cols);
    let pixdim = [qfac, g.spacing[0], g.spacing[1], g.spacing[2], 0.0, 0.0, 0.0, 0.0];
    for (i, p) in pixdim.iter().enumerate() {
        put(&mut h, 76 + 4 * i, &(*p as f32).to_le_bytes());
    }
    put(&mut h, 108, &352f32.to_le_bytes());
    put(&mut h, 112, &1f32.to_le_bytes());
    put(&mut h, 116, &0f32.to_le_bytes());
    put(&mut h, 123, &[2u8]); // millimetres
    let desc = v.meta.description.clone().unwrap_or_else(|| "RadLearn".into());
    let desc: Vec<u8> = desc.bytes().take(79).collect();
    put(&mut h, 148, &desc);
    put(&mut h, 252, &1i16.to_le_bytes());
    put(&mut h, 254, &1i16.to_le_bytes());
    let origin_ras = [-g.origin[0], -g.origin[1], g.origin[2]];
    for i in 0..3 {
        put(&mut h, 256 + 4 * i, &(q[i] as f32).to_le_bytes());
        put(&mut h, 268 + 4 * i, &(origin_ras[i] as f32).to_le_bytes());
    }
    for r in 0..3 {
        for (a, col) in cols.iter().enumerate() {
            put(&mut h, 280 + 16 * r + 4 * a, &((col[r] * g.spacing[a]) as f32).to_le_bytes());
        }
        put(&mut h, 280 + 16 * r + 12, &(origin_ras[r] as f32).to_le_bytes());
    }
    put(&mut h, 344, b"n+1\0");
    let mut out = h;
    out.reserve(v.data.len() * 4);
    for &x in &v.data {
        match t {
            WriteType::F32 => out.extend_from_slice(&x.to_le_bytes()),
            WriteType::U8 => out.push(x.round().clamp(0.0, 255.0) as u8),
            WriteType::I16 => out.extend_from_slice(&(x.round().clamp(-32768.0, 32767.0) as i16).to_le_bytes()),
        }
    }
    if gzip {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing into a Vec cannot fail.
        e.write_all(&out).map_err(|err| LoadError::Compression { format: FORMAT, detail: err.to_string() })?;
        return e.finish().map_err(|err| LoadError::Compression { format: FORMAT, detail: err.to_string() });
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    #[test]
    fn quaternion_round_trips_through_qform() {
        // An oblique, left-handed orientation.
        let (c, s) = (0.8f64, 0.6f64);
        let lps = [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, -1.0]];
        let g = Geometry { dims: [3, 2, 2], spacing: [0.5, 0.7, 2.0], origin: [1.0, 2.0, 3.0], direction: lps };
        let v = Volume::new(g.clone(), (0..12).map(|i| i as f32).collect()).unwrap();
        let bytes = write(&v, WriteType::F32, false).unwrap();
        let mut h = parse_header(&bytes).unwrap();
        // Read back with the qform only.
        h.sform_code = 0;
        let g2 = h.geometry(g.dims).unwrap();
        assert!(g2.approx_eq(&g, 1e-5), "{g2:?}");
    }

    #[test]
    fn reads_a_header_and_image_pair() {
        let v = Volume::new(Geometry::new([2, 3, 1], [0.5, 0.5, 2.0]), (0..6).map(|i| i as f32).collect()).unwrap();
        let single = write(&v, WriteType::I16, false).unwrap();
        let mut hdr = single[..348].to_vec();
        hdr[344..348].copy_from_slice(b"ni1\0");
        hdr[108..112].copy_from_slice(&0f32.to_le_bytes());
        let img = &single[352..];
        let back = read_pair(&hdr, img, &LoadOptions::default()).unwrap();
        assert_eq!(back.data, v.data);
        assert!(back.geometry.approx_eq(&v.geometry, 1e-6));
        assert!(matches!(read(&hdr, &LoadOptions::default()), Err(LoadError::MissingCompanion { .. })));
        assert!(matches!(read_pair(&hdr, &img[..5], &LoadOptions::default()), Err(LoadError::Truncated { expected: 12, found: 5, .. })));
    }

    #[test]
    fn refuses_bad_headers() {
        assert!(matches!(parse_header(&[0; 10]), Err(LoadError::BadMagic { .. })));
        let v = Volume::new(Geometry::new([2, 2, 2], [1.0; 3]), vec![1.0; 8]).unwrap();
        let mut b = write(&v, WriteType::F32, false).unwrap();
        b[344] = b'x';
        assert!(matches!(read(&b, &LoadOptions::default()), Err(LoadError::BadMagic { .. })));
        let b = write(&v, WriteType::F32, false).unwrap();
        assert!(matches!(read(&b[..b.len() - 1], &LoadOptions::default()), Err(LoadError::Truncated { expected: 32, found: 31, .. })));
    }

    #[test]
    fn reads_the_first_volume_of_a_4d_series_and_says_so() {
        let v = Volume::new(Geometry::new([2, 2, 2], [1.0; 3]), (0..8).map(|i| i as f32).collect()).unwrap();
        let mut b = write(&v, WriteType::F32, false).unwrap();
        b[40..42].copy_from_slice(&4i16.to_le_bytes());
        b[48..50].copy_from_slice(&3i16.to_le_bytes());
        // Two more volumes after the first.
        b.extend((100..116).flat_map(|i| (i as f32).to_le_bytes()));
        let back = read(&b, &LoadOptions::default()).unwrap();
        assert_eq!(back.data, v.data);
        assert_eq!(back.meta.warnings.len(), 1);
        assert!(back.meta.warnings[0].contains("4D series of 3 volumes"), "{:?}", back.meta.warnings);
        // A fifth dimension is still refused, by name.
        b[40..42].copy_from_slice(&5i16.to_le_bytes());
        b[50..52].copy_from_slice(&2i16.to_le_bytes());
        match read(&b, &LoadOptions::default()) {
            Err(LoadError::Unsupported { what, .. }) => assert!(what.contains("5 dimensions ([2, 2, 2, 3, 2])"), "{what}"),
            other => panic!("{other:?}"),
        }
    }
}
