//! Pixel data to rescaled frames: the image attributes, where each frame lies and how it is rescaled, native
//! samples and colour; compressed frames go through `codecs`.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use dicom_pixeldata::{ConvertOptions, ModalityLutOption, PixelDecoder};
use dicom_transfer_syntax_registry::{TransferSyntaxIndex, TransferSyntaxRegistry};

use super::attrs::{first_item, float, floats, identifying_tags, int, text, vec_n};
use super::codecs::{check_compressed_headers, decode_rle, j2k_frame, jpeg_frame_stream};
use super::guard::truncated;
use super::series::{cross, Slice};
use super::{not_an_image, FORMAT, JPEG2000, JPEG2000_LOSSLESS, JPEG_BASELINE, JPEG_EXTENDED, RLE_LOSSLESS};
use crate::io::error::{LoadError, LoadOptions};

/// Luminance of an RGB colour (ITU-R BT.601, the weights of DICOM's YBR_FULL), for features of colour images.
const LUMA: [f64; 3] = [0.299, 0.587, 0.114];

pub(super) fn slice_from(obj: &DefaultDicomObject, opts: &LoadOptions) -> Result<Slice, LoadError> {
    let Some(pixel) = obj.get(tags::PIXEL_DATA) else {
        return Err(not_an_image(obj));
    };
    let image = ImageAttributes::read(obj, opts)?;
    let encoding = Encoding::of(obj, pixel, &image)?;
    let layout = frame_layout(obj, image.frames)?;
    let kept: Vec<(usize, (f64, f64))> = layout.frames.iter().map(|f| (f.index, f.rescale)).collect();
    let pixels = Pixels {
        obj,
        pixel,
        image: &image,
        encoding: &encoding,
        px: PixelFormat::of(obj, image.bits),
        kept: &kept,
        offsets: pixel.value().offset_table().unwrap_or(&[]),
    };
    let mut data: Vec<f32> = Vec::new();
    data.try_reserve_exact(image.n * kept.len()).map_err(|_| LoadError::TooLarge {
        what: "the DICOM image".into(),
        claimed: Some((image.n * kept.len() * 4) as u64),
        budget: opts.max_bytes,
    })?;
    let mut rgb: Vec<[u8; 3]> = Vec::new();
    let mut warnings = layout.warnings;
    match &image.colour {
        Some(photometric) => warnings.push(pixels.colour(photometric, opts, &mut data, &mut rgb)?),
        None => pixels.grey(&mut data)?,
    }
    let modality = text(obj, tags::MODALITY);
    let units = match modality.as_deref() {
        Some("CT") => Some("HU".to_string()),
        Some("RTDOSE") if text(obj, tags::DOSE_UNITS).is_some_and(|u| u.eq_ignore_ascii_case("GY")) => Some("Gy".to_string()),
        _ => None,
    };
    let first = &layout.frames[0];
    Ok(Slice {
        series_uid: text(obj, tags::SERIES_INSTANCE_UID).unwrap_or_default(),
        frame_of_reference: text(obj, tags::FRAME_OF_REFERENCE_UID),
        position: first.position,
        orientation: layout.orientation,
        pixel_spacing: layout.pixel_spacing,
        rows: image.rows as usize,
        columns: image.columns as usize,
        slice_thickness: layout.thickness,
        instance_number: int(obj, tags::INSTANCE_NUMBER),
        rescale: first.rescale,
        modality,
        units,
        series_description: text(obj, tags::SERIES_DESCRIPTION),
        identifying: identifying_tags(obj),
        frame_positions: if layout.multi { layout.frames.iter().map(|f| f.position).collect() } else { Vec::new() },
        warnings,
        data,
        rgb,
    })
}

/// The image pixel attributes: size, frames, samples and bits, checked against what RadLearn reads and the budget.
struct ImageAttributes {
    rows: i64,
    columns: i64,
    frames: usize,
    /// Pixels per frame.
    n: usize,
    /// The photometric interpretation of a colour image (`None`: grey levels).
    colour: Option<String>,
    /// BitsAllocated: 8, 16 or 32.
    bits: u64,
    bytes_per: usize,
}

