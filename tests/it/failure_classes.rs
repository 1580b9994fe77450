//! One test per class of real-world failure (issue 23), on images the project makes: a film
//! on a rotated black canvas, an opacified hemithorax, an air-fluid level, a child-sized body,
//! bright ribs that cut the lung fields into stacked pieces.
//! Each must come back with two lungs, in the right place, with the flags that say what
//! happened. They are segmented with a prior fitted on phantoms (the built-in one follows
//! JSRT's expert convention, which phantoms do not share: it would flag healthy phantom lungs
//! as completed from shape); the rotated canvas is also run with the built-in prior.

use lungfield::io::Radiograph;
use lungfield::metrics::score_masks;
use lungfield::prior::ShapePrior;
use lungfield::segment::Side;
use lungfield::{phantom, segment_with_prior, GrayU8, Mask, SegmentOptions, Segmentation};

/// A prior fitted on 24 phantoms (seeds apart from the ones the tests draw), once.
fn phantom_prior() -> &'static ShapePrior {
    static PRIOR: std::sync::OnceLock<ShapePrior> = std::sync::OnceLock::new();
    PRIOR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let opts = lungfield::phantom::PhantomSetOptions {
            count: 24,
            seed: 9000,
            size: 256,
            ..Default::default()
        };
        lungfield::phantom::write_set(dir.path(), &opts).unwrap();
        let data = lungfield::io::Dataset::open(dir.path()).unwrap();
        ShapePrior::fit_dataset(&data, &SegmentOptions::default(), &()).unwrap()
    })
}

fn segment_with(img: &GrayU8, prior: &ShapePrior) -> Segmentation {
    segment_with_prior(
        &Radiograph::U8(img.clone()),
        &SegmentOptions::default(),
        Some(prior),
    )
    .unwrap()
}

fn segment(img: &GrayU8) -> Segmentation {
    segment_with(img, phantom_prior())
}

fn area(m: &Mask, label: u8) -> usize {
    m.as_slice().iter().filter(|&&v| v == label).count()
}

fn has(seg: &Segmentation, flag: &str) -> bool {
    seg.flags.iter().any(|f| f == flag)
}

/// The median grey of `img` where `sel` holds.
fn median_where(img: &GrayU8, sel: impl Fn(usize, usize) -> bool) -> u8 {
    let mut v: Vec<u8> = (0..img.height())
        .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| sel(x, y))
        .map(|(x, y)| img.get(x, y))
        .collect();
    v.sort_unstable();
    v[v.len() / 2]
}

#[test]
fn a_film_rotated_on_a_black_canvas_keeps_its_lungs_inside_the_film() {
    let p = phantom::make(256, 11, false);
    // Rotate by 7° about the film's centre onto a 380 × 420 black canvas, film at (60, 70).
    let (cw, ch) = (380usize, 420usize);
    let (a, ox, oy) = (7f64.to_radians(), 60.0, 70.0);
    let mut img = GrayU8::new(cw, ch);
    let mut truth = Mask::new(cw, ch);
    let mut film = Mask::new(cw, ch);
    for y in 0..ch {
        for x in 0..cw {
            let (dx, dy) = (x as f64 - ox - 128.0, y as f64 - oy - 128.0);
            let u = a.cos() * dx + a.sin() * dy + 128.0;
            let v = -a.sin() * dx + a.cos() * dy + 128.0;
            if (0.0..256.0).contains(&u) && (0.0..256.0).contains(&v) {
                let (u, v) = (u as usize, v as usize);
                img.set(x, y, p.image.get(u, v).max(1));
                truth.set(x, y, p.mask.get(u, v));
                film.set(x, y, 1);
            }
        }
    }
    // The built-in prior follows JSRT's convention, which a phantom does not share: since its
    // refit with the lungs cut open by a tight crop spared (four jsrt-dev seeds grew), it
    // completes the right lower lung from shape into the phantom's bright abdomen (Dice
    // 0.871 before, 0.816 after; the phantom prior's 0.957 unchanged). What this run holds
    // is the lungs on the film, not that convention.
    let builtin = ShapePrior::builtin().unwrap();
    for (seg, floor) in [(segment(&img), 0.9), (segment_with(&img, &builtin), 0.8)] {
        assert!(has(&seg, "padding_removed"), "{:?}", seg.flags);
        let outside_film = seg
            .labels
            .as_slice()
            .iter()
            .zip(film.as_slice())
            .filter(|&(&l, &f)| l != 0 && f == 0)
            .count();
        assert_eq!(outside_film, 0, "lung pixels on the canvas");
        let s = score_masks(&seg.binary(), &truth).unwrap();
        eprintln!("rotated canvas: dice {}", s.dice);
        assert!(s.dice > floor, "dice {}", s.dice);
    }
    let s = score_masks(&segment(&img).binary(), &truth).unwrap();
    // Without the field step the same image is worse or at best equal.
    let plain = segment_with_prior(
        &Radiograph::U8(img.clone()),
        &SegmentOptions {
            field: false,
            ..Default::default()
        },
        Some(phantom_prior()),
    );
    if let Ok(plain) = plain {
        let d = score_masks(&plain.binary(), &truth).unwrap().dice;
        assert!(d <= s.dice + 1e-9, "without the field {d} > {}", s.dice);
    }
}

