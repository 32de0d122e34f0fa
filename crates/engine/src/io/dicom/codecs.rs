//! Compressed frames: their headers checked against the DICOM header before decoding (JPEG, JPEG 2000), and the
//! hand-written decoders (RLE Lossless, JPEG 2000 through hayro-jpeg2000).

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::attrs::int;
use super::guard::u32_at;
use super::{FORMAT, JPEG2000, JPEG2000_LOSSLESS, JPEG_BASELINE, JPEG_EXTENDED};
use crate::io::error::LoadError;

/// Checks the header of every kept frame's compressed stream against the DICOM header before it is decoded (JPEG and
/// JPEG 2000; nothing to check for other syntaxes): size, components (`spp`) and sample size.
///
/// dicom-rs's JPEG adapter copies what the JPEG stream decodes to into a buffer of Rows x Columns x SamplesPerPixel x
/// BitsAllocated / 8 bytes, and panics when the stream's own header claims more (a panic cannot be caught in the
/// browser). So every frame's stream, assembled from the fragments exactly as the adapter does, must declare the
/// header's size, its number of components and a sample size equal to BitsAllocated before it is decoded. More than 8
/// bits in JPEG Baseline/Extended is 12-bit JPEG, named as such even when no stream starts where expected (the
/// frame-header check would only call it damaged).
#[allow(clippy::too_many_arguments)] // One call per decoding path; a struct would only rename these.
pub(super) fn check_compressed_headers(
    obj: &InMemDicomObject,
    ts_uid: &str,
    ts_name: &str,
    fragments: &[Vec<u8>],
    offsets: &[u32],
    frames: usize,
    kept: &[(usize, (f64, f64))],
    (rows, columns): (i64, i64),
    bits: u64,
    spp: u8,
) -> Result<(), LoadError> {
    let bytes_per = bits / 8;
    if matches!(ts_uid, JPEG2000_LOSSLESS | JPEG2000) {
        for &(k, _) in kept {
            j2k_check(&jpeg_frame_stream(fragments, offsets, frames, k), k, (rows, columns), spp)?;
        }
        return Ok(());
    }
    if !ts_uid.starts_with("1.2.840.10008.1.2.4.") {
        return Ok(());
    }
    if matches!(ts_uid, JPEG_BASELINE | JPEG_EXTENDED) && bits > 8 && fragments.iter().all(|f| !f.starts_with(&[0xFF, 0xD8])) {
        return Err(jpeg_precision_unsupported(ts_name, ts_uid, int(obj, tags::BITS_STORED).unwrap_or(12) as u8));
    }
    for &(k, _) in kept {
        let stream = jpeg_frame_stream(fragments, offsets, frames, k);
        let Some(sof) = jpeg_frame(&stream) else {
            return Err(LoadError::Invalid(format!(
                "the compressed image of frame {} is damaged: its JPEG data has no frame header",
                k + 1
            )));
        };
        if (i64::from(sof.height), i64::from(sof.width)) != (rows, columns) {
            return Err(LoadError::Invalid(format!(
                "the compressed image is {} x {} pixels but the DICOM header says {columns} x {rows}",
                sof.width, sof.height
            )));
        }
        // Baseline, extended and progressive (SOF0-2) with more than 8 bits: JPEG Extended 12-bit.
        if matches!(sof.marker, 0xC0..=0xC2) && sof.precision > 8 {
            return Err(jpeg_precision_unsupported(ts_name, ts_uid, sof.precision));
        }
        let sample_bytes = if sof.precision > 8 { 2 } else { 1 };
        // Colour is read from 8-bit streams only: the adapter's 16-bit colour output has no documented layout.
        if sof.components != spp || sample_bytes != bytes_per || (spp > 1 && sample_bytes > 1) {
            return Err(LoadError::Invalid(format!(
                "the compressed image has {} component(s) of {} bits but the DICOM header says {spp} of {bits} bits",
                sof.components, sof.precision
            )));
        }
    }
    Ok(())
}

fn jpeg_precision_unsupported(name: &str, uid: &str, precision: u8) -> LoadError {
    LoadError::Unsupported {
        format: FORMAT,
        what: format!(
            "the transfer syntax {name} ({uid}) with {precision}-bit sample precision: the pure-Rust JPEG decoder reads only 8-bit \
             baseline and extended JPEG"
        ),
    }
}