impl ImageAttributes {
    fn read(obj: &DefaultDicomObject, opts: &LoadOptions) -> Result<ImageAttributes, LoadError> {
        let missing = |what: &str| LoadError::Invalid(format!("the DICOM file has no {what}"));
        let rows = int(obj, tags::ROWS).ok_or_else(|| missing("Rows"))?;
        let columns = int(obj, tags::COLUMNS).ok_or_else(|| missing("Columns"))?;
        if rows < 1 || columns < 1 {
            return Err(LoadError::Invalid(format!("the DICOM image is {columns} x {rows} pixels")));
        }
        // An unreadable NumberOfFrames (e.g. "1A") counts as one frame, as before multi-frame files were read.
        let frames = int(obj, tags::NUMBER_OF_FRAMES).unwrap_or(1);
        if frames < 1 {
            return Err(LoadError::Invalid(format!("NumberOfFrames (0028,0008) is {frames}")));
        }
        let colour = colour_of(obj)?;
        let bits = int(obj, tags::BITS_ALLOCATED).unwrap_or(16).clamp(1, 64) as u64;
        if !matches!(bits, 8 | 16 | 32) {
            return Err(LoadError::Unsupported {
                format: FORMAT,
                what: format!(
                    "{bits}-bit pixels (BitsAllocated {bits}; e.g. a binary segmentation): RadLearn reads 8, 16 and 32-bit images"
                ),
            });
        }
        let bytes_per = bits / 8;
        // Every frame counts against the budget, before any frame table or pixel buffer is built; a colour image
        // also keeps 3 bytes per pixel for display.
        let kept_bytes = if colour.is_some() { 3 * bytes_per + 3 } else { bytes_per };
        opts.check_voxels([columns as u64, rows as u64, frames as u64], kept_bytes, "the DICOM image")?;
        let (n, frames, bytes_per) = ((rows * columns) as usize, frames as usize, bytes_per as usize);
        Ok(ImageAttributes { rows, columns, frames, n, colour, bits, bytes_per })
    }

    /// Samples per pixel as stored: 3 for colour, else 1.
    fn spp(&self) -> usize {
        if self.colour.is_some() {
            3
        } else {
            1
        }
    }
}

/// The photometric interpretation of a colour image, `None` for grey levels, or why the samples cannot be read.
fn colour_of(obj: &DefaultDicomObject) -> Result<Option<String>, LoadError> {
    let spp = int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    let photometric = text(obj, tags::PHOTOMETRIC_INTERPRETATION)
        .map_or_else(|| if spp == 3 { "RGB" } else { "MONOCHROME2" }.to_string(), |p| p.to_ascii_uppercase());
    match (spp, photometric.as_str()) {
        (1, "PALETTE COLOR") => Err(LoadError::Unsupported {
            format: FORMAT,
            what: "palette colour (PALETTE COLOR: grey-level indices into a colour table)".into(),
        }),
        (1, _) => Ok(None),
        (3, "RGB" | "YBR_FULL" | "YBR_FULL_422" | "YBR_ICT" | "YBR_RCT") => Ok(Some(photometric)),
        (3, p) => Err(LoadError::Unsupported { format: FORMAT, what: format!("the colour encoding {p}") }),
        _ => Err(LoadError::Unsupported {
            format: FORMAT,
            what: format!("{spp} samples per pixel ({photometric}): RadLearn reads grey-level (1) and colour (3) images"),
        }),
    }
}

/// How the pixel data is stored: the transfer syntax, and the fragments of encapsulated (compressed) data.
struct Encoding<'a> {
    ts_uid: String,
    ts_name: &'static str,
    /// The registry's uid of the transfer syntax (compare with the constants of `super`).
    uid: &'static str,
    encapsulated: bool,
    j2k: bool,
    /// Native YBR_FULL_422: two luminance samples and one pair of chrominance samples per two pixels.
    ybr422_native: bool,
    samples_per_frame: usize,
    fragments: &'a [Vec<u8>],
}

