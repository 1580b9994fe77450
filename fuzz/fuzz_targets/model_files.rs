//! Arbitrary bytes as a model (`.lfm`) or shape prior (`.lfp`) file: loading must refuse what
//! it cannot use, and whatever it accepts must then run without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lungfield::classify::Model;
use lungfield::prior::{apply, PriorOptions, ShapePrior};
use lungfield::Mask;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.json");
    if let Ok(m) = Model::from_json(data, path) {
        let row = vec![0.5; m.forest.n_features];
        let _ = m.predict_proba(&[row]);
    }
    if let Ok(p) = ShapePrior::from_json(data, path) {
        let mut labels = Mask::new(48, 48);
        for y in 10..40 {
            for x in 5..20 {
                labels.set(x, y, 1);
                labels.set(x + 22, y, 2);
            }
        }
        let _ = apply(&p, &labels, None, &PriorOptions::default());
        labels.as_mut_slice().iter_mut().for_each(|v| {
            if *v == 2 {
                *v = 0;
            }
        });
        let _ = apply(&p, &labels, None, &PriorOptions::default());
    }
});
