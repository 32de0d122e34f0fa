//! NRRD reading: attached (`.nrrd`) or detached (`.nhdr` + data file) headers, raw, gzip and ASCII encodings.
//!
//! Hand-written: NRRD's header is a few lines of `field: value` text, and no maintained pure-Rust crate reads it
//! (with geometry and a memory budget). Inflation uses `flate2`.

use crate::image::volume::{Geometry, Meta, Volume, IDENTITY};
use crate::io::codec::{self, SampleType};
use crate::io::error::{LoadError, LoadOptions};

const FORMAT: &str = "NRRD";

/// A parsed NRRD header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub sample: SampleType,
    pub sizes: Vec<u64>,
    pub encoding: String,
    pub big_endian: bool,
    /// Direction vectors (scaled by spacing), in the file's space.
    pub directions: Option<Vec<[f64; 3]>>,
    pub spacings: Option<Vec<f64>>,
    pub origin: Option<[f64; 3]>,
    pub space: Option<String>,
    pub data_file: Option<String>,
    pub byte_skip: i64,
    pub line_skip: u64,
    pub content: Option<String>,
}

fn invalid(m: impl Into<String>) -> LoadError {
    LoadError::Invalid(format!("NRRD: {}", m.into()))
}

fn sample_type(t: &str) -> Result<SampleType, LoadError> {
    Ok(match t {
        "signed char" | "int8" | "int8_t" => SampleType::I8,
        "uchar" | "unsigned char" | "uint8" | "uint8_t" => SampleType::U8,
        "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => SampleType::I16,
        "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => SampleType::U16,
        "int" | "signed int" | "int32" | "int32_t" => SampleType::I32,
        "uint" | "unsigned int" | "uint32" | "uint32_t" => SampleType::U32,
        "longlong" | "long long" | "long long int" | "signed long long" | "signed long long int" | "int64" | "int64_t" => SampleType::I64,
        "ulonglong" | "unsigned long long" | "unsigned long long int" | "uint64" | "uint64_t" => SampleType::U64,
        "float" => SampleType::F32,
        "double" => SampleType::F64,
        other => return Err(LoadError::Unsupported { format: FORMAT, what: format!("the sample type `{other}`") }),
    })
}

fn vector(s: &str) -> Option<[f64; 3]> {
    let s = s.trim().strip_prefix('(')?.strip_suffix(')')?;
    let v: Vec<f64> = s.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().ok()?;
    (v.len() == 3 && v.iter().all(|x| x.is_finite())).then(|| [v[0], v[1], v[2]])
}

