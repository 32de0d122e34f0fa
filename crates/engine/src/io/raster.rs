//! PNG and JPEG as 2D images (one-slice volumes), decoded with the `image` crate.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use crate::image::volume::{Geometry, Meta, Volume};
use crate::io::error::{LoadError, LoadOptions};

fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        _ => "image",
    }
}

fn image_error(format: &'static str, e: image::ImageError) -> LoadError {
    match e {
        image::ImageError::Limits(_) => LoadError::TooLarge { what: format!("the {format} image"), claimed: None, budget: 0 },
        image::ImageError::Unsupported(u) => LoadError::Unsupported { format, what: format!("a feature the decoder lacks ({u})") },
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            LoadError::TruncatedStream { format, detail: "the compressed image stops early".into() }
        }
        other => {
            let text = other.to_string();
            let lower = text.to_ascii_lowercase();
            if ["not enough bytes", "end of file", "eof", "truncated", "unexpected end"].iter().any(|w| lower.contains(w)) {
                LoadError::TruncatedStream { format, detail: format!("the compressed image stops early ({})", text.trim()) }
            } else {
                LoadError::BadMagic { format, detail: text.trim().to_string() }
            }
        }
    }
}

/// Reads a PNG or JPEG. Grey-level images keep their stored values (0-255, or 0-65535 for 16-bit PNG); colour
/// images are converted to luma, with a warning. The pixel spacing is unknown and set to 1 mm.
pub fn read(bytes: &[u8], opts: &LoadOptions) -> Result<Volume, LoadError> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg)) => f,
        _ => return Err(LoadError::BadMagic { format: "PNG/JPEG", detail: "the file has neither a PNG nor a JPEG signature".into() }),
    };
    let name = format_name(format);
    let (w, h) = ImageReader::with_format(Cursor::new(bytes), format).into_dimensions().map_err(|e| image_error(name, e))?;
    // Worst case in memory while decoding: 16-bit RGBA (8 bytes) plus the f32 result.
    opts.check_voxels([u64::from(w), u64::from(h), 1], 8, &format!("the {name} image"))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(opts.max_bytes);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| image_error(name, e))?;
    let mut warnings = Vec::new();
    let data: Vec<f32> = match &img {
        DynamicImage::ImageLuma8(g) => g.as_raw().iter().map(|&v| f32::from(v)).collect(),
        DynamicImage::ImageLuma16(g) => g.as_raw().iter().map(|&v| f32::from(v)).collect(),
        DynamicImage::ImageLumaA8(_) => img.to_luma8().as_raw().iter().map(|&v| f32::from(v)).collect(),
        DynamicImage::ImageLumaA16(_) => img.to_luma16().as_raw().iter().map(|&v| f32::from(v)).collect(),
        _ => {
            warnings.push("this is a colour image; it was converted to grey levels (luma)".to_string());
            if img.color().bytes_per_pixel() > 4 {
                img.to_luma16().as_raw().iter().map(|&v| f32::from(v)).collect()
            } else {
                img.to_luma8().as_raw().iter().map(|&v| f32::from(v)).collect()
            }
        }
    };
    warnings.push("PNG and JPEG carry no pixel spacing: 1 mm is assumed".to_string());
    let geometry = Geometry::new([w as usize, h as usize, 1], [1.0; 3]);
    let meta = Meta { format: name.into(), warnings, ..Meta::default() };
    Volume::new(geometry, data).map(|v| Volume { meta, ..v }).ok_or_else(|| LoadError::Invalid(format!("{name}: decoded size mismatch")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Test code: a panic is a failed test.
mod tests {
    use super::*;

    fn encode(img: DynamicImage, f: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, f).unwrap();
        out.into_inner()
    }

    #[test]
    fn grey_png_keeps_values_and_jpeg_is_close() {
        let g = image::ImageBuffer::from_fn(4, 3, |x, y| image::Luma([(x * 10 + y * 50) as u8]));
        let png = encode(DynamicImage::ImageLuma8(g.clone()), ImageFormat::Png);
        let v = read(&png, &LoadOptions::default()).unwrap();
        assert_eq!(v.geometry.dims, [4, 3, 1]);
        assert_eq!(v.get(3, 2, 0), Some(130.0));
        assert_eq!(v.meta.format, "PNG");
        let g16 = image::ImageBuffer::from_fn(2, 1, |x, _| image::Luma([if x == 0 { 1000u16 } else { 65535 }]));
        let v = read(&encode(DynamicImage::ImageLuma16(g16), ImageFormat::Png), &LoadOptions::default()).unwrap();
        assert_eq!(v.data, vec![1000.0, 65535.0]);
        let flat = image::ImageBuffer::from_pixel(8, 8, image::Luma([100u8]));
        let jpg = encode(DynamicImage::ImageLuma8(flat), ImageFormat::Jpeg);
        let v = read(&jpg, &LoadOptions::default()).unwrap();
        assert_eq!(v.meta.format, "JPEG");
        assert!(v.data.iter().all(|&x| (x - 100.0).abs() <= 2.0), "{:?}", v.data);
    }

    #[test]
    fn budget_and_truncation() {
        let g = image::ImageBuffer::from_fn(64, 64, |x, y| image::Luma([(x ^ y) as u8]));
        let png = encode(DynamicImage::ImageLuma8(g), ImageFormat::Png);
        assert!(matches!(read(&png, &LoadOptions::with_max_bytes(1000)), Err(LoadError::TooLarge { .. })));
        assert!(read(&png[..png.len() / 2], &LoadOptions::default()).is_err());
        assert!(read(b"GIF89a", &LoadOptions::default()).is_err());
    }
}
