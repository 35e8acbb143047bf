//! Images from people are decoded and re-encoded, never stored as given: that bounds their size, drops
//! metadata (camera GPS included) and refuses files that only pretend to be images.

use std::io::Cursor;

use image::{imageops::FilterType, DynamicImage, ImageFormat, ImageReader, Limits};

use crate::model::ImageChange;
use crate::{Error, Result};

/// Largest file accepted before decoding.
pub const MAX_INPUT_BYTES: usize = 10 * 1024 * 1024;
const MAX_PIXELS_SIDE: u32 = 10_000;
const AVATAR_SIDE: u32 = 256;
const PICTURE_WIDTH: u32 = 1600;
const PICTURE_HEIGHT: u32 = 1200;

/// An avatar: fit in 256×256, kept as PNG (transparency survives).
pub fn avatar(change: ImageChange) -> Result<ImageChange> {
    normalise(change, "avatar", |img| {
        let img = img.resize(AVATAR_SIDE, AVATAR_SIDE, FilterType::Lanczos3);
        encode(&img, ImageFormat::Png, "avatar")
    })
}

/// An event picture: fit in 1600×1200, kept as JPEG.
pub fn picture(change: ImageChange) -> Result<ImageChange> {
    normalise(change, "picture", |img| {
        let img = if img.width() > PICTURE_WIDTH || img.height() > PICTURE_HEIGHT {
            img.resize(PICTURE_WIDTH, PICTURE_HEIGHT, FilterType::Lanczos3)
        } else {
            img
        };
        encode(&DynamicImage::ImageRgb8(img.to_rgb8()), ImageFormat::Jpeg, "picture")
    })
}

fn normalise(
    change: ImageChange,
    field: &'static str,
    reencode: impl FnOnce(DynamicImage) -> Result<Vec<u8>>,
) -> Result<ImageChange> {
    let ImageChange::Set(bytes) = change else {
        return Ok(change);
    };
    if bytes.is_empty() {
        return Err(Error::invalid(field, "the file is empty"));
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::invalid(
            field,
            format!("the file is {} MiB; at most {} MiB", bytes.len() / (1024 * 1024), MAX_INPUT_BYTES / (1024 * 1024)),
        ));
    }
    let mut reader = ImageReader::new(Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| Error::invalid(field, format!("cannot read the file: {e}")))?;
    if reader.format().is_none() {
        return Err(Error::invalid(field, "is not a PNG, JPEG, WebP or GIF image"));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PIXELS_SIDE);
    limits.max_image_height = Some(MAX_PIXELS_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| Error::invalid(field, format!("cannot decode the image: {e}")))?;
    Ok(ImageChange::Set(reencode(img)?))
}

fn encode(img: &DynamicImage, format: ImageFormat, field: &'static str) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).map_err(|e| Error::invalid(field, format!("cannot encode the image: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img =
            DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 90, 255])));
        encode(&img, ImageFormat::Png, "t").expect("encode")
    }

    #[test]
    fn a_large_avatar_is_shrunk_to_fit() {
        let ImageChange::Set(out) = avatar(ImageChange::Set(png(1024, 512))).expect("valid") else {
            panic!("expected an image");
        };
        let img = image::load_from_memory(&out).expect("decodes");
        assert_eq!((img.width(), img.height()), (256, 128));
    }

    #[test]
    fn a_text_file_is_not_an_image() {
        let err = avatar(ImageChange::Set(b"hello, I am not a picture".to_vec())).expect_err("refused");
        assert!(matches!(err, Error::Invalid { field: "avatar", .. }), "{err}");
    }

    #[test]
    fn a_truncated_png_is_refused() {
        let mut bytes = png(64, 64);
        bytes.truncate(bytes.len() / 2);
        assert!(picture(ImageChange::Set(bytes)).is_err());
    }
}