/// Parses the header text; returns it and the byte offset where attached data starts.
pub fn parse_header(bytes: &[u8]) -> Result<(Header, usize), LoadError> {
    if !bytes.starts_with(b"NRRD000") {
        return Err(LoadError::BadMagic { format: FORMAT, detail: "the file does not start with \"NRRD000\"".into() });
    }
    let mut pos = 0;
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut first = true;
    let mut ended = false;
    while pos < bytes.len() {
        let end = bytes[pos..].iter().position(|&c| c == b'\n').map(|e| pos + e).unwrap_or(bytes.len());
        let line = String::from_utf8_lossy(&bytes[pos..end]);
        let line = line.trim_end_matches('\r');
        pos = (end + 1).min(bytes.len());
        if first {
            first = false;
            continue;
        }
        if line.is_empty() {
            ended = true;
            break;
        }
        if line.starts_with('#') || line.contains(":=") {
            continue;
        }
        if let Some((k, v)) = line.split_once(": ") {
            fields.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        } else {
            return Err(invalid(format!("the header line `{}` is not `field: value`", line.chars().take(60).collect::<String>())));
        }
        if fields.len() > 1000 {
            return Err(invalid("the header has more than 1000 fields"));
        }
    }
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str());
    let sample = sample_type(get("type").ok_or_else(|| invalid("the header has no `type` field"))?)?;
    let dimension: usize = get("dimension").and_then(|d| d.parse().ok()).ok_or_else(|| invalid("the header has no valid `dimension`"))?;
    let sizes: Vec<u64> = get("sizes")
        .ok_or_else(|| invalid("the header has no `sizes` field"))?
        .split_whitespace()
        .map(|s| s.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid("`sizes` must be whole numbers"))?;
    if sizes.len() != dimension || !(1..=3).contains(&dimension) {
        return Err(if dimension > 3 {
            LoadError::Unsupported {
                format: FORMAT,
                what: format!("{dimension} dimensions where RadLearn reads 2D and 3D grey-level images"),
            }
        } else {
            invalid(format!("`dimension` is {dimension} but `sizes` lists {} numbers", sizes.len()))
        });
    }
    let encoding = get("encoding").ok_or_else(|| invalid("the header has no `encoding` field"))?.to_ascii_lowercase();
    let big_endian = get("endian").is_some_and(|e| e.eq_ignore_ascii_case("big"));
    let directions = match get("space directions") {
        None => None,
        Some(s) => {
            let parts: Vec<&str> = s.split_whitespace().collect();
            let joined = s.replace(", ", ",");
            let parts: Vec<&str> = if parts.len() == dimension { parts } else { joined.split_whitespace().collect() };
            let mut v = Vec::new();
            for p in parts {
                if p == "none" {
                    return Err(LoadError::Unsupported {
                        format: FORMAT,
                        what: "non-spatial axes (`none` in space directions), e.g. vector or RGB images".into(),
                    });
                }
                v.push(vector(p).ok_or_else(|| invalid(format!("cannot read the space direction `{p}`")))?);
            }
            if v.len() != dimension {
                return Err(invalid("`space directions` does not have one vector per axis"));
            }
            Some(v)
        }
    };
    let spacings = get("spacings").map(|s| s.split_whitespace().map(|x| x.parse::<f64>().unwrap_or(f64::NAN)).collect::<Vec<_>>());
    let origin = match get("space origin") {
        None => None,
        Some(s) => Some(vector(s).ok_or_else(|| invalid(format!("cannot read the space origin `{s}`")))?),
    };
    let data_file = get("data file").or_else(|| get("datafile")).map(str::to_string);
    if data_file.is_none() && !ended {
        return Err(LoadError::TruncatedStream {
            format: FORMAT,
            detail: "the header never ends (no blank line) and no data follows".into(),
        });
    }
    let header = Header {
        sample,
        sizes,
        encoding,
        big_endian,
        directions,
        spacings,
        origin,
        space: get("space").map(|s| s.to_ascii_lowercase()),
        data_file,
        byte_skip: get("byte skip").and_then(|s| s.parse().ok()).unwrap_or(0),
        line_skip: get("line skip").and_then(|s| s.parse().ok()).unwrap_or(0),
        content: get("content").map(str::to_string),
    };
    Ok((header, pos))
}

impl Header {
    fn dims(&self) -> [u64; 3] {
        [0, 1, 2].map(|i| self.sizes.get(i).copied().unwrap_or(1))
    }

    fn geometry(&self) -> Result<Geometry, LoadError> {
        let dims = self.dims().map(|d| d as usize);
        let mut g = Geometry::new(dims, [1.0; 3]);
        // Sign flips from the file's space to LPS.
        let flip = match self.space.as_deref() {
            Some("right-anterior-superior" | "ras" | "3d-right-handed") => [-1.0, -1.0, 1.0],
            Some("left-anterior-superior" | "las") => [1.0, -1.0, 1.0],
            _ => [1.0, 1.0, 1.0],
        };
        if let Some(dirs) = &self.directions {
            let mut dir = IDENTITY;
            for (a, d) in dirs.iter().enumerate() {
                let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                if !(n.is_finite() && n > 0.0) {
                    return Err(invalid(format!("the space direction of axis {a} has length {n}")));
                }
                g.spacing[a] = n;
                dir[a] = [d[0] / n * flip[0], d[1] / n * flip[1], d[2] / n * flip[2]];
            }
            g.direction = dir;
        } else if let Some(s) = &self.spacings {
            for (a, &v) in s.iter().enumerate().take(3) {
                g.spacing[a] = if v.is_nan() { 1.0 } else { v.abs() };
            }
        }
        if let Some(o) = self.origin {
            g.origin = [o[0] * flip[0], o[1] * flip[1], o[2] * flip[2]];
        }
        g.validate().map_err(|m| invalid(format!("geometry: {m}")))?;
        Ok(g)
    }
}