impl<'a> Encoding<'a> {
    /// The encoding of `pixel`, refused when no pure-Rust decoder reads it or when it does not hold every frame the
    /// header claims (this also bounds the frame count by the file size).
    fn of(obj: &DefaultDicomObject, pixel: &'a InMemElement, image: &ImageAttributes) -> Result<Encoding<'a>, LoadError> {
        let ts_uid = obj.meta().transfer_syntax().trim_end_matches('\0').to_string();
        let ts = match TransferSyntaxRegistry.get(&ts_uid) {
            None => return Err(LoadError::Unsupported { format: FORMAT, what: format!("the unknown transfer syntax {ts_uid}") }),
            // JPEG 2000 is decoded here (`j2k_frame`), not by the registry's adapter.
            Some(ts) if !ts.can_decode_all() && !matches!(ts.uid(), JPEG2000_LOSSLESS | JPEG2000) => {
                return Err(LoadError::Unsupported {
                    format: FORMAT,
                    what: format!("the transfer syntax {} ({}), for which no pure-Rust decoder is available", ts.name(), ts.uid()),
                })
            }
            Some(ts) => ts,
        };
        let encapsulated = ts.is_encapsulated_pixel_data();
        let ybr422_native = !encapsulated && image.colour.as_deref() == Some("YBR_FULL_422");
        let (rows, columns, frames) = (image.rows, image.columns, image.frames);
        if ybr422_native && columns % 2 == 1 {
            return Err(LoadError::Invalid(format!("YBR_FULL_422 pixel data needs an even number of columns, not {columns}")));
        }
        let samples_per_frame = if ybr422_native { 2 * image.n } else { image.n * image.spp() };
        let fragments: &[Vec<u8>] = if encapsulated { pixel.value().fragments().unwrap_or(&[]) } else { &[] };
        if encapsulated {
            if fragments.len() < frames {
                return Err(LoadError::TruncatedStream {
                    format: FORMAT,
                    detail: format!(
                        "the compressed pixel data holds {} fragment(s) for {frames} frame(s) (NumberOfFrames)",
                        fragments.len()
                    ),
                });
            }
        } else {
            let need = (samples_per_frame * frames * image.bytes_per) as u64;
            let have = pixel.header().len.get().map_or(0, u64::from);
            if have < need {
                let what = if frames == 1 { String::new() } else { format!("{frames} frames of ") };
                let bits = image.bits;
                return Err(truncated(&format!("the pixel data should hold {what}{columns} x {rows} pixels of {bits} bits"), need, have));
            }
        }
        Ok(Encoding {
            ts_uid,
            ts_name: ts.name(),
            uid: ts.uid(),
            encapsulated,
            j2k: matches!(ts.uid(), JPEG2000_LOSSLESS | JPEG2000),
            ybr422_native,
            samples_per_frame,
            fragments,
        })
    }
}

/// What decoding the kept frames of a file needs.
struct Pixels<'a> {
    obj: &'a DefaultDicomObject,
    pixel: &'a InMemElement,
    image: &'a ImageAttributes,
    encoding: &'a Encoding<'a>,
    px: PixelFormat,
    /// The frames kept: (index, (slope, intercept)).
    kept: &'a [(usize, (f64, f64))],
    /// The basic offset table of encapsulated data.
    offsets: &'a [u32],
}

