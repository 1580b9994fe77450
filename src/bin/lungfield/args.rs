//! Command-line arguments (clap derive). Only parsing lives here; `From` impls turn them into
//! library options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lung segmentation in chest X-rays with classical image processing.
#[derive(Parser, Debug)]
#[command(name = "lungfield", version, about, propagate_version = true)]
pub struct Cli {
    /// No progress bars (they are only drawn when stderr is a terminal anyway).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Which kernels run: scalar (the reference loops), baseline (the build's vectors), avx2
    /// or avx512 (capped at what the CPU has); the default is the widest this CPU has, or
    /// LUNGFIELD_KERNELS. Every level gives the same bytes; only the speed differs.
    #[arg(long, global = true, value_name = "LEVEL", value_parser = parse_kernels)]
    pub kernels: Option<lungfield::simd::Kernels>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Segment the lungs of radiographs and write OUT/<stem>_mask.png (0/255, original size).
    ///
    /// Example: lungfield segment scans/ extra.png -o masks --overlay
    Segment(SegmentArgs),
    /// Score the segmentation against the expert masks of a dataset in SZ-CXR layout.
    ///
    /// Example: lungfield evaluate --data ../shared/data/jsrt-dev -o results
    Evaluate(EvaluateArgs),
    /// Make synthetic chest radiographs with exact lung masks, in SZ-CXR layout.
    ///
    /// Example: lungfield phantom --count 200 --seed 7 --tb-fraction 0.5 --size 1024 -o phantoms
    Phantom(PhantomArgs),
    /// The whole job on phantoms in one command: make them, segment, score, contact sheet.
    ///
    /// Example: lungfield demo -o lungfield-demo
    Demo(DemoArgs),
    /// Texture and shape features inside the lungs, one CSV row per image.
    ///
    /// Example: lungfield features --data ~/data/SZ-CXR -o features.csv
    Features(FeaturesArgs),
    /// Train the TB classifier (random forest) on one or more labelled datasets (sites).
    ///
    /// Example: lungfield train --data ~/data/SZ-CXR --data ~/data/DA -o tb.lfm
    Train(TrainArgs),
    /// TB score (0–100), probability, label and flags of radiographs with a trained model.
    ///
    /// Example: lungfield classify --model tb.lfm scans/ -o results.csv
    Classify(ClassifyArgs),
    /// Cross-validate the classifier (or hold out each site in turn with --by-site).
    ///
    /// Example: lungfield cv --data ~/data/SZ-CXR --data ~/data/DA --by-site -o cv-results
    Cv(CvArgs),
    /// Re-set a model's threshold on a site's own labelled images (as WHO advises).
    ///
    /// Example: lungfield calibrate --model tb.lfm --data ~/data/local --sensitivity 0.9 -o local.lfm
    Calibrate(CalibrateArgs),
    /// A DICOM receiver (Storage SCP): screens every image the X-ray unit sends, writes
    /// results per study, a Secondary Capture and a Structured Report, and a live worklist.
    ///
    /// Example: lungfield listen --port 11112 --aet LUNGFIELD --model tb.lfm -o cad
    Listen(ListenArgs),
    /// Print a shell completion script to stdout.
    ///
    /// Example: lungfield completions bash > ~/.local/share/bash-completion/completions/lungfield
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Dataset tools: `lungfield dataset check DIR`.
    ///
    /// Example: lungfield dataset check ~/data/SZ-CXR
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Learned lung shape priors: `lungfield prior fit`.
    ///
    /// Example: lungfield prior fit --data ../shared/data/jsrt-dev -o lungs.lfp
    #[command(subcommand)]
    Prior(PriorCommand),
    /// Single-thread median timings of the kernels on one image, under the keys of the OpenCV
    /// peer script (../shared/peer/opencv_bench.py), plus the whole segmentation.
    ///
    /// Example: lungfield bench --image ../shared/data/jsrt-dev/images/JPCNN010.png --json ms.json
    Bench(BenchArgs),
}

/// `lungfield dataset …`.
#[derive(Subcommand, Debug)]
pub enum DatasetCommand {
    /// Validate a dataset in SZ-CXR layout and say exactly what is wrong: names and label
    /// suffixes, images that do not decode, masks without an image, of another size than their
    /// image, empty or not binary, and (by default) the published SZ-CXR counts: 662 images,
    /// 326 normal, 336 TB, 566 masks.
    ///
    /// Example: lungfield dataset check ~/data/SZ-CXR
    ///
    /// Any other dataset: lungfield dataset check ../shared/data/jsrt-dev --any
    Check(DatasetCheckArgs),
    /// Gather the Shenzhen images and masks from the public layouts (NLM
    /// ChinaSet_AllFiles/CXR_png, Kaggle "Chest Xray Masks and Labels" Lung Segmentation/CXR_png
    /// and masks, Kaggle shcxr-lung-mask mask/, any mix of them, or a zip of any) into SZ-CXR
    /// layout, then check the result.
    ///
    /// Example: lungfield dataset import ~/Downloads/ChinaSet_AllFiles.zip -o ~/data/SZ-CXR
    Import(DatasetImportArgs),
}

