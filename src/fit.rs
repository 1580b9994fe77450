//! Fitting the shape prior on images: what lungfield's image-driven stages find in each
//! image, against the expert's mask, gives the corrections that pull found lungs towards
//! expert ones. It runs the whole [`crate::pipeline`], so it sits above it, while the prior
//! itself ([`crate::prior`]) sits below: `ShapePrior::fit_dataset` and
//! `PairShape::from_sample` are defined here.

use std::path::Path;

use rayon::prelude::*;

use crate::error::Result;
use crate::io::{Dataset, Radiograph, Sample};
use crate::options::SegmentOptions;
use crate::pipeline::found_lungs;
use crate::prior::{PairShape, ShapePrior};
use crate::progress::Progress;

impl PairShape {
    /// Both lungs of an expert mask and what the image-driven stages find in `img`.
    ///
    /// # Errors
    /// An unreadable mask or one of another size than the image; `Ok(None)` when the mask
    /// does not hold two lungs.
    pub fn from_sample(
        id: &str,
        img: &Radiograph,
        mask_path: &Path,
        opts: &SegmentOptions,
    ) -> Result<Option<PairShape>> {
        let mask = crate::io::read_mask_for(mask_path, img)?;
        Ok(match found_lungs(img, opts) {
            Ok(f) => {
                // The expert mask in the frame the lungs were found in: the exposed field.
                let (x, y, w, h) = (f.field.x, f.field.y, f.field.width, f.field.height);
                let mask = if (w, h) == (mask.width(), mask.height()) {
                    mask
                } else {
                    mask.crop(x, y, w, h)
                };
                PairShape::with_found(id, &mask, &f.pair.labels, Some(f.images()))
            }
            // Nothing found: the shapes still count, without a correction.
            Err(_) => PairShape::from_mask(id, &mask),
        })
    }
}

impl ShapePrior {
    /// Fits a prior on a dataset's images and masks (degraded images left out): each expert
    /// mask gives its lungs' shapes, and what lungfield's image-driven stages (with `opts`)
    /// find in the image gives the correction that pulls found lungs towards expert ones.
    /// Deterministic at any thread count. `progress` advances once per image.
    ///
    /// # Errors
    /// The first unreadable image or mask (named), or too few usable masks.
    pub fn fit_dataset(
        data: &Dataset,
        opts: &SegmentOptions,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let samples: Vec<&Sample> = data
            .samples
            .iter()
            .filter(|s| s.mask.is_some() && !s.degraded)
            .collect();
        let shapes: Vec<(String, Option<PairShape>)> = samples
            .par_iter()
            .map(|s| {
                let Some(mask) = &s.mask else {
                    return Ok((s.id.clone(), None));
                };
                let img = crate::io::decode_file(&s.image)?;
                let shape = PairShape::from_sample(&s.id, &img, mask, opts)?;
                progress.advance();
                Ok((s.id.clone(), shape))
            })
            .collect::<Result<_>>()?;
        let mut prior = Self::from_found(shapes)?;
        prior.segment = Some(*opts);
        Ok(prior)
    }
}
