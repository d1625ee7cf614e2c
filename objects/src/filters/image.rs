//! `ImageProcessor` (user/filters.py): square JPEG renditions of each PNG or JPEG value at
//! each requested size, cropped to the centre and scaled (PIL's `ImageOps.fit`). The original
//! stored them in a MongoDB cache; here they are collected as [`Rendition`]s for the backends
//! to store. Values that are no readable image are skipped, as in the original.

use crate::props::Prop;
use crate::value::Value;
use image::imageops::FilterType;
use image::ImageFormat;
use std::io::Cursor;

/// One scaled image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    /// The attribute it was made from.
    pub attribute: String,
    /// Which value of the attribute (0-based).
    pub index: usize,
    /// Width and height in pixels.
    pub size: u32,
    /// The JPEG bytes.
    pub jpeg: Vec<u8>,
}

fn decode(bytes: &[u8]) -> Option<image::DynamicImage> {
    let format = image::guess_format(bytes).ok()?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return None;
    }
    image::load_from_memory_with_format(bytes, format).ok()
}

/// Makes renditions of every image value of `prop` at every size in `sizes` into `out`
/// (`None`: only the sizes are checked).
pub(super) fn process(
    key: &str,
    prop: &Prop,
    sizes: &[String],
    out: Option<&mut Vec<Rendition>>,
) -> Result<(), String> {
    let sizes = sizes
        .iter()
        .map(|s| match s.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("image size '{s}' is no positive number")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if sizes.is_empty() {
        return Err("image sizes not specified".into());
    }
    let Some(out) = out else { return Ok(()) };
    for (index, value) in prop.value.iter().enumerate() {
        let Value::Binary(bytes) = value else {
            continue;
        };
        let Some(img) = decode(bytes) else { continue };
        for &size in &sizes {
            let fitted = img
                .resize_to_fill(size, size, FilterType::Lanczos3)
                .to_rgb8();
            let mut jpeg = Cursor::new(Vec::new());
            fitted
                .write_to(&mut jpeg, ImageFormat::Jpeg)
                .map_err(|e| format!("cannot encode a {size}px JPEG: {e}"))?;
            out.push(Rendition {
                attribute: key.to_string(),
                index,
                size,
                jpeg: jpeg.into_inner(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::AttrType;
    use image::{ImageBuffer, Rgb};

    fn encoded(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
        let img = ImageBuffer::from_fn(w, h, |x, _| Rgb([(x % 256) as u8, 0, 0]));
        let mut out = Cursor::new(Vec::new());
        let written = image::DynamicImage::ImageRgb8(img).write_to(&mut out, format);
        assert!(written.is_ok());
        out.into_inner()
    }

    fn photo(values: Vec<Value>) -> Prop {
        Prop::new(AttrType::Binary, "LDAP").with_values(values)
    }

    #[test]
    fn user_xml_sizes_give_square_jpegs_of_png_and_jpeg() {
        // user.xml: jpegPhoto's ImageProcessor(22, 32, 48, 64).
        let sizes: Vec<String> = ["22", "32", "48", "64"].map(String::from).to_vec();
        let p = photo(vec![
            Value::Binary(encoded(120, 80, ImageFormat::Png)),
            Value::Binary(encoded(50, 90, ImageFormat::Jpeg)),
        ]);
        let mut out = Vec::new();
        assert!(process("jpegPhoto", &p, &sizes, Some(&mut out)).is_ok());
        assert_eq!(out.len(), 8);
        for r in &out {
            let img = image::load_from_memory_with_format(&r.jpeg, ImageFormat::Jpeg);
            assert!(img.is_ok_and(|i| i.width() == r.size && i.height() == r.size));
        }
        assert_eq!(out.iter().filter(|r| r.index == 1).count(), 4);
    }

    #[test]
    fn values_that_are_no_image_are_skipped() {
        let p = photo(vec![
            Value::Binary(b"GIF89a....".to_vec()),
            Value::Binary(vec![1, 2, 3]),
        ]);
        let mut out = Vec::new();
        assert!(process("jpegPhoto", &p, &["32".to_string()], Some(&mut out)).is_ok());
        assert!(out.is_empty());
    }

    #[test]
    fn missing_sizes_are_an_error() {
        let mut out = Vec::new();
        assert_eq!(
            process("jpegPhoto", &photo(vec![]), &[], Some(&mut out)),
            Err("image sizes not specified".into())
        );
    }

    #[test]
    fn reading_makes_no_renditions() {
        let p = photo(vec![Value::Binary(encoded(10, 10, ImageFormat::Png))]);
        assert!(process("jpegPhoto", &p, &["32".to_string()], None).is_ok());
        assert!(process("jpegPhoto", &p, &["0".to_string()], None).is_err());
    }
}