/// A film turned on a black canvas with a bright rim along its edge (Montgomery's films
/// have one), built to show the mechanism: dark air (25) in strips between the rim (250) and
/// the body (170), two lungs (60) in the body, the film turned by 8°. The working image's
/// padding is filled from the film's edge, which copies the rim into the canvas corners, and
/// the rim then walls the strips in: flooded from the box's sides only (the film's slanted
/// edge is no side of the box), the air is a walled basin like the lungs; flooded from
/// beside the black canvas too, it is outside. On real films: `tests/real_data.rs`,
/// Montgomery turned by 3°.
#[test]
fn the_flood_steps_over_a_rim_copied_into_a_rotated_films_corners() {
    use lungfield::enhance::exposed_field;
    use lungfield::segment::{air, air_beside};
    let (cw, a) = (280usize, 8f64.to_radians());
    let mut img = GrayU8::new(cw, cw);
    let mut strip = Mask::new(cw, cw);
    for y in 0..cw {
        for x in 0..cw {
            let (dx, dy) = (x as f64 - 140.0, y as f64 - 140.0);
            let u = a.cos() * dx + a.sin() * dy + 100.0;
            let v = -a.sin() * dx + a.cos() * dy + 100.0;
            if !((0.0..200.0).contains(&u) && (0.0..200.0).contains(&v)) {
                continue;
            }
            let lung = (20.0..170.0).contains(&v)
                && ((55.0..90.0).contains(&u) || (110.0..145.0).contains(&u));
            let g = if u < 8.0 || v < 8.0 || u >= 192.0 || v >= 192.0 {
                250
            } else if !(40.0..160.0).contains(&u) {
                strip.set(x, y, u8::from((10.0..190.0).contains(&v)));
                25
            } else if lung {
                60
            } else {
                170
            };
            img.set(x, y, g);
        }
    }
    let field = exposed_field(&img);
    let (w, h) = (field.width, field.height);
    assert!(w < cw && h < cw, "the canvas is cut off");
    let mut work = GrayU8::from_rows(w, h, |y, row| {
        for (x, v) in row.iter_mut().enumerate() {
            *v = img.get(field.x + x, field.y + y);
        }
    });
    assert!(field.fill_padding(&mut work) > 0, "the corners are canvas");
    let in_strip = |outside: &Mask| {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| strip.get(field.x + x, field.y + y) != 0 && outside.get(x, y) != 0)
            .count()
    };
    let band = 4;
    let plain = air(&work, 100, band).outside;
    let beside = air_beside(&work, 100, band, &field.dark_padding_mask(w, h)).outside;
    let n = strip.count();
    assert!(
        in_strip(&plain) * 10 < n,
        "from the sides: {} of {n}",
        in_strip(&plain)
    );
    assert!(
        in_strip(&beside) * 10 > 9 * n,
        "beside the canvas: {} of {n}",
        in_strip(&beside)
    );
    // The lungs stay walled in either way.
    let lung_out = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| work.get(x, y) == 60 && beside.get(x, y) != 0)
        .count();
    assert_eq!(lung_out, 0);
}