/// Decodes one RLE Lossless frame (DICOM PS3.5 annex G) into native little-endian samples of `bytes` bytes, `spp`
/// samples per pixel interleaved: the header lists one segment per byte of a sample (sample by sample, the most
/// significant byte first), each a PackBits stream of one byte per pixel. Hand-written: dicom-rs's RLE decoder panics
/// on short or malformed segments (a panic cannot be caught in the browser) and does not read 32-bit samples; this
/// loop checks every run against its segment.
pub(super) fn decode_rle(frag: &[u8], pixels: usize, bytes: usize, spp: usize) -> Result<Vec<u8>, LoadError> {
    let segments = bytes * spp;
    let bad = |m: String| LoadError::Invalid(format!("the RLE-compressed pixel data is damaged: {m}"));
    if frag.len() < 64 {
        return Err(LoadError::TruncatedStream { format: FORMAT, detail: "the RLE header (64 bytes) is cut off".into() });
    }
    let n = u32_at(frag, 0).unwrap_or(0) as usize;
    if n != segments {
        return Err(bad(format!("{n} segments where {segments} are expected")));
    }
    let mut offsets: Vec<usize> = (0..n).map(|i| u32_at(frag, 4 + 4 * i).unwrap_or(0) as usize).collect();
    offsets.push(frag.len());
    let mut out = vec![0u8; pixels * segments];
    for (s, w) in offsets.windows(2).enumerate() {
        if w[0] < 64 || w[0] > w[1] {
            return Err(bad(format!("segment offsets {} and {} are out of order or inside the header", w[0], w[1])));
        }
        let Some(seg) = frag.get(w[0]..w[1]) else {
            return Err(bad(format!("a segment ({}..{}) lies outside the {} bytes of the frame", w[0], w[1], frag.len())));
        };
        // Segment s holds byte `bytes - 1 - s % bytes` (little-endian position) of sample `s / bytes`.
        let byte = (s / bytes) * bytes + bytes - 1 - s % bytes;
        let (mut i, mut p) = (0usize, 0usize);
        while p < pixels {
            let Some(&h) = seg.get(i) else {
                return Err(bad(format!("a segment decodes to {p} bytes where {pixels} are needed")));
            };
            let h = h as i8;
            if h >= 0 {
                let run = h as usize + 1;
                let Some(literal) = seg.get(i + 1..i + 1 + run) else {
                    return Err(bad("a literal run goes past the end of its segment".into()));
                };
                for &v in literal.iter().take(pixels - p) {
                    out[p * segments + byte] = v;
                    p += 1;
                }
                i += 1 + run;
            } else if h == -128 {
                i += 1;
            } else {
                let Some(&v) = seg.get(i + 1) else {
                    return Err(bad("a repeat run goes past the end of its segment".into()));
                };
                for _ in 0..(1 - i64::from(h)).min((pixels - p) as i64) {
                    out[p * segments + byte] = v;
                    p += 1;
                }
                i += 2;
            }
        }
    }
    Ok(out)
}

/// The JPEG 2000 codestream of a frame: the bytes themselves, or the contiguous codestream box (`jp2c`) of a JP2 file.
fn j2k_codestream(b: &[u8]) -> Option<&[u8]> {
    if b.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Some(b);
    }
    // JP2 boxes: a 4-byte length (0: to the end; 1: an 8-byte length follows) and a 4-byte type.
    let mut pos = 0usize;
    while pos + 8 <= b.len() {
        let len = u32::from_be_bytes([b[pos], b[pos + 1], b[pos + 2], b[pos + 3]]) as u64;
        let (len, header) = match len {
            0 => ((b.len() - pos) as u64, 8),
            1 => (u64::from_be_bytes(b.get(pos + 8..pos + 16)?.try_into().ok()?), 16),
            l => (l, 8),
        };
        if &b[pos + 4..pos + 8] == b"jp2c" {
            return b.get(pos + header..).filter(|c| c.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]));
        }
        if len < header as u64 {
            return None;
        }
        pos = pos.checked_add(usize::try_from(len).ok()?)?;
    }
    None
}

/// Largest number of tiles x components accepted in a JPEG 2000 frame. Decoders allocate tile and component coding
/// structures for every tile the SIZ segment declares, before reading any of them; DICOM images use one tile or a
/// few dozen.
const MAX_J2K_TILE_COMPONENTS: u64 = 1 << 14;