impl Pixels<'_> {
    /// Checks the compressed frames' own headers against the image attributes (`spp` samples per pixel).
    fn check_headers(&self, spp: u8) -> Result<(), LoadError> {
        let (e, i) = (self.encoding, self.image);
        check_compressed_headers(
            self.obj,
            &e.ts_uid,
            e.ts_name,
            e.fragments,
            self.offsets,
            i.frames,
            self.kept,
            (i.rows, i.columns),
            i.bits,
            spp,
        )
    }

    /// Frame `k` decoded by dicom-pixeldata (JPEG and the other registered codecs).
    fn registry_frame(&self, k: usize) -> Result<dicom_pixeldata::DecodedPixelData<'_>, LoadError> {
        let e = self.encoding;
        self.obj.decode_pixel_data_frame(k as u32).map_err(|err| {
            LoadError::Dicom(format!("the pixel data (transfer syntax {}, {}) could not be decoded: {err}", e.ts_name, e.ts_uid))
        })
    }

    fn raw_bytes(&self) -> Result<std::borrow::Cow<'_, [u8]>, LoadError> {
        self.pixel.value().to_bytes().map_err(|e| LoadError::Dicom(format!("the pixel data is not a byte array: {e}")))
    }

    /// Appends the rescaled grey levels of the kept frames to `data`.
    fn grey(&self, data: &mut Vec<f32>) -> Result<(), LoadError> {
        let (e, n, px) = (self.encoding, self.image.n, self.px);
        if !e.encapsulated {
            return native_frames(&self.raw_bytes()?, n, px, self.kept, data);
        }
        if e.uid == RLE_LOSSLESS {
            // RLE: one fragment per frame (PS3.5 A.4.2).
            for &(k, rescale) in self.kept {
                let raw = decode_rle(&e.fragments[k], n, self.image.bytes_per, 1)?;
                native_frames(&raw, n, px, &[(0, rescale)], data)?;
            }
            return Ok(());
        }
        self.check_headers(1)?;
        let (rows, columns, frames) = (self.image.rows, self.image.columns, self.image.frames);
        for &(k, (slope, intercept)) in self.kept {
            if e.j2k {
                let stored = j2k_frame(&jpeg_frame_stream(e.fragments, self.offsets, frames, k), k, (rows, columns), 1, px.signed)?;
                data.extend(stored.iter().map(|&v| (v * slope + intercept) as f32));
                continue;
            }
            let stored: Vec<f32> = self
                .registry_frame(k)?
                .to_vec_with_options(&ConvertOptions::new().with_modality_lut(ModalityLutOption::None))
                .map_err(|e| LoadError::Dicom(format!("pixel data: {e}")))?;
            if stored.len() < n {
                return Err(truncated("the pixel data is shorter than Rows x Columns", n as u64, stored.len() as u64));
            }
            data.extend(stored[..n].iter().map(|&v| (f64::from(v) * slope + intercept) as f32));
        }
        Ok(())
    }

    /// Appends the luminance of the kept frames to `data` and their colours to `rgb`; returns the warning that says
    /// so.
    fn colour(&self, photometric: &str, opts: &LoadOptions, data: &mut Vec<f32>, rgb: &mut Vec<[u8; 3]>) -> Result<String, LoadError> {
        let (e, n, px) = (self.encoding, self.image.n, self.px);
        self.check_headers(3)?;
        // The decoders of JPEG and (with a multi-component transform) JPEG 2000 give RGB whatever the header's YBR.
        let decoded_rgb = matches!(e.uid, JPEG_BASELINE | JPEG_EXTENDED)
            || (e.j2k && matches!(photometric, "YBR_ICT" | "YBR_RCT"))
            || (e.encapsulated && !e.j2k && e.uid != RLE_LOSSLESS);
        let space = match photometric {
            _ if decoded_rgb => Space::Rgb,
            "YBR_FULL_422" if e.ybr422_native => Space::Ybr422,
            "YBR_FULL" | "YBR_FULL_422" => Space::Ybr,
            _ => Space::Rgb,
        };
        let planar = !e.encapsulated && int(self.obj, tags::PLANAR_CONFIGURATION) == Some(1);
        let raw = if e.encapsulated { Vec::new() } else { self.raw_bytes()?.into_owned() };
        rgb.try_reserve_exact(n * self.kept.len()).map_err(|_| LoadError::TooLarge {
            what: "the DICOM colour image".into(),
            claimed: Some((n * self.kept.len() * 3) as u64),
            budget: opts.max_bytes,
        })?;
        let bytes_per = self.image.bytes_per;
        for &(k, _) in self.kept {
            let samples: Vec<f64> = if !e.encapsulated {
                let frame_bytes = e.samples_per_frame * bytes_per;
                let frame = raw.get(k * frame_bytes..(k + 1) * frame_bytes).ok_or_else(|| {
                    truncated(&format!("frame {} of the pixel data is cut off", k + 1), frame_bytes as u64, raw.len() as u64)
                })?;
                frame.chunks_exact(bytes_per).map(|b| px.value(b) as f64).collect()
            } else if e.uid == RLE_LOSSLESS {
                decode_rle(&e.fragments[k], n, bytes_per, 3)?.chunks_exact(bytes_per).map(|b| px.value(b) as f64).collect()
            } else if e.j2k {
                let (rows, columns) = (self.image.rows, self.image.columns);
                j2k_frame(&jpeg_frame_stream(e.fragments, self.offsets, self.image.frames, k), k, (rows, columns), 3, px.signed)?
            } else {
                self.registry_frame(k)?.data().iter().map(|&v| f64::from(v)).collect()
            };
            let max = ((1u64 << px.bits_stored.min(32)) - 1) as f64;
            colour_frame(&samples, n, space, planar, max, data, rgb)?;
        }
        let via = if space == Space::Rgb { String::new() } else { format!(" (converted from {photometric} to RGB)") };
        Ok(format!(
            "this is a colour image{via}: the viewer shows its colours, and features use its luminance, converted from RGB as \
             Y = 0.299 R + 0.587 G + 0.114 B"
        ))
    }
}