/// A film on a black canvas is segmented the same wherever the canvas puts it: the field's
/// box is cut to the film's edge to the pixel, so the working image does not depend on how
/// the canvas falls on the field's block grid (before, the box's edge lay up to a block out
/// in the canvas: `da-tb`'s films on a canvas of 15 % each side moved by 2 px at the working
/// size, and 28 of 68 masks changed by more than a tenth of their Dice).
#[test]
fn a_film_on_a_black_canvas_is_segmented_the_same_wherever_the_canvas_puts_it() {
    let builtin = ShapePrior::builtin().unwrap();
    for seed in [13u64, 14] {
        let film = phantom::make(256, seed, false).image.map(|&v| v.max(8));
        let framed: Vec<Mask> = [(37usize, 51usize, 3usize), (64, 64, 0), (61, 29, 7)]
            .into_iter()
            .map(|(ox, oy, extra)| {
                let mut img = GrayU8::new(256 + 2 * ox + extra, 256 + 2 * oy + extra);
                img.paste(&film, ox, oy);
                let seg = segment_with(&img, &builtin);
                assert!(has(&seg, "padding_removed"), "{:?}", seg.flags);
                seg.labels.crop(ox, oy, 256, 256)
            })
            .collect();
        assert!(framed[0].count() > 1000, "seed {seed}: no lungs");
        for other in &framed[1..] {
            assert!(*other == framed[0], "seed {seed}: the masks differ");
        }
    }
}

/// A film on a black canvas scanned, in turn, onto a white one (two paddings, their seam
/// inside the field's blocks) is segmented exactly as the film on the black canvas alone.
/// Before the seam counted as canvas, the white canvas was cut off and the black one stayed
/// in the field: Montgomery's films on a white canvas 20 % larger, mean Dice 0.903 and
/// 5th percentile 0.51, the black beside the film taken for lung (`tests/real_data.rs`).
#[test]
fn a_black_canvas_inside_a_white_one_is_cut_off_like_the_black_alone() {
    let builtin = ShapePrior::builtin().unwrap();
    for seed in [13u64, 14] {
        let film = phantom::make(256, seed, false)
            .image
            .map(|&v| v.clamp(8, 240));
        let (ox, oy) = (37usize, 51usize);
        let mut black = GrayU8::new(256 + 2 * ox + 3, 256 + 2 * oy + 3);
        black.paste(&film, ox, oy);
        let alone = segment_with(&black, &builtin);
        let (wx, wy) = (45usize, 29usize);
        let mut white = GrayU8::from_rows(
            black.width() + 2 * wx + 5,
            black.height() + 2 * wy,
            |_, row| row.fill(255),
        );
        white.paste(&black, wx, wy);
        let twice = segment_with(&white, &builtin);
        assert!(has(&twice, "padding_removed"), "{:?}", twice.flags);
        let (fx, fy) = (wx + ox, wy + oy);
        assert!(
            twice.labels.crop(fx, fy, 256, 256).count() > 1000,
            "seed {seed}: no lungs"
        );
        let outside = twice.labels.count() - twice.labels.crop(fx, fy, 256, 256).count();
        assert_eq!(outside, 0, "seed {seed}: lung on a canvas");
        assert!(
            twice.labels.crop(fx, fy, 256, 256) == alone.labels.crop(ox, oy, 256, 256),
            "seed {seed}: the masks differ"
        );
    }
}