/// Checks a JPEG 2000 frame's SIZ segment against the DICOM header before the decoder sees it: the image size, the
/// number of components (`spp`), full-resolution components of at most 16 bits, and a bounded tile count, so that
/// the decoder's allocations are bounded by the memory budget already checked for Rows x Columns. Hand-written: no
/// crate reads a J2K header without decoding, and the SIZ segment is a fixed table (ISO 15444-1 A.5.1).
fn j2k_check(stream: &[u8], k: usize, (rows, columns): (i64, i64), spp: u8) -> Result<(), LoadError> {
    let damaged = |m: &str| LoadError::Invalid(format!("the JPEG 2000 data of frame {} is damaged: {m}", k + 1));
    let Some(cs) = j2k_codestream(stream) else {
        return Err(damaged("it does not start with a JPEG 2000 codestream (SOC and SIZ markers)"));
    };
    let u32_be = |p: usize| cs.get(p..p + 4).map(|v| u32::from_be_bytes([v[0], v[1], v[2], v[3]]));
    let u16_be = |p: usize| cs.get(p..p + 2).map(|v| u16::from_be_bytes([v[0], v[1]]));
    // After SOC (2 bytes) and the SIZ marker (2): Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz, Csiz.
    let field = |i: usize| u32_be(8 + 4 * i);
    let (Some(x), Some(y), Some(xo), Some(yo), Some(xt), Some(yt), Some(xto), Some(yto), Some(c)) =
        (field(0), field(1), field(2), field(3), field(4), field(5), field(6), field(7), u16_be(40))
    else {
        return Err(damaged("its SIZ header is cut off"));
    };
    let (w, h) = (i64::from(x) - i64::from(xo), i64::from(y) - i64::from(yo));
    if (h, w) != (rows, columns) {
        return Err(LoadError::Invalid(format!(
            "the JPEG 2000 image of frame {} is {w} x {h} pixels but the DICOM header says {columns} x {rows}",
            k + 1
        )));
    }
    if c != u16::from(spp) {
        return Err(LoadError::Invalid(format!(
            "the JPEG 2000 image of frame {} has {c} component(s) but the DICOM header says {spp} (SamplesPerPixel)",
            k + 1
        )));
    }
    for i in 0..usize::from(c) {
        let Some(comp) = cs.get(42 + 3 * i..45 + 3 * i) else { return Err(damaged("its SIZ header is cut off")) };
        let precision = (comp[0] & 0x7F) + 1;
        if precision > 16 {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!("JPEG 2000 samples of {precision} bits (at most 16 are read)"),
            });
        }
        if comp[1] != 1 || comp[2] != 1 {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!("JPEG 2000 with a subsampled component ({} x {})", comp[1], comp[2]),
            });
        }
    }
    if xt == 0 || yt == 0 || xto > xo || yto > yo {
        return Err(damaged("its tile grid is impossible"));
    }
    // x > xo >= xto and y > yo >= yto here (the size matched a non-empty image); products saturate, as 2^32 tiles per
    // axis are possible in a forged header.
    let tiles = u64::from(x - xto).div_ceil(u64::from(xt)).saturating_mul(u64::from(y - yto).div_ceil(u64::from(yt)));
    if tiles.saturating_mul(u64::from(c)) > MAX_J2K_TILE_COMPONENTS {
        return Err(LoadError::Unsupported {
            format: FORMAT,
            what: format!("JPEG 2000 cut into {tiles} tiles (RadLearn reads up to {MAX_J2K_TILE_COMPONENTS} tiles per component)"),
        });
    }
    Ok(())
}

