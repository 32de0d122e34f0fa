//! Raw sample decoding shared by the NIfTI and NRRD readers, and budget-checked inflation of gzip streams.

use std::io::Read;

use crate::error::{LoadError, LoadOptions};

/// Scalar types found in image files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleType {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
}

impl SampleType {
    pub fn size(self) -> usize {
        match self {
            SampleType::U8 | SampleType::I8 => 1,
            SampleType::U16 | SampleType::I16 => 2,
            SampleType::U32 | SampleType::I32 | SampleType::F32 => 4,
            SampleType::U64 | SampleType::I64 | SampleType::F64 => 8,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SampleType::U8 => "uint8",
            SampleType::I8 => "int8",
            SampleType::U16 => "uint16",
            SampleType::I16 => "int16",
            SampleType::U32 => "uint32",
            SampleType::I32 => "int32",
            SampleType::U64 => "uint64",
            SampleType::I64 => "int64",
            SampleType::F32 => "float32",
            SampleType::F64 => "float64",
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, SampleType::F32 | SampleType::F64)
    }
}

/// Decodes `n` samples from `bytes` (which must hold at least `n * size` bytes; fewer samples are decoded otherwise)
/// into f32, applying `slope * v + inter` in f64 when `scale` is given. Returns the values and the number of NaN or
/// infinite values seen.
pub fn decode(bytes: &[u8], t: SampleType, big_endian: bool, n: usize, scale: Option<(f64, f64)>) -> (Vec<f32>, u64) {
    let out = match (t, big_endian, scale) {
        // The common case (float32, little endian, no rescale): a plain conversion the compiler vectorises.
        (SampleType::F32, false, None) => bytes.chunks_exact(4).take(n).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        (SampleType::U8, _, _) => typed::<1>(bytes, n, big_endian, scale, |b| f64::from(b[0])),
        (SampleType::I8, _, _) => typed::<1>(bytes, n, big_endian, scale, |b| f64::from(b[0] as i8)),
        (SampleType::U16, _, _) => typed::<2>(bytes, n, big_endian, scale, |b| f64::from(u16::from_le_bytes(b))),
        (SampleType::I16, _, _) => typed::<2>(bytes, n, big_endian, scale, |b| f64::from(i16::from_le_bytes(b))),
        (SampleType::U32, _, _) => typed::<4>(bytes, n, big_endian, scale, |b| f64::from(u32::from_le_bytes(b))),
        (SampleType::I32, _, _) => typed::<4>(bytes, n, big_endian, scale, |b| f64::from(i32::from_le_bytes(b))),
        (SampleType::U64, _, _) => typed::<8>(bytes, n, big_endian, scale, |b| u64::from_le_bytes(b) as f64),
        (SampleType::I64, _, _) => typed::<8>(bytes, n, big_endian, scale, |b| i64::from_le_bytes(b) as f64),
        (SampleType::F32, _, _) => typed::<4>(bytes, n, big_endian, scale, |b| f64::from(f32::from_le_bytes(b))),
        (SampleType::F64, _, _) => typed::<8>(bytes, n, big_endian, scale, f64::from_le_bytes),
    };
    let bad = out.iter().filter(|v| !v.is_finite()).count() as u64;
    (out, bad)
}

/// One tight loop per sample type: the type and byte order are decided once, not per voxel (this loop is most of
/// the time spent reading an uncompressed volume). `f` reads `N` little-endian bytes.
fn typed<const N: usize>(bytes: &[u8], n: usize, big_endian: bool, scale: Option<(f64, f64)>, f: impl Fn([u8; N]) -> f64) -> Vec<f32> {
    let read = |c: &[u8]| {
        let mut b = [0u8; N];
        b.copy_from_slice(c);
        if big_endian {
            b.reverse();
        }
        f(b)
    };
    let chunks = bytes.chunks_exact(N).take(n);
    match scale {
        Some((slope, inter)) => chunks.map(|c| (read(c) * slope + inter) as f32).collect(),
        None => chunks.map(|c| read(c) as f32).collect(),
    }
}

/// True if the bytes start with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Inflates at most `limit` bytes of a gzip stream (fewer if the stream ends first). `limit` must already have been
/// checked against the budget. Multi-member streams are followed.
pub fn gunzip_prefix(bytes: &[u8], limit: usize, format: &'static str) -> Result<Vec<u8>, LoadError> {
    let mut out = Vec::new();
    out.try_reserve_exact(limit.min(bytes.len().saturating_mul(8).max(1024))).map_err(|_| LoadError::TooLarge {
        what: format!("the {format} data"),
        claimed: Some(limit as u64),
        budget: limit as u64,
    })?;
    // `bufread`: a byte slice already is a buffer, so nothing is copied into an intermediate one.
    let dec = flate2::bufread::MultiGzDecoder::new(bytes);
    match dec.take(limit as u64).read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(LoadError::TruncatedStream { format, detail: "the gzip stream ends early".into() })
        }
        Err(e) => Err(LoadError::Compression { format, detail: e.to_string() }),
    }
}

/// Inflates a whole gzip stream, refusing one that inflates beyond the budget.
pub fn gunzip_all(bytes: &[u8], opts: &LoadOptions, format: &'static str) -> Result<Vec<u8>, LoadError> {
    let limit = opts.check_bytes(opts.max_bytes, "the inflated data")?;
    let out = gunzip_prefix(bytes, limit.saturating_add(1), format)?;
    if out.len() > limit {
        return Err(LoadError::TooLarge { what: format!("the inflated {format} data"), claimed: None, budget: opts.max_bytes });
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    #[test]
    fn decodes_both_endians_and_scales() {
        let (v, bad) = decode(&[0x01, 0x80, 0xff, 0xff], SampleType::I16, false, 2, None);
        assert_eq!((v, bad), (vec![-32767.0, -1.0], 0));
        let (v, _) = decode(&[0x01, 0x80], SampleType::I16, true, 1, Some((2.0, -1.0)));
        assert_eq!(v, vec![2.0 * 384.0 - 1.0]);
        let (v, bad) = decode(&f32::NAN.to_le_bytes(), SampleType::F32, false, 1, None);
        assert!(v[0].is_nan());
        assert_eq!(bad, 1);
    }

    #[test]
    fn gunzip_is_bounded() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&[7u8; 10_000]).unwrap();
        let gz = e.finish().unwrap();
        assert_eq!(gunzip_prefix(&gz, 100, "x").unwrap().len(), 100);
        assert!(matches!(gunzip_all(&gz, &LoadOptions::with_max_bytes(5000), "x"), Err(LoadError::TooLarge { .. })));
        assert_eq!(gunzip_all(&gz, &LoadOptions::default(), "x").unwrap().len(), 10_000);
        assert!(gunzip_all(&gz[..gz.len() / 2], &LoadOptions::default(), "x").is_err());
    }
}