/// `lungfield dataset import`.
#[derive(Args, Debug)]
pub struct DatasetImportArgs {
    /// A folder or a .zip holding the public release(s).
    pub src: PathBuf,
    /// The dataset folder to write (images/, masks/).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Print the report as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `lungfield dataset check`.
#[derive(Args, Debug)]
pub struct DatasetCheckArgs {
    /// The dataset folder (images/, masks/).
    pub dir: PathBuf,
    /// Check the layout only, not SZ-CXR's names and counts.
    #[arg(long)]
    pub any: bool,
    /// Print the report as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `lungfield prior …`.
#[derive(Subcommand, Debug)]
pub enum PriorCommand {
    /// Fit a lung shape prior on expert masks (with their images, it also learns where
    /// lungfield's own boundaries habitually err, and corrects them).
    ///
    /// Example: lungfield prior fit --data ../shared/data/jsrt-dev -o lungs.lfp
    ///
    /// Then: lungfield segment scans/ -o masks --prior lungs.lfp
    Fit(PriorFitArgs),
}

/// `lungfield prior fit`.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["data", "masks"])))]
pub struct PriorFitArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Dataset in SZ-CXR layout (images/ and masks/): shapes and corrections (recommended).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A folder of mask images alone: shapes only (repairs a missing lung, smooths the rest).
    #[arg(long)]
    pub masks: Option<PathBuf>,
    /// Output prior file.
    #[arg(long, short = 'o', default_value = "lungs.lfp")]
    pub out: PathBuf,
    /// Pipeline options (must match the ones the prior will be used with).
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// `lungfield bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Grayscale image (any format lungfield reads; colour is converted to grey).
    #[arg(long)]
    pub image: PathBuf,
    /// Resize by this factor first (bicubic), e.g. 2.9296875 for 3000 px from 1024.
    #[arg(long)]
    pub scale: Option<f64>,
    /// Minimum timed runs per kernel (and at least half a second).
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// Only these keys (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Also write {"image", "width", "height", "instruction_set", "ms": {key: median_ms}}.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// The shape prior `segment_prior` and `file_to_mask` use (default: the built-in one).
    #[arg(long, value_name = "FILE")]
    pub prior: Option<PathBuf>,
}

/// Where the lung masks for features come from.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum MasksArg {
    /// The lungs lungfield finds.
    Found,
    /// The dataset's expert masks.
    Provided,
}

/// How `train` and `cv` blend the forest with its linear partner.
#[derive(Args, Debug)]
pub struct BlendArgs {
    /// The random forest alone, without its linear partner (lungfield 0.1's classifier;
    /// it transfers worse to other sites).
    #[arg(long)]
    pub forest_only: bool,
    /// The linear partner's share of the blended probability, 0–1 (the forest has the rest;
    /// an even 0.5 in model files before format 6).
    #[arg(long, default_value_t = lungfield::classify::linear::WEIGHT, value_name = "W", conflicts_with = "forest_only")]
    pub linear_weight: f64,
}

/// Options shared by the commands that compute features from a dataset.
#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// Dataset folder in SZ-CXR layout; repeat for several (each is a site unless its
    /// MANIFEST.csv has a `site` column).
    #[arg(long, required = true)]
    pub data: Vec<PathBuf>,
    /// Which part of the split to use.
    #[arg(long, value_enum, default_value_t = SubsetArg::All)]
    pub subset: SubsetArg,
    /// Lung masks from segmentation or the dataset's expert masks.
    #[arg(long, value_enum, default_value_t = MasksArg::Found)]
    pub masks: MasksArg,
    /// Labels from a MANIFEST.csv column instead of the _0/_1 suffix: COLUMN=VALUE marks the
    /// positives (e.g. jsrt_class=nodule).
    #[arg(long, value_name = "COLUMN=VALUE")]
    pub label_from: Option<String>,
    /// Feature settings.
    #[command(flatten)]
    pub features: FeatureArgs,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
}

