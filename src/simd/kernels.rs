//! [`Kernels`]: the one knob that says which implementation of the image kernels runs, chosen
//! at run time and never stored in a model or prior file.
//!
//! Every kernel's public function takes a `Kernels` and either runs its scalar twin
//! ([`Kernels::Scalar`], the specification) or its vector body at that instruction set
//! (falling back to the best level below it that the CPU has). Every level gives
//! bit-identical results, so the choice changes speed only. The engine's own calls use
//! [`Kernels::active`]: the widest level this CPU has, capped by the environment variable
//! `LUNGFIELD_KERNELS` (`scalar`, `baseline`, `avx2`, `avx512`; `LUNGFIELD_SIMD` is read too,
//! as before) or set once by [`Kernels::choose`] (the CLI's `--kernels`).

use std::sync::OnceLock;

/// Which implementation of the kernels to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kernels {
    /// The plain loops, on every platform: the reference the others are tested against.
    Scalar,
    /// `wide`'s vectors at the build's own instruction set (SSE2 on a default x86-64 build,
    /// NEON on aarch64, AVX2 with `-C target-cpu=x86-64-v3`).
    Baseline,
    /// 256-bit AVX2 through `core::arch`, when the CPU has it (x86-64 only).
    Avx2,
    /// 512-bit AVX-512 F + BW through `core::arch`, when the CPU has it (x86-64 only).
    Avx512,
}

impl Kernels {
    /// Lower-case name, as accepted by [`Kernels::parse`] and `LUNGFIELD_KERNELS`.
    pub fn name(self) -> &'static str {
        match self {
            Kernels::Scalar => "scalar",
            Kernels::Baseline => "baseline",
            Kernels::Avx2 => "avx2",
            Kernels::Avx512 => "avx512",
        }
    }

    /// Parses a name (case and surrounding space ignored; `sse2`, `neon`, `x86-64-v3` and
    /// `x86-64-v4` are accepted as aliases).
    ///
    /// ```
    /// use lungfield::simd::Kernels;
    /// assert_eq!(Kernels::parse(" AVX2 "), Some(Kernels::Avx2));
    /// assert_eq!(Kernels::parse("avx3000"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Kernels> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scalar" => Some(Kernels::Scalar),
            "baseline" | "sse2" | "neon" | "none" | "wide" => Some(Kernels::Baseline),
            "avx2" | "x86-64-v3" => Some(Kernels::Avx2),
            "avx512" | "avx-512" | "x86-64-v4" => Some(Kernels::Avx512),
            _ => None,
        }
    }

    /// The levels this CPU can run, lowest first: always [`Kernels::Scalar`] and
    /// [`Kernels::Baseline`], then what `is_x86_feature_detected!` reports.
    pub fn available() -> &'static [Kernels] {
        static LEVELS: OnceLock<Vec<Kernels>> = OnceLock::new();
        LEVELS.get_or_init(|| {
            let v = vec![Kernels::Scalar, Kernels::Baseline];
            #[cfg(target_arch = "x86_64")]
            let v = {
                let mut v = v;
                if std::arch::is_x86_feature_detected!("avx2") {
                    v.push(Kernels::Avx2);
                }
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                {
                    v.push(Kernels::Avx512);
                }
                v
            };
            v
        })
    }

    /// The vector levels this CPU has: [`Kernels::available`] without the scalar twin.
    pub fn vectors() -> &'static [Kernels] {
        &Kernels::available()[1..]
    }

    /// The widest level this CPU has.
    pub fn widest() -> Kernels {
        Kernels::available()
            .last()
            .copied()
            .unwrap_or(Kernels::Baseline)
    }

    /// Whether a kernel asked to run at `self` may use `level`: `level` is at most `self`
    /// and this CPU has it.
    #[cfg_attr(
        any(not(target_arch = "x86_64"), target_feature = "avx512bw"),
        allow(dead_code)
    )]
    pub(crate) fn reaches(self, level: Kernels) -> bool {
        self >= level && Kernels::available().contains(&level)
    }

    /// The level the engine runs its kernels at, decided once per process: the one given to
    /// [`Kernels::choose`] before the first kernel ran, else [`Kernels::widest`] capped by
    /// `LUNGFIELD_KERNELS` (or `LUNGFIELD_SIMD`) when that names a level.
    pub fn active() -> Kernels {
        *ACTIVE.get_or_init(|| match env_value().as_deref().and_then(Kernels::parse) {
            Some(cap) => Kernels::widest().min(cap),
            None => Kernels::widest(),
        })
    }

    /// Fixes [`Kernels::active`] for this process (capped by what the CPU has). Returns the
    /// level already in force, as an error, when kernels have run or a level was chosen
    /// before.
    pub fn choose(k: Kernels) -> Result<Kernels, Kernels> {
        let k = Kernels::widest().min(k);
        ACTIVE.set(k).map(|()| k).map_err(|_| Kernels::active())
    }

    /// A one-line warning when `LUNGFIELD_KERNELS` (or `LUNGFIELD_SIMD`) is set to something
    /// [`Kernels::parse`] does not accept (it is then ignored), else `None`.
    pub fn env_warning() -> Option<String> {
        let v = env_value()?;
        match Kernels::parse(&v) {
            Some(_) => None,
            None => Some(format!(
                "LUNGFIELD_KERNELS={v} is not one of scalar, baseline, avx2, avx512: ignored, \
                 the kernels run at {}",
                Kernels::widest().name()
            )),
        }
    }
}

static ACTIVE: OnceLock<Kernels> = OnceLock::new();

/// `LUNGFIELD_KERNELS`, else the older `LUNGFIELD_SIMD`.
fn env_value() -> Option<String> {
    ["LUNGFIELD_KERNELS", "LUNGFIELD_SIMD"]
        .iter()
        .find_map(std::env::var_os)
        .map(|v| v.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_order() {
        assert_eq!(Kernels::parse("x86-64-v4"), Some(Kernels::Avx512));
        assert_eq!(Kernels::parse("sse2"), Some(Kernels::Baseline));
        assert_eq!(Kernels::parse("Scalar"), Some(Kernels::Scalar));
        let all = [
            Kernels::Scalar,
            Kernels::Baseline,
            Kernels::Avx2,
            Kernels::Avx512,
        ];
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        for k in all {
            assert_eq!(Kernels::parse(k.name()), Some(k));
        }
    }

    #[test]
    fn the_active_level_is_one_this_cpu_has() {
        let a = Kernels::available();
        assert_eq!(&a[..2], &[Kernels::Scalar, Kernels::Baseline]);
        assert_eq!(Kernels::vectors(), &a[1..]);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.contains(&Kernels::active()));
        assert!(Kernels::Avx512.reaches(Kernels::Baseline));
        assert!(!Kernels::Scalar.reaches(Kernels::Baseline));
        // Once kernels have run, the level can no longer change.
        let _ = Kernels::active();
        assert_eq!(Kernels::choose(Kernels::Scalar), Err(Kernels::active()));
    }
}