/// One frame kept from a file.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// Index of the frame in the pixel data.
    index: usize,
    position: [f64; 3],
    /// Rescale slope and intercept of this frame.
    rescale: (f64, f64),
}

/// Where the frames of a file lie and how their values are rescaled.
struct FrameLayout {
    /// Kept frames, in file order (never empty).
    frames: Vec<Frame>,
    /// Whether the file holds several frames (or is an enhanced image): the positions are per frame.
    multi: bool,
    orientation: [f64; 6],
    pixel_spacing: [f64; 2],
    thickness: Option<f64>,
    warnings: Vec<String>,
}

/// Geometry and rescale of every frame.
///
/// - Enhanced images (CT, MR, PET...): the Plane Position, Plane Orientation, Pixel Measures and Pixel Value
///   Transformation functional groups, per frame (5200,9230) or shared (5200,9229), falling back on the top-level
///   attributes.
/// - RT Dose: GridFrameOffsetVector (3004,000C), offsets along the slice normal relative to the first frame (the
///   first offset is 0, or the first frame's z when the offsets are absolute: either way `offset - offset[0]`), and
///   DoseGridScaling (3004,000E) as the rescale slope.
/// - Other multi-frame files without positions (NM, US-like, secondary capture): the frames are stacked at
///   SpacingBetweenSlices, SliceThickness or 1 mm, with a warning that the spacing is a guess.
///
/// Several stacks in one file (other orientations, another StackID, or a position repeated for time points or
/// echoes): the first stack is taken (frame 1's orientation and stack, the first frame at each position) with a
/// warning, rather than an error, so that a student still sees the image; the warning says what was left out.
fn frame_layout(obj: &InMemDicomObject, frames: usize) -> Result<FrameLayout, LoadError> {
    let per = obj.get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).and_then(|e| e.items());
    if let Some(p) = per {
        if p.len() != frames {
            return Err(LoadError::Invalid(format!(
                "the Per-frame Functional Groups Sequence (5200,9230) has {} item(s) for {frames} frame(s) (NumberOfFrames); \
                 every frame needs its own item",
                p.len()
            )));
        }
    }
    let shared = first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    // A functional group macro of frame k: its per-frame item, else the shared one.
    let group = |k: usize, tag: Tag| {
        per.and_then(|p| p.get(k)).and_then(|i| first_item(i, tag)).or_else(|| shared.and_then(|s| first_item(s, tag)))
    };
    let measures = group(0, tags::PIXEL_MEASURES_SEQUENCE);
    let measure = |tag: Tag| measures.and_then(|m| floats(m, tag)).or_else(|| floats(obj, tag));
    let positive = |v: Option<Vec<f64>>| v.and_then(|v| v.first().copied()).filter(|t| t.is_finite() && *t > 0.0);
    let pixel_spacing = measure(tags::PIXEL_SPACING).filter(|v| v.len() >= 2).map(|v| [v[1], v[0]]);
    let thickness = positive(measure(tags::SLICE_THICKNESS));
    let between = positive(measure(tags::SPACING_BETWEEN_SLICES));
    let top_position = vec_n::<3>(obj, tags::IMAGE_POSITION_PATIENT);
    let top_orientation = vec_n::<6>(obj, tags::IMAGE_ORIENTATION_PATIENT);
    let top_rescale = match float(obj, tags::DOSE_GRID_SCALING) {
        Some(s) => (s, 0.0),
        None => (float(obj, tags::RESCALE_SLOPE).unwrap_or(1.0), float(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0)),
    };
    let rescale_of = |k: usize| {
        group(k, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE)
            .map_or(top_rescale, |t| (float(t, tags::RESCALE_SLOPE).unwrap_or(1.0), float(t, tags::RESCALE_INTERCEPT).unwrap_or(0.0)))
    };
    let orientation_of = |k: usize| group(k, tags::PLANE_ORIENTATION_SEQUENCE).and_then(|i| vec_n::<6>(i, tags::IMAGE_ORIENTATION_PATIENT));
    let position_of = |k: usize| group(k, tags::PLANE_POSITION_SEQUENCE).and_then(|i| vec_n::<3>(i, tags::IMAGE_POSITION_PATIENT));
    let orientation = orientation_of(0).or(top_orientation).unwrap_or([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    let normal = cross([orientation[0], orientation[1], orientation[2]], [orientation[3], orientation[4], orientation[5]]);
    let mut warnings = Vec::new();
    let (frames_kept, multi) = if position_of(0).is_some() {
        // Enhanced image: one stack is kept.
        let stack_of = |k: usize| {
            per.and_then(|p| p.get(k)).and_then(|i| first_item(i, tags::FRAME_CONTENT_SEQUENCE)).and_then(|c| text(c, tags::STACK_ID))
        };
        let stack = stack_of(0);
        let mut seen = std::collections::HashSet::new();
        let mut kept = Vec::new();
        let (mut other_orientation, mut other_stack, mut repeated) = (0usize, 0usize, 0usize);
        for k in 0..frames {
            let position = position_of(k).ok_or_else(|| {
                LoadError::Invalid(format!(
                    "frame {} of {frames} has no position (PlanePositionSequence > ImagePositionPatient), although frame 1 has one",
                    k + 1
                ))
            })?;
            let o = orientation_of(k).or(top_orientation).unwrap_or(orientation);
            if o.iter().zip(&orientation).any(|(a, b)| (a - b).abs() > 1e-4) {
                other_orientation += 1;
            } else if stack_of(k) != stack {
                other_stack += 1;
            } else if !seen.insert(position.map(|c| (c * 100.0).round() as i64)) {
                repeated += 1;
            } else {
                kept.push(Frame { index: k, position, rescale: rescale_of(k) });
            }
        }
        if kept.len() < frames {
            let mut why = Vec::new();
            if other_orientation > 0 {
                why.push(format!("{other_orientation} with another orientation"));
            }
            if other_stack > 0 {
                why.push(format!("{other_stack} in other stacks"));
            }
            if repeated > 0 {
                why.push(format!("{repeated} at a position already taken (other time points or echoes)"));
            }
            warnings.push(format!(
                "this multi-frame file holds {frames} frames in several stacks; RadLearn took the first stack ({} frames) and left out {} \
                 ({}); export the stack you need as its own series to choose another",
                kept.len(),
                frames - kept.len(),
                why.join(", ")
            ));
        }
        (kept, true)
    } else if frames == 1 {
        (vec![Frame { index: 0, position: top_position.unwrap_or([0.0; 3]), rescale: rescale_of(0) }], false)
    } else if let Some(offsets) = floats(obj, tags::GRID_FRAME_OFFSET_VECTOR) {
        if offsets.len() < frames {
            return Err(LoadError::Invalid(format!(
                "the GridFrameOffsetVector (3004,000C) lists {} offset(s) for {frames} frames",
                offsets.len()
            )));
        }
        let origin = top_position.unwrap_or([0.0; 3]);
        let kept = (0..frames)
            .map(|k| {
                let d = offsets[k] - offsets[0];
                Frame { index: k, position: [0, 1, 2].map(|i| origin[i] + d * normal[i]), rescale: rescale_of(k) }
            })
            .collect();
        (kept, true)
    } else {
        let (spacing, source) = match (between, thickness) {
            (Some(s), _) => (s, "SpacingBetweenSlices"),
            (None, Some(t)) => (t, "SliceThickness"),
            (None, None) => (1.0, "no spacing in the file, so 1 mm"),
        };
        warnings.push(format!(
            "the file gives no position for its {frames} frames: they are stacked {spacing} mm apart ({source}); the slice spacing is \
             a guess, so check it before measuring sizes or volumes"
        ));
        let origin = top_position.unwrap_or([0.0; 3]);
        let kept = (0..frames)
            .map(|k| Frame { index: k, position: [0, 1, 2].map(|i| origin[i] + k as f64 * spacing * normal[i]), rescale: rescale_of(k) })
            .collect();
        (kept, true)
    };
    let nonfinite = |v: &[f64]| v.iter().any(|x| !x.is_finite());
    if nonfinite(&orientation)
        || pixel_spacing.is_some_and(|s| nonfinite(&s) || s[0] <= 0.0 || s[1] <= 0.0)
        || frames_kept.iter().any(|f| nonfinite(&f.position))
    {
        return Err(LoadError::Invalid("ImagePositionPatient, ImageOrientationPatient or PixelSpacing is not a valid number".into()));
    }
    if let Some(f) = frames_kept.iter().find(|f| !(f.rescale.0.is_finite() && f.rescale.1.is_finite())) {
        return Err(LoadError::Invalid(format!("RescaleSlope/Intercept are {}/{}", f.rescale.0, f.rescale.1)));
    }
    Ok(FrameLayout {
        frames: frames_kept,
        multi,
        orientation,
        pixel_spacing: pixel_spacing.unwrap_or([1.0, 1.0]),
        thickness: thickness.or(between),
        warnings,
    })
}

/// Layout of native (uncompressed) samples.
#[derive(Debug, Clone, Copy)]
struct PixelFormat {
    /// Bytes per sample: 1, 2 or 4 (BitsAllocated 8, 16, 32).
    bytes: usize,
    bits_stored: u32,
    /// Right shift that brings the stored bits to bit 0 (HighBit + 1 - BitsStored).
    shift: u32,
    signed: bool,
}

impl PixelFormat {
    fn of(obj: &InMemDicomObject, bits_allocated: u64) -> PixelFormat {
        let bits = bits_allocated as u32;
        let stored = int(obj, tags::BITS_STORED).filter(|&b| b >= 1 && b <= i64::from(bits)).map_or(bits, |b| b as u32);
        let high = int(obj, tags::HIGH_BIT).filter(|&h| h + 1 >= i64::from(stored) && h < i64::from(bits)).map_or(stored - 1, |h| h as u32);
        PixelFormat {
            bytes: (bits / 8) as usize,
            bits_stored: stored,
            shift: high + 1 - stored,
            signed: int(obj, tags::PIXEL_REPRESENTATION) == Some(1),
        }
    }

    /// The stored value of one little-endian sample of `self.bytes` bytes: masked to BitsStored, sign-extended when signed.
    fn value(&self, b: &[u8]) -> i64 {
        let raw = match *b {
            [x] => u64::from(x),
            [x, y] => u64::from(u16::from_le_bytes([x, y])),
            [x, y, z, w] => u64::from(u32::from_le_bytes([x, y, z, w])),
            _ => 0,
        };
        let v = (raw >> self.shift) & ((1u64 << self.bits_stored) - 1);
        if self.signed && (v >> (self.bits_stored - 1)) & 1 == 1 {
            v as i64 - (1i64 << self.bits_stored)
        } else {
            v as i64
        }
    }
}

/// Appends the rescaled values of the frames `frames` (index, (slope, intercept)) of native pixel data to `out`.
///
/// Hand-written rather than dicom-pixeldata: dicom-pixeldata 0.10 refuses BitsAllocated 32 ("must be 1, 8 or 16"),
/// which RT Dose and parametric maps use. Native pixel data is little-endian integers, frame after frame, so reading
/// it here (BitsStored masking, sign extension) is a few lines; it also decodes only the frames kept from a
/// multi-frame file, and rescales in f64 because 32-bit stored values do not fit an f32 exactly. dicom-object keeps
/// OW values as native-endian u16, which is little endian on every target RadLearn builds for (x86, ARM, wasm32);
/// big-endian files are refused before this point.
fn native_frames(raw: &[u8], n: usize, px: PixelFormat, frames: &[(usize, (f64, f64))], out: &mut Vec<f32>) -> Result<(), LoadError> {
    let frame_bytes = n * px.bytes;
    for &(k, (slope, intercept)) in frames {
        let frame = raw.get(k * frame_bytes..(k + 1) * frame_bytes).ok_or_else(|| {
            truncated(
                &format!("frame {} of the pixel data is cut off", k + 1),
                frame_bytes as u64,
                raw.len().saturating_sub(k * frame_bytes) as u64,
            )
        })?;
        out.extend(frame.chunks_exact(px.bytes).map(|b| (px.value(b) as f64 * slope + intercept) as f32));
    }
    Ok(())
}

/// How the three samples of a colour pixel are stored once decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    Rgb,
    /// YBR_FULL (and YBR_FULL_422 once decoded): luminance and two chrominance samples.
    Ybr,
    /// Native YBR_FULL_422: Y1 Y2 Cb Cr for each pair of pixels along a row.
    Ybr422,
}