/// Feature settings shared by the commands that compute features.
#[derive(Args, Debug, Clone)]
pub struct FeatureArgs {
    /// Keep the absolute feature families (fo_*, glcm_*, blob_*) in the vector: the engine
    /// before they were left out for identifying the site more than the disease.
    #[arg(long)]
    pub absolute_features: bool,
}

impl FeatureArgs {
    /// The feature settings these options ask for.
    pub fn options(&self) -> lungfield::features::FeatureOptions {
        lungfield::features::FeatureOptions {
            absolute: self.absolute_features,
            ..Default::default()
        }
    }
}

/// `lungfield features`.
#[derive(Args, Debug)]
pub struct FeaturesArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Dataset folder in SZ-CXR layout, repeat for several (or give image files/folders
    /// instead).
    #[arg(long, conflicts_with = "inputs")]
    pub data: Vec<PathBuf>,
    /// Image files or folders.
    pub inputs: Vec<PathBuf>,
    /// Lung masks from segmentation or the dataset's expert masks.
    #[arg(long, value_enum, default_value_t = MasksArg::Found)]
    pub masks: MasksArg,
    /// Output CSV.
    #[arg(long, short = 'o', default_value = "features.csv")]
    pub out: PathBuf,
    /// Run only shard I of N (1-based): a contiguous block of the sorted inputs, so cluster
    /// array jobs split a batch with no coordination; concatenated in shard order, the
    /// outputs equal one unsharded run's (CSV headers come from shard 1 only).
    #[arg(long, value_name = "I/N", default_value = "1/1")]
    pub shard: lungfield::io::Shard,
    /// Feature settings.
    #[command(flatten)]
    pub features: FeatureArgs,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
}

/// `lungfield train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Number of trees.
    #[arg(long, default_value_t = lungfield::forest::TREES)]
    pub trees: usize,
    /// Seed of the forest.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The forest and its linear partner.
    #[command(flatten)]
    pub blend: BlendArgs,
    /// Standardise every feature site by site (median and interquartile range of the
    /// site's own images); the model then scores harmonised batches only.
    #[arg(long)]
    pub harmonise: bool,
    /// Choose the operating points on stratified folds (as the score's calibration is) even
    /// when the images come from several sites (the engine before 7 December 2026). By
    /// default, with two or more sites, they are chosen on each site's predictions by a
    /// model trained on the others: thresholds that hold at a site the model never saw.
    #[arg(long)]
    pub in_site_thresholds: bool,
    /// Output model file.
    #[arg(long, short = 'o', default_value = "model.lfm")]
    pub out: PathBuf,
}