/// A film framed by a canvas of one mid grey (a converter's padding, a collimator's shadow
/// filled with one grey): the canvas is cut off to the pixel, no lung lies on it, and the
/// film is segmented exactly as alone. Without the grey canvas rule the frame walls in the
/// air beside the body (jsrt-dev so framed: 3 of 140 films refused, `tests/real_data.rs`).
#[test]
fn a_film_on_a_grey_canvas_keeps_its_lungs_inside_the_film() {
    let builtin = ShapePrior::builtin().unwrap();
    for seed in [13u64, 14, 15] {
        let p = phantom::make(256, seed, false);
        let mut grey: Vec<u8> = p.image.as_slice().to_vec();
        grey.sort_unstable();
        let level = grey[grey.len() * 7 / 10];
        let m = 24;
        let mut img = GrayU8::from_rows(256 + 2 * m, 256 + 2 * m, |_, row| row.fill(level));
        img.paste(&p.image, m, m);
        let seg = segment_with(&img, &builtin);
        assert!(has(&seg, "padding_removed"), "seed {seed}: {:?}", seg.flags);
        let inside = seg.labels.crop(m, m, 256, 256);
        assert_eq!(
            seg.labels.count(),
            inside.count(),
            "seed {seed}: lung on the canvas"
        );
        // Cut off to the pixel, the frame leaves the film exactly as it was.
        let alone = segment_with(&p.image, &builtin);
        assert!(alone.labels.count() > 1000, "seed {seed}: no lungs");
        assert!(
            inside == alone.labels,
            "seed {seed}: not segmented as the film alone"
        );
    }
}

/// A film on a canvas that is black only to within a detector's noise (as Montgomery's
/// films with a few per cent of noise): the canvas is still found, so the polarity check
/// sees the film and the lungs stay inside it. Before the noisy-canvas rule, 13 of 48 such
/// Montgomery films were taken for inverted (`real_data.rs`).
#[test]
fn a_film_on_a_noisy_black_canvas_is_upright_and_keeps_its_lungs_inside_the_film() {
    let n = 2048;
    let p = phantom::make(n, 12, false);
    // The film on top, a black band of a quarter of its height below, noise everywhere.
    let (cw, ch) = (n, n + n / 4);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // A folded sum of three uniforms: a clipped bell of about 8 grey levels.
        let u = (0..3).map(|k| (state >> (8 * k)) & 0xff).sum::<u64>() as i32 - 382;
        u.unsigned_abs() / 16
    };
    let mut img = GrayU8::new(cw, ch);
    let mut truth = Mask::new(cw, ch);
    for y in 0..ch {
        for x in 0..cw {
            let base = if y < n {
                u32::from(p.image.get(x, y))
            } else {
                0
            };
            img.set(x, y, (base + noise()).min(255) as u8);
            if y < n {
                truth.set(x, y, p.mask.get(x, y));
            }
        }
    }
    let field = lungfield::enhance::exposed_field(&img);
    assert!(
        field.y + field.height <= n + 16 && field.y + field.height >= n,
        "{field:?}"
    );
    let checked = lungfield::qc::check(Radiograph::U8(img.clone()), None);
    assert!(checked.codes.is_empty(), "{:?}", checked.codes);
    let seg = segment(&img);
    assert!(has(&seg, "padding_removed"), "{:?}", seg.flags);
    let below = (n * cw..ch * cw)
        .filter(|&i| seg.labels.as_slice()[i] != 0)
        .count();
    assert_eq!(below, 0, "lung pixels on the canvas");
    let d = score_masks(&seg.binary(), &truth).unwrap().dice;
    assert!(d > 0.9, "dice {d}");
}

#[test]
fn an_opacified_hemithorax_still_gets_two_lungs_and_says_so() {
    let mut p = phantom::make(256, 21, false);
    let truth = p.mask.clone();
    let labels = phantom::render(256, 21, false).labels;
    // The patient's left lung (image right) as dense as the mediastinum.
    let dense = median_where(&p.image, |x, y| {
        (120..136).contains(&x) && (80..160).contains(&y)
    });
    for y in 0..256 {
        for x in 0..256 {
            if labels.get(x, y) == 2 {
                p.image.set(x, y, dense);
            }
        }
    }
    let seg = segment(&p.image);
    let (r, l) = (seg.area(Side::Right), seg.area(Side::Left));
    let l_truth = area(&labels, 2);
    assert!(r > 0 && l > 0, "areas {r} {l}");
    assert!(l * 2 > l_truth, "left lung {l} of {l_truth}");
    assert!(
        has(&seg, "left_lung_completed_from_shape"),
        "{:?}",
        seg.flags
    );
    assert!(seg.provenance.from_image[1] < 0.6 && seg.provenance.from_image[0] > 0.8);
    let s = score_masks(&seg.binary(), &truth).unwrap();
    eprintln!(
        "opacified: dice {} from image {:?}",
        s.dice, seg.provenance.from_image
    );
    assert!(s.dice > 0.8, "dice {}", s.dice);
}