/// Appends the luminance (to `lum`) and the 8-bit display colours (to `rgb`) of one colour frame of `n` pixels whose
/// stored samples (0 to `max`) are `s`: pixel by pixel (R G B...), plane by plane when `planar`, or per pair of
/// pixels for native YBR_FULL_422. YBR is converted to RGB with the equations of DICOM PS3.3 C.7.6.3.1.2; the
/// luminance of the unrounded RGB is [`LUMA`]'s weighted sum (for YBR it equals the stored Y). Hand-written because
/// dicom-pixeldata 0.10's conversion rounds to 8 bits and reads neither 32-bit samples nor RLE's segment layout.
fn colour_frame(
    s: &[f64],
    n: usize,
    space: Space,
    planar: bool,
    max: f64,
    lum: &mut Vec<f32>,
    rgb: &mut Vec<[u8; 3]>,
) -> Result<(), LoadError> {
    let need = if space == Space::Ybr422 { 2 * n } else { 3 * n };
    if s.len() < need {
        return Err(truncated("a colour frame of the pixel data is shorter than Rows x Columns x 3", need as u64, s.len() as u64));
    }
    let half = (max + 1.0) / 2.0;
    let scale = if max > 0.0 { 255.0 / max } else { 0.0 };
    for p in 0..n {
        let [a, b, c] = match space {
            Space::Ybr422 => {
                let q = (p / 2) * 4;
                [s[q + p % 2], s[q + 2], s[q + 3]]
            }
            _ if planar => [s[p], s[n + p], s[2 * n + p]],
            _ => [s[3 * p], s[3 * p + 1], s[3 * p + 2]],
        };
        let colour = if space == Space::Rgb {
            [a, b, c]
        } else {
            let (cb, cr) = (b - half, c - half);
            [a + 1.402 * cr, a - 0.344_136 * cb - 0.714_136 * cr, a + 1.772 * cb]
        };
        lum.push((LUMA[0] * colour[0] + LUMA[1] * colour[1] + LUMA[2] * colour[2]) as f32);
        rgb.push(colour.map(|v| (v.clamp(0.0, max) * scale).round() as u8));
    }
    Ok(())
}