/// Decodes one JPEG 2000 frame (checked by [`j2k_check`]) with hayro-jpeg2000 into stored values, `spp` samples
/// per pixel interleaved. The decoder's own sizes are checked again before its buffers are read. It gives every
/// component as unsigned floats (it adds 2^(precision-1) to signed components too, and does not clamp a lossy
/// reconstruction); here they are rounded and clamped to the component's range, as OpenJPEG does, and a signed
/// component (the sign bit of its Ssiz in the SIZ segment) is shifted back. When the codestream's signedness
/// disagrees with PixelRepresentation (`signed`), the DICOM header wins, as in pydicom and GDCM: the component's bits
/// are reinterpreted in two's complement (or as unsigned) at the component's precision.
pub(super) fn j2k_frame(stream: &[u8], k: usize, (rows, columns): (i64, i64), spp: u8, signed: bool) -> Result<Vec<f64>, LoadError> {
    let undecodable = |e: String| LoadError::Invalid(format!("the JPEG 2000 data of frame {} could not be decoded ({e})", k + 1));
    // Palette indices stay indices: DICOM describes colour in its own header.
    let settings = hayro_jpeg2000::DecodeSettings { resolve_palette_indices: false, ..Default::default() };
    let image = hayro_jpeg2000::Image::new(stream, &settings).map_err(|e| undecodable(e.to_string()))?;
    let mut ctx = hayro_jpeg2000::DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(|e| undecodable(e.to_string()))?;
    let comps = decoded.components();
    let n = (rows * columns) as usize;
    let sizes_agree = (i64::from(image.height()), i64::from(image.width())) == (rows, columns);
    if !sizes_agree || comps.len() != usize::from(spp) || comps.iter().any(|c| c.samples().len() < n || c.bit_depth() > 16) {
        return Err(LoadError::Invalid(format!(
            "the JPEG 2000 data of frame {} decoded to {} component(s) of another size than {columns} x {rows}",
            k + 1,
            comps.len()
        )));
    }
    // The Ssiz byte of each component: after SOC, SIZ, Lsiz, Rsiz, eight 32-bit sizes and Csiz (ISO 15444-1 A.5.1).
    let codestream = j2k_codestream(stream).unwrap_or_default();
    let mut out = vec![0.0; n * comps.len()];
    for (c, comp) in comps.iter().enumerate() {
        let precision = comp.bit_depth().max(1);
        let full = 1i64 << precision;
        let stream_signed = codestream.get(42 + 3 * c).is_some_and(|ssiz| ssiz & 0x80 != 0);
        let shift = if stream_signed { full / 2 } else { 0 };
        let reinterpret = |v: i64| match (signed, stream_signed) {
            (true, false) if v >= full / 2 => v - full,
            (false, true) if v < 0 => v + full,
            _ => v,
        };
        for (p, &v) in comp.samples().iter().take(n).enumerate() {
            // NaN (never produced for a checked frame) becomes 0 through `as`.
            let unsigned = (f64::from(v).round() as i64).clamp(0, full - 1);
            out[p * comps.len() + c] = reinterpret(unsigned - shift) as f64;
        }
    }
    Ok(out)
}

/// The first start-of-frame segment of a JPEG stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sof {
    /// C0 baseline, C1 extended, C2 progressive, C3 lossless, F7 JPEG-LS...
    marker: u8,
    precision: u8,
    height: u16,
    width: u16,
    /// Components per pixel (1 for grey levels).
    components: u8,
}

/// The first start-of-frame marker of a JPEG stream (baseline, extended, lossless, JPEG-LS), if one is found.
/// Hand-written: reading a few numbers after a marker does not justify a JPEG parser.
fn jpeg_frame(b: &[u8]) -> Option<Sof> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2; // after SOI
    loop {
        // Any marker may be preceded by fill bytes (0xFF).
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        // Markers without a length: TEM, RSTn, SOI, EOI.
        if matches!(marker, 0x01 | 0xD0..=0xD9) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        let is_sof = matches!(marker, 0xC0..=0xCF | 0xF7) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let f = b.get(i + 4..i + 10)?;
            return Some(Sof {
                marker,
                precision: f[0],
                height: u16::from_be_bytes([f[1], f[2]]),
                width: u16::from_be_bytes([f[3], f[4]]),
                components: f[5],
            });
        }
        i += 2 + len;
    }
}