/// `lungfield classify`.
#[derive(Args, Debug)]
pub struct ClassifyArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Model file from `lungfield train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Image files or folders.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output CSV (id, score, probability, label, flags, qc); printed to stdout when absent.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write each image's abnormality heatmap here: `<stem>_heatmap.png` (8-bit, the
    /// input's size, 0 = nothing abnormal, zero outside the lungs) and
    /// `<stem>_heatmap_overlay.png` (the radiograph with the map and the lung outlines).
    #[arg(long, value_name = "DIR")]
    pub heatmaps: Option<PathBuf>,
    /// Write a result card per image here (`<stem>_card.png`: outlines and heatmap side by
    /// side, score, label, QC codes, flags, model) and `report.html`, a sortable table of
    /// all images with the cards' thumbnails.
    #[arg(long, value_name = "DIR")]
    pub cards: Option<PathBuf>,
    /// The operating point to label at: sensitivity_0.90 (the default of a trained model),
    /// sensitivity_0.95, youden, or one `lungfield calibrate` set.
    #[arg(long, value_name = "NAME")]
    pub operating_point: Option<String>,
    /// For a model trained with --harmonise: fit the site's feature statistics on this
    /// folder of the site's images instead of on the batch being scored.
    #[arg(long, value_name = "DIR")]
    pub harmonise_with: Option<PathBuf>,
    /// Run only shard I of N (1-based): a contiguous block of the sorted inputs, so cluster
    /// array jobs split a batch with no coordination; concatenated in shard order, the
    /// outputs equal one unsharded run's (CSV headers come from shard 1 only).
    #[arg(long, value_name = "I/N", default_value = "1/1")]
    pub shard: lungfield::io::Shard,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
}

/// `lungfield listen`.
#[derive(Args, Debug)]
pub struct ListenArgs {
    /// TCP port.
    #[arg(long, default_value_t = 11112)]
    pub port: u16,
    /// This listener's AE title.
    #[arg(long, default_value = "LUNGFIELD")]
    pub aet: String,
    /// Output folder: received/, studies/<Study UID>/, outbox/, results.csv, index.html.
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Model file from `lungfield train`.
    #[arg(long)]
    pub model: PathBuf,
    /// Shape prior file, instead of the model's.
    #[arg(long, value_name = "FILE")]
    pub prior: Option<PathBuf>,
    /// Accept associations only from these calling AE titles (comma-separated).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub allow_aet: Option<Vec<String>>,
    /// Address to listen on; 0.0.0.0 for every interface.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Send each result's Secondary Capture and Structured Report to this PACS
    /// (AET@HOST:PORT); failed sends stay in OUT/outbox/ and are retried.
    #[arg(long, value_name = "AET@HOST:PORT")]
    pub forward: Option<lungfield::listen::Destination>,
    /// Screening threads (default: all cores).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Most associations served at once; more wait in the queue to be accepted.
    #[arg(long, default_value_t = 8)]
    pub max_associations: usize,
    /// Seconds an association may stay silent before it is closed.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Largest object accepted, in MB (larger ones are refused with status A700).
    #[arg(long, default_value_t = 512)]
    pub max_mb: usize,
}

/// `lungfield cv`.
#[derive(Args, Debug)]
pub struct CvArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// Folds.
    #[arg(long, default_value_t = 10)]
    pub folds: usize,
    /// Repeats with different folds (probabilities averaged).
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Seed of the folds, forests and bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of trees.
    #[arg(long, default_value_t = lungfield::forest::TREES)]
    pub trees: usize,
    /// The forest and its linear partner.
    #[command(flatten)]
    pub blend: BlendArgs,
    /// Hold out each site in turn (train on the others) instead of k-fold: per_site.csv.
    #[arg(long)]
    pub by_site: bool,
    /// Standardise the features site by site (see `train --harmonise`).
    #[arg(long)]
    pub harmonise: bool,
    /// Choose the operating points on stratified folds (as the score's calibration is) even
    /// when the images come from several sites (with --by-site; the engine before 7 December 2026). By
    /// default, with two or more sites, they are chosen on each site's predictions by a
    /// model trained on the others: thresholds that hold at a site the model never saw.
    #[arg(long)]
    pub in_site_thresholds: bool,
    /// Output folder (summary.json, roc.csv, oof.csv, importance.csv, per_site.csv,
    /// features.csv; with --by-site: per_site.csv, oof.csv, summary.json, features.csv).
    #[arg(long, short = 'o', default_value = "lungfield-cv")]
    pub out: PathBuf,
}

/// `lungfield calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Model file from `lungfield train`.
    #[arg(long)]
    pub model: PathBuf,
    /// The site's labelled images.
    #[command(flatten)]
    pub data: DataArgs,
    /// Choose the threshold for this sensitivity (default 0.90).
    #[arg(long, conflicts_with = "specificity")]
    pub sensitivity: Option<f64>,
    /// Choose the threshold for this specificity instead.
    #[arg(long)]
    pub specificity: Option<f64>,
    /// Output model file (the input model with the new default operating point).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
}

/// `lungfield phantom`.
#[derive(Args, Debug)]
pub struct PhantomArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Number of images.
    #[arg(long, default_value_t = 40)]
    pub count: usize,
    /// Seed: the same seed gives byte-identical files on any machine and thread count.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Fraction of TB-like images (suffix _1), spread evenly through the set.
    #[arg(long, default_value_t = 0.5)]
    pub tb_fraction: f64,
    /// Side of the square images in pixels (at least 64).
    #[arg(long, default_value_t = 512)]
    pub size: usize,
    /// Bits per pixel of the images: 8 or 16.
    #[arg(long, default_value_t = 8)]
    pub bits: u8,
    /// Worker threads (default: all cores). The files do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Output folder (images/, masks/, MANIFEST.csv).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
}

/// `lungfield demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "lungfield-demo")]
    pub out: PathBuf,
    /// Number of phantoms.
    #[arg(long, default_value_t = 40)]
    pub count: usize,
    /// Side of the phantoms in pixels.
    #[arg(long, default_value_t = 512)]
    pub size: usize,
    /// Seed of the phantom set.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
}