/// Reads an NRRD file with an attached header.
pub fn read(bytes: &[u8], opts: &LoadOptions) -> Result<Volume, LoadError> {
    let (h, start) = parse_header(bytes)?;
    if let Some(f) = &h.data_file {
        return Err(LoadError::MissingCompanion { format: FORMAT, needed: format!("`{f}`") });
    }
    decode(&h, bytes.get(start..).unwrap_or(&[]), opts)
}

/// Reads a detached header (`.nhdr`) with the bytes of its data file.
pub fn read_detached(header: &[u8], data: &[u8], opts: &LoadOptions) -> Result<Volume, LoadError> {
    let (h, _) = parse_header(header)?;
    decode(&h, data, opts)
}

fn decode(h: &Header, data: &[u8], opts: &LoadOptions) -> Result<Volume, LoadError> {
    let dims = h.dims();
    let n = opts.check_voxels(dims, h.sample.size() as u64, "the NRRD image")?;
    let need = n as u64 * h.sample.size() as u64;
    let geometry = h.geometry()?;
    let detail = || format!("the header says {}x{}x{} voxels of {}", dims[0], dims[1], dims[2], h.sample.name());
    // Line skip applies to the (decoded) data file.
    let mut data = data;
    for _ in 0..h.line_skip.min(1 << 20) {
        let nl = data.iter().position(|&c| c == b'\n').ok_or_else(|| invalid("`line skip` skips past the end of the data"))?;
        data = &data[nl + 1..];
    }
    let (values, bad) = match h.encoding.as_str() {
        // The usual case: a gzip stream whose samples start at a known offset is decoded as it inflates.
        "gzip" | "gz" if h.byte_skip >= 0 => {
            let skip = u64::try_from(h.byte_skip).unwrap_or(u64::MAX);
            let skip = opts.check_bytes(skip.saturating_add(need), "the NRRD image")? - need as usize;
            let s = codec::gunzip_decode(data, skip, h.sample, h.big_endian, n, None, FORMAT)?;
            if s.found < need {
                return Err(LoadError::Truncated { format: FORMAT, detail: detail(), expected: need, found: s.found });
            }
            (s.values, s.bad)
        }
        "raw" | "gzip" | "gz" => {
            let inflated;
            let raw: &[u8] = if h.encoding == "raw" {
                data
            } else {
                let limit = opts.check_bytes(need, "the NRRD image")?;
                inflated = codec::gunzip_prefix(data, limit, FORMAT)?;
                &inflated
            };
            // byte skip -1 means the data are the last bytes of the file.
            let body = if h.byte_skip == -1 {
                raw.get(raw.len().saturating_sub(need as usize)..).unwrap_or(&[])
            } else {
                raw.get(usize::try_from(h.byte_skip.max(0)).unwrap_or(usize::MAX).min(raw.len())..).unwrap_or(&[])
            };
            if (body.len() as u64) < need {
                return Err(LoadError::Truncated { format: FORMAT, detail: detail(), expected: need, found: body.len() as u64 });
            }
            codec::decode(body, h.sample, h.big_endian, n, None)
        }
        "ascii" | "text" | "txt" => {
            let text = String::from_utf8_lossy(data);
            let mut out = Vec::with_capacity(n);
            let mut bad = 0u64;
            for tok in text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).take(n) {
                let v: f64 = tok
                    .parse()
                    .map_err(|_| invalid(format!("`{}` in the ASCII data is not a number", tok.chars().take(20).collect::<String>())))?;
                let v = v as f32;
                bad += u64::from(!v.is_finite());
                out.push(v);
            }
            if out.len() < n {
                return Err(LoadError::Truncated {
                    format: FORMAT,
                    detail: format!("{} (as text numbers)", detail()),
                    expected: n as u64,
                    found: out.len() as u64,
                });
            }
            (out, bad)
        }
        other => {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!("the encoding `{other}` (RadLearn reads raw, gzip and ascii)"),
            })
        }
    };
    if bad > 0 {
        return Err(LoadError::NonFinite { format: FORMAT, count: bad });
    }
    let meta = Meta { format: "NRRD".into(), description: h.content.clone(), ..Meta::default() };
    Volume::new(geometry, values).map(|v| Volume { meta, ..v }).ok_or_else(|| invalid("data length mismatch"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;
    use std::io::Write;

    fn header(enc: &str, extra: &str) -> String {
        format!(
            "NRRD0004\n# a comment\ntype: short\ndimension: 3\nspace: right-anterior-superior\nsizes: 2 2 1\n\
             space directions: (0.5,0,0) (0,0.5,0) (0,0,2)\nspace origin: (10,20,30)\nendian: little\nencoding: {enc}\n{extra}"
        )
    }

    #[test]
    fn raw_gzip_ascii_and_detached_agree() {
        let values: [i16; 4] = [-1000, 0, 40, 1200];
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut attached = format!("{}\n", header("raw", "")).into_bytes();
        attached.extend_from_slice(&raw);
        let a = read(&attached, &LoadOptions::default()).unwrap();
        assert_eq!(a.data, vec![-1000.0, 0.0, 40.0, 1200.0]);
        assert_eq!(a.geometry.spacing, [0.5, 0.5, 2.0]);
        // RAS origin (10, 20, 30) is LPS (-10, -20, 30); RAS x axis is LPS -x.
        assert_eq!(a.geometry.origin, [-10.0, -20.0, 30.0]);
        assert_eq!(a.geometry.orientation_code(), "RAS");

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).unwrap();
        let mut b = format!("{}\n", header("gzip", "")).into_bytes();
        b.extend_from_slice(&gz.finish().unwrap());
        assert_eq!(read(&b, &LoadOptions::default()).unwrap().data, a.data);

        let c = format!("{}\n-1000 0\n40 1200\n", header("ascii", ""));
        assert_eq!(read(c.as_bytes(), &LoadOptions::default()).unwrap().data, a.data);

        let nhdr = header("raw", "data file: ct.raw\n");
        assert!(matches!(read(nhdr.as_bytes(), &LoadOptions::default()), Err(LoadError::MissingCompanion { .. })));
        assert_eq!(read_detached(nhdr.as_bytes(), &raw, &LoadOptions::default()).unwrap().data, a.data);
    }

    #[test]
    fn refuses_short_or_huge_data() {
        let mut f = format!("{}\n", header("raw", "")).into_bytes();
        f.extend_from_slice(&[0, 0, 0]);
        let e = read(&f, &LoadOptions::default()).unwrap_err();
        assert!(matches!(e, LoadError::Truncated { expected: 8, found: 3, .. }), "{e:?}");
        let huge = header("raw", "").replace("sizes: 2 2 1", "sizes: 100000 100000 100000");
        assert!(matches!(read(format!("{huge}\n").as_bytes(), &LoadOptions::default()), Err(LoadError::TooLarge { .. })));
        assert!(matches!(read(b"NRRD0004\ntype: complex\n\n", &LoadOptions::default()), Err(LoadError::Unsupported { .. })));
    }
}