/// The bytes dicom-rs's JPEG adapter decodes for frame `k`: the frame's own fragment when there is one fragment, or
/// one per frame; otherwise the fragments from the frame's offset in the basic offset table to the next frame's.
pub(super) fn jpeg_frame_stream<'a>(fragments: &'a [Vec<u8>], offsets: &[u32], frames: usize, k: usize) -> std::borrow::Cow<'a, [u8]> {
    if fragments.len() == 1 || fragments.len() == frames {
        return std::borrow::Cow::Borrowed(fragments.get(k).map_or(&[][..], |f| &f[..]));
    }
    let start = offsets.get(k).copied().unwrap_or(0) as usize;
    let next = offsets.get(k + 1).map(|&o| o as usize);
    let (mut offset, mut out) = (0usize, Vec::new());
    for f in fragments {
        if offset >= start {
            out.extend_from_slice(f);
        }
        // Each fragment is preceded by an 8-byte item header.
        offset += f.len() + 8;
        if next.is_some_and(|n| offset >= n) {
            break;
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    /// A JPEG 2000 codestream start: SOC, SIZ with the given size, tile size and components (precision, XRsiz, YRsiz).
    fn siz(w: u32, h: u32, tile: u32, comps: &[(u8, u8, u8)]) -> Vec<u8> {
        let mut b = vec![0xFF, 0x4F, 0xFF, 0x51];
        b.extend_from_slice(&(38 + 3 * comps.len() as u16).to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        for v in [w, h, 0, 0, tile, tile, 0, 0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&(comps.len() as u16).to_be_bytes());
        for &(bits, xr, yr) in comps {
            b.extend_from_slice(&[bits - 1, xr, yr]);
        }
        b
    }

    #[test]
    fn jpeg2000_headers_are_checked_before_decoding() {
        let grey = [(16, 1, 1)];
        assert!(j2k_check(&siz(32, 16, 32, &grey), 0, (16, 32), 1).is_ok());
        let e = j2k_check(&siz(32, 17, 32, &grey), 0, (16, 32), 1).unwrap_err();
        assert!(e.to_string().contains("is 32 x 17 pixels but the DICOM header says 32 x 16"), "{e}");
        let e = j2k_check(&siz(32, 16, 32, &[(8, 1, 1); 3]), 0, (16, 32), 1).unwrap_err();
        assert!(e.to_string().contains("3 component(s) but the DICOM header says 1"), "{e}");
        assert!(j2k_check(&siz(32, 16, 32, &[(8, 1, 1); 3]), 0, (16, 32), 3).is_ok());
        assert!(matches!(j2k_check(&siz(32, 16, 32, &[(8, 2, 1)]), 0, (16, 32), 1), Err(LoadError::Unsupported { .. })));
        assert!(matches!(j2k_check(&siz(32, 16, 32, &[(24, 1, 1)]), 0, (16, 32), 1), Err(LoadError::Unsupported { .. })));
        // 1 x 1 tiles: 512 tiles are fine, 2^20 are not (a decoder would allocate them all up front).
        assert!(j2k_check(&siz(32, 16, 1, &grey), 0, (16, 32), 1).is_ok());
        assert!(matches!(j2k_check(&siz(1024, 1024, 1, &grey), 0, (1024, 1024), 1), Err(LoadError::Unsupported { .. })));
        assert!(j2k_check(&siz(32, 16, 0, &grey), 0, (16, 32), 1).is_err(), "zero tile size");
        assert!(j2k_check(&siz(32, 16, 32, &grey)[..30], 0, (16, 32), 1).is_err(), "cut-off SIZ");
        // A JP2 file: the codestream box is found.
        let mut jp2 = vec![0, 0, 0, 12, b'j', b'P', b' ', b' ', 0x0D, 0x0A, 0x87, 0x0A];
        jp2.extend_from_slice(&[0, 0, 0, 0, b'j', b'p', b'2', b'c']);
        jp2.extend_from_slice(&siz(32, 16, 32, &grey));
        assert!(j2k_check(&jp2, 0, (16, 32), 1).is_ok());
    }

    #[test]
    fn rle_and_jpeg_headers_are_checked() {
        // One segment of 4 pixels: a literal run of 2 then a repeat run of 2.
        let mut frag = vec![0u8; 64];
        frag[0] = 1;
        frag[4] = 64;
        frag.extend_from_slice(&[1, 10, 20, 0xFF, 30]);
        assert_eq!(decode_rle(&frag, 4, 1, 1).unwrap(), vec![10, 20, 30, 30]);
        assert!(decode_rle(&frag, 5, 1, 1).is_err(), "decodes to only 4 bytes");
        assert!(decode_rle(&frag, 4, 2, 1).is_err(), "wrong segment count");
        assert!(decode_rle(&frag[..66], 4, 1, 1).is_err(), "literal run cut off");
        // Two segments (16-bit samples): the first holds the high bytes.
        let mut two = vec![0u8; 64];
        two[0] = 2;
        two[4] = 64;
        two[8] = 66;
        two.extend_from_slice(&[0xFF, 1, 1, 7, 9]);
        assert_eq!(decode_rle(&two, 2, 2, 1).unwrap(), vec![7, 1, 9, 1]);
        // Two 8-bit samples per pixel: one segment per sample, interleaved in the output.
        assert_eq!(decode_rle(&two, 2, 1, 2).unwrap(), vec![1, 7, 1, 9]);
        let sof = [0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 32, 1, 1, 0x11, 0];
        assert_eq!(jpeg_frame(&sof), Some(Sof { marker: 0xC0, precision: 8, height: 16, width: 32, components: 1 }));
        assert_eq!(jpeg_frame(&sof[..6]), None);
        // Fill bytes before a marker are allowed.
        let filled = [&sof[..2], &[0xFF, 0xFF][..], &sof[2..]].concat();
        assert_eq!(jpeg_frame(&filled).map(|s| (s.width, s.height)), Some((32, 16)));
        // A stream split over fragments is assembled as the decoder sees it.
        let parts = vec![sof[..4].to_vec(), sof[4..].to_vec()];
        assert_eq!(&*jpeg_frame_stream(&parts, &[], 1, 0), &sof[..]);
        assert_eq!(&*jpeg_frame_stream(&parts, &[], 2, 1), &sof[4..]);
    }
}