/// Options shared by the commands that run the pipeline.
#[derive(Args, Debug, Clone)]
pub struct PipelineArgs {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Longer side of the working image in pixels.
    #[arg(long, default_value_t = 256)]
    pub work_size: usize,
    /// Skip the active-contour refinement (for comparison).
    #[arg(long)]
    pub no_contour: bool,
    /// Constrain and repair the lungs with this shape prior (from `lungfield prior fit`)
    /// instead of the built-in one (fitted on JSRT/SCR).
    #[arg(long, value_name = "FILE")]
    pub prior: Option<PathBuf>,
    /// No shape prior: the image-driven lungs only (for comparison).
    #[arg(long, conflicts_with = "prior")]
    pub no_prior: bool,
    /// Segment the whole image, black or white padding around the film included (for
    /// comparison; by default the exposed field is found first).
    #[arg(long)]
    pub no_field: bool,
    /// Pick the seed's lung fields without bridging rib shadows first (for comparison; by
    /// default gaps up to a rib's height are bridged, so a lung field cut by bright ribs is
    /// found whole).
    #[arg(long)]
    pub no_rib_bridge: bool,
    /// With a prior: skip the repair of gross errors by its point distribution model (for
    /// comparison; the region corrections still apply).
    #[arg(long)]
    pub no_shape_repair: bool,
    /// With a prior: ignore the image's shade in its corrections (for comparison; they then
    /// follow only where the experts habitually draw the boundary).
    #[arg(long)]
    pub no_prior_shade: bool,
    /// With a prior: skip its band classifier, which decides the pixels near the boundary
    /// from the image (for comparison; the corrections and the shape repair still apply).
    #[arg(long)]
    pub no_prior_refine: bool,
}

/// `lungfield segment`.
#[derive(Args, Debug)]
pub struct SegmentArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Image files or folders (walked recursively for .png/.jpg/.jpeg/.tif/.tiff, skipping *_mask.*).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Also write OUT/<stem>_overlay.png with the lung outlines.
    #[arg(long)]
    pub overlay: bool,
    /// Skip inputs whose outputs are already in OUT (outputs are written atomically, so an
    /// existing one is complete): finishes an interrupted batch.
    #[arg(long)]
    pub resume: bool,
    /// Run only shard I of N (1-based): a contiguous block of the sorted inputs, so cluster
    /// array jobs split a batch with no coordination; concatenated in shard order, the
    /// outputs equal one unsharded run's (CSV headers come from shard 1 only).
    #[arg(long, value_name = "I/N", default_value = "1/1")]
    pub shard: lungfield::io::Shard,
    /// Pipeline options.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// Part of the dataset's 8:1:1 split.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum SubsetArg {
    /// Every image with a mask.
    All,
    /// The 80 % training part.
    Train,
    /// The 10 % validation part.
    Val,
    /// The 10 % test part.
    Test,
}

/// `lungfield evaluate`.
#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// Print the results as one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Dataset folder in SZ-CXR layout: images/<id>.png, masks/<id>_mask.png, optional MANIFEST.csv.
    #[arg(long)]
    pub data: PathBuf,
    /// Which part of the split to score.
    #[arg(long, value_enum, default_value_t = SubsetArg::All)]
    pub subset: SubsetArg,
    /// Output folder for per_image.csv and summary.json.
    #[arg(long, short = 'o', default_value = "lungfield-eval")]
    pub out: PathBuf,
    /// Score with a shape prior cross-validated on the dataset's own masks: K folds, each
    /// segmented with a prior fitted on the other folds' images and masks.
    #[arg(long, value_name = "K", conflicts_with = "prior")]
    pub prior_cv: Option<usize>,
    /// Pipeline options.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

impl From<&PipelineArgs> for lungfield::SegmentOptions {
    fn from(a: &PipelineArgs) -> Self {
        let mut o = lungfield::SegmentOptions {
            work_size: a.work_size,
            field: !a.no_field,
            ..Default::default()
        };
        if a.no_rib_bridge {
            o.rib_bridge = 0;
        }
        o.prior.shape_repair = !a.no_shape_repair;
        o.prior.shade = !a.no_prior_shade;
        o.prior.refine = !a.no_prior_refine;
        if a.no_contour {
            o.without_contour()
        } else {
            o
        }
    }
}

impl From<MasksArg> for lungfield::features::MaskSource {
    fn from(m: MasksArg) -> Self {
        match m {
            MasksArg::Found => lungfield::features::MaskSource::Found,
            MasksArg::Provided => lungfield::features::MaskSource::Provided,
        }
    }
}

impl From<SubsetArg> for lungfield::io::Subset {
    fn from(s: SubsetArg) -> Self {
        use lungfield::io::{Split, Subset};
        match s {
            SubsetArg::All => Subset::All,
            SubsetArg::Train => Subset::Only(Split::Train),
            SubsetArg::Val => Subset::Only(Split::Val),
            SubsetArg::Test => Subset::Only(Split::Test),
        }
    }
}

fn parse_kernels(s: &str) -> Result<lungfield::simd::Kernels, String> {
    lungfield::simd::Kernels::parse(s)
        .ok_or_else(|| format!("'{s}' is not one of scalar, baseline, avx2, avx512"))
}