#[test]
fn an_air_fluid_level_keeps_the_lung_below_it() {
    let mut p = phantom::make(256, 31, false);
    let labels = phantom::render(256, 31, false).labels;
    let (_, y0, _, y1) = labels.bounds(|v| v == 1).unwrap();
    let level = y0 + (y1 - y0) * 11 / 20;
    let fluid = median_where(&p.image, |x, y| {
        (120..136).contains(&x) && (80..160).contains(&y)
    });
    for y in level..256 {
        for x in 0..256 {
            if labels.get(x, y) == 1 {
                p.image.set(x, y, fluid);
            }
        }
    }
    let seg = segment(&p.image);
    eprintln!("air-fluid: {:?} {:?}", seg.flags, seg.provenance);
    let r = seg.area(Side::Right);
    let r_truth = area(&labels, 1);
    assert!(r * 10 > r_truth * 7, "right lung {r} of {r_truth}");
    // The lung's part below the level is kept.
    let below = (level + 5..=y1)
        .flat_map(|y| (0..256).map(move |x| (x, y)))
        .filter(|&(x, y)| labels.get(x, y) == 1)
        .filter(|&(x, y)| seg.labels.get(x, y) == 1)
        .count();
    let below_truth = (level + 5..=y1)
        .flat_map(|y| (0..256).map(move |x| (x, y)))
        .filter(|&(x, y)| labels.get(x, y) == 1)
        .count();
    assert!(
        below * 2 > below_truth,
        "{below} of {below_truth} below the level"
    );
    let s = score_masks(&seg.binary(), &p.mask).unwrap();
    eprintln!("air-fluid: dice {}", s.dice);
    // 0.862 until the shape repair also tried the larger lung alone (7 December 2026); the
    // phantom prior fitted here changed with it (one training pair's fit got much better),
    // and this film's mask with the prior: 0.849.
    assert!(s.dice > 0.84, "dice {}", s.dice);
}

#[test]
fn a_child_sized_body_is_segmented_and_flagged() {
    // A 200-px phantom in the middle of a 440-px film of the phantom's own air, with a
    // detector's noise (a few grey levels): a surround flat to a grey level is a converter's
    // canvas, cut off by the exposed field (`enhance::field`), and the body then fills the film.
    let p = phantom::make(200, 41, false);
    let air = p.image.get(2, 100);
    let mut img = GrayU8::from_rows(440, 440, |y, row| {
        for (x, v) in row.iter_mut().enumerate() {
            let h = (x as u32).wrapping_mul(2_654_435_761) ^ (y as u32).wrapping_mul(40_503);
            *v = air.saturating_add((h >> 13) as u8 % 7).saturating_sub(3);
        }
    });
    let mut truth = Mask::new(440, 440);
    img.paste(&p.image, 120, 110);
    truth.paste(&p.mask, 120, 110);
    let seg = segment(&img);
    assert!(seg.area(Side::Right) > 0 && seg.area(Side::Left) > 0);
    assert!(has(&seg, "small_body"), "{:?}", seg.flags);
    let s = score_masks(&seg.binary(), &truth).unwrap();
    assert!(s.dice > 0.8, "dice {}", s.dice);
}

#[test]
fn an_adult_film_raises_no_flag() {
    let p = phantom::make(256, 51, false);
    let seg = segment(&p.image);
    assert!(seg.flags.is_empty(), "{:?}", seg.flags);
    assert!(seg.provenance.from_image.iter().all(|&f| f > 0.6));
}

/// Each lung's height in `labels` (1 right, 2 left), in rows.
fn heights(labels: &Mask) -> [usize; 2] {
    [1, 2].map(|l| {
        labels
            .bounds(|v| v == l)
            .map_or(0, |(_, y0, _, y1)| y1 + 1 - y0)
    })
}

#[test]
fn bright_ribs_across_the_lungs_leave_each_lung_whole() {
    // Bands 5 rows high every 14 rows, as bright as the mediastinum, cut both lung fields
    // into stacked intercostal pieces (as on a high-contrast film), none holding most of its
    // lung. Without a prior, so the image-driven stages alone must find the whole field.
    let mut p = phantom::make(256, 61, false);
    let labels = phantom::render(256, 61, false).labels;
    let mediastinum = median_where(&p.image, |x, y| {
        (120..136).contains(&x) && (80..160).contains(&y)
    });
    let lung = median_where(&p.image, |x, y| labels.get(x, y) != 0);
    let bright = ((u16::from(lung) + u16::from(mediastinum)) / 2) as u8;
    for y in 0..256 {
        if y % 14 < 5 {
            for x in 0..256 {
                if labels.get(x, y) != 0 {
                    p.image.set(x, y, bright);
                }
            }
        }
    }
    let run = |rib_bridge: usize| {
        let opts = SegmentOptions {
            rib_bridge,
            ..Default::default()
        };
        lungfield::segment_radiograph(&Radiograph::U8(p.image.clone()), &opts)
    };
    let truth = heights(&labels);
    let (bridged, unbridged) = (run(6).unwrap(), run(0));
    let hb = heights(&bridged.labels);
    let hu = unbridged.as_ref().map_or([0, 0], |s| heights(&s.labels));
    eprintln!("ribs: truth {truth:?}, bridged {hb:?}, unbridged {hu:?}");
    for i in 0..2 {
        assert!(
            hb[i] * 10 >= truth[i] * 8,
            "lung {i}: {} of {} rows",
            hb[i],
            truth[i]
        );
    }
    let s = score_masks(&bridged.binary(), &p.mask).unwrap();
    eprintln!("ribs: dice {}", s.dice);
    assert!(s.dice > 0.85, "dice {}", s.dice);
    // The bridge is what keeps them whole: without it a lung is found as one piece, or
    // (no piece being of lung size) not at all.
    assert!(
        (0..2).any(|i| hu[i] * 10 < truth[i] * 7),
        "unbridged {hu:?} of {truth:?}"
    );
}

/// A film cut tight through both lungs' outer sides (a large patient, a detector too small):
/// each lung is cut open by the image side, so the edge reaches it at its own grey, as it
/// reaches air, and the lungs ran along the frame as only the background beside the body
/// does. A frontal chest radiograph, however cut, is never refused: none of 18 cuts is
/// (5f01270 refused five: seeds 21, 24 and 26 cut 4, seeds 22 and 23 cut 8). With the cut
/// lungs spared but before the last-resort seed, three were still refused (seed 22 cut 8,
/// seeds 24 and 26 cut 4); those now get two lungs and score Dice 0.87–0.97 against the
/// phantom's own masks (floor 0.85). Deeper cuts still lose much of a lung, or all of one,
/// to the air rule (docs/RESULTS.md); this test holds the refusal, not their quality.
#[test]
fn a_film_cut_tight_through_both_lungs_is_never_refused() {
    for seed in [21u64, 22, 23, 24, 25, 26] {
        let p = phantom::make(256, seed, false);
        let (x0, _, x1, _) = p.mask.bounds(|v| v != 0).unwrap();
        for cut in [4usize, 8, 12] {
            let (x, w) = (x0 + cut, x1 + 1 - 2 * cut - x0);
            let img = p.image.crop(x, 0, w, 256);
            let truth = p.mask.crop(x, 0, w, 256);
            let seg = segment_with_prior(
                &Radiograph::U8(img),
                &SegmentOptions::default(),
                Some(phantom_prior()),
            )
            .unwrap_or_else(|e| panic!("seed {seed} cut {cut}: {e}"));
            if [(22, 8), (24, 4), (26, 4)].contains(&(seed, cut)) {
                for l in [1, 2] {
                    assert!(
                        area(&seg.labels, l) > 2000,
                        "seed {seed} cut {cut}: lung {l}"
                    );
                }
                let s = score_masks(&seg.binary(), &truth).unwrap();
                assert!(s.dice >= 0.85, "seed {seed} cut {cut}: dice {}", s.dice);
            }
        }
    }
}
