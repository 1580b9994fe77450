//! `lungfield listen`: a DICOM Storage SCP that screens what the X-ray unit sends it.
//!
//! The network side is dicom-ul's (no PDU code here): [`scp`] answers C-ECHO and C-STORE,
//! checks each object before acknowledging it and writes it atomically to `OUT/received/`;
//! a pool of workers screens the queue ([`results`]) and writes, per study, the mask,
//! heatmap, result card, a Secondary Capture of the card and a Structured Report
//! ([`objects`]); [`worklist`] keeps `OUT/results.csv` and the self-refreshing
//! `OUT/index.html`; [`forward`] sends the two DICOM objects on to a PACS, retrying until it
//! answers. A restart resumes what `OUT/received/` holds without a result, and what
//! `OUT/outbox/` still holds. A stop request (the flag given to [`run`]) stops accepting,
//! lets open associations finish, screens everything received, then returns.

pub mod dimse;
pub mod forward;
pub mod header;
pub mod objects;
pub mod results;
pub mod scp;
pub mod worklist;

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{Error, Result};
pub use forward::Destination;
pub use results::Screening;
use worklist::Worklist;

/// Where log lines go (one line per association, per image, per refusal).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// A received file waiting to be screened.
#[derive(Debug)]
pub struct Job {
    /// Its path in `OUT/received/`.
    pub path: PathBuf,
}

/// How to listen.
#[derive(Clone)]
pub struct ListenOptions {
    /// Address to bind (default `127.0.0.1`).
    pub bind: String,
    /// TCP port.
    pub port: u16,
    /// This AE title.
    pub aet: String,
    /// Calling AE titles allowed (`None`: any).
    pub allow: Option<Vec<String>>,
    /// Screening workers.
    pub threads: usize,
    /// Where to send the result objects.
    pub forward: Option<Destination>,
    /// Most associations served at once; more wait to be accepted.
    pub max_associations: usize,
    /// Idle timeout of an association (read and write).
    pub timeout: Duration,
    /// Largest object accepted, in bytes.
    pub max_bytes: usize,
    /// The log.
    pub log: Log,
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Images screened in this run (resumed ones included).
    pub screened: usize,
    /// Images screened with an error row.
    pub errors: usize,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

/// Received files without a result row, oldest name first.
fn unprocessed(received: &Path, done: &HashSet<String>) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(received)
        .map_err(io_err(received))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
        .filter(|p| {
            p.file_stem()
                .is_some_and(|s| !done.contains(s.to_string_lossy().as_ref()))
        })
        .collect();
    v.sort();
    Ok(v)
}

/// A worker: screens jobs until the queue closes.
fn work(
    jobs: &Mutex<Receiver<Job>>,
    screening: &Screening,
    list: &Mutex<Worklist>,
    opts: &ListenOptions,
    summary: &Mutex<Summary>,
) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let row = screening.process(&job.path);
        let line = if row.error.is_empty() {
            format!(
                "screened {}: {}{}{}",
                row.sop_instance_uid,
                row.score.map_or("not scored".to_string(), |s| format!(
                    "score {s:.1} {}",
                    row.label
                )),
                if row.flags.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", row.flags)
                },
                if row.qc.is_empty() {
                    String::new()
                } else {
                    format!(" qc: {}", row.qc)
                },
            )
        } else {
            format!("screening {}: {}", row.sop_instance_uid, row.error)
        };
        let failed = !row.error.is_empty();
        if let Ok(mut l) = list.lock() {
            l.rows.push(row);
            if let Err(e) = l.write(&screening.out, &opts.aet) {
                (opts.log)(&format!("cannot write the worklist: {e}"));
            }
        }
        if let Ok(mut s) = summary.lock() {
            s.screened += 1;
            s.errors += usize::from(failed);
        }
        (opts.log)(&line);
    }
}

/// Listens until `stop` is set, then finishes what was received and returns.
///
/// # Errors
/// When `OUT` cannot be prepared, its `results.csv` is not the listener's, or the port
/// cannot be bound. Errors of single objects or associations are logged, never returned.
pub fn run(opts: &ListenOptions, screening: Screening, stop: &AtomicBool) -> Result<Summary> {
    let out = screening.out.clone();
    let received = out.join("received");
    let outbox = out.join("outbox");
    for d in [&received, &out.join("studies"), &outbox] {
        std::fs::create_dir_all(d).map_err(io_err(d))?;
    }
    let list = Worklist::load(&out.join("results.csv"))?;
    let done = list.done();
    let pending = unprocessed(&received, &done)?;
    let mut seen = done;
    seen.extend(
        pending
            .iter()
            .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned())),
    );
    let addr = format!("{}:{}", opts.bind, opts.port);
    let listener = TcpListener::bind(&addr).map_err(|e| Error::Dataset {
        path: PathBuf::from(&addr),
        reason: format!("cannot listen there: {e} (another listener on the port? try --port)"),
    })?;
    listener
        .set_nonblocking(true)
        .map_err(io_err(Path::new(&addr)))?;
    list.write(&out, &opts.aet)?;
    (opts.log)(&format!(
        "listening on {addr} as {}; results in {}{}{}",
        opts.aet,
        out.display(),
        if pending.is_empty() {
            String::new()
        } else {
            format!("; resuming {} received image(s)", pending.len())
        },
        opts.forward.as_ref().map_or(String::new(), |d| format!(
            "; forwarding to {}@{}",
            d.aet, d.address
        ))
    ));

    if let Some(to) = &opts.forward {
        (opts.log)(&match forward::echo(&opts.aet, to, Duration::from_secs(5)) {
            Ok(()) => format!("the PACS {}@{} answers C-ECHO", to.aet, to.address),
            Err(e) => format!("warning: the PACS does not answer C-ECHO ({e}); results wait in the outbox until it does"),
        });
    }
    let threads = opts.threads.max(1);
    let (tx, rx) = sync_channel::<Job>(threads);
    let rx = Mutex::new(rx);
    let list = Mutex::new(list);
    let summary = Mutex::new(Summary::default());
    let forward_done = AtomicBool::new(false);
    let scp = Arc::new(scp::Scp {
        aet: opts.aet.clone(),
        allow: opts.allow.clone(),
        received,
        max_bytes: opts.max_bytes,
        timeout: opts.timeout,
        seen: Mutex::new(seen),
        jobs: tx.clone(),
        log: opts.log.clone(),
    });
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| s.spawn(|| work(&rx, &screening, &list, opts, &summary)))
            .collect();
        let forwarder = opts.forward.as_ref().map(|to| {
            let (outbox, forward_done) = (&outbox, &forward_done);
            s.spawn(move || forward::drain(&opts.aet, to, outbox, forward_done, &opts.log))
        });
        // Resumed files first, fed from their own thread so the port answers at once.
        s.spawn(move || {
            for path in pending {
                if tx.send(Job { path }).is_err() {
                    return;
                }
            }
        });
        let active = Arc::new(AtomicUsize::new(0));
        while !stop.load(Ordering::SeqCst) {
            if active.load(Ordering::SeqCst) >= opts.max_associations.max(1) {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            match listener.accept() {
                Ok((stream, _)) => {
                    if stream.set_nonblocking(false).is_err() {
                        continue;
                    }
                    active.fetch_add(1, Ordering::SeqCst);
                    let (scp, active) = (scp.clone(), active.clone());
                    std::thread::spawn(move || {
                        scp.serve(stream);
                        active.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => {
                    (opts.log)(&format!("accepting a connection: {e}"));
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
        drop(listener);
        let open = active.load(Ordering::SeqCst);
        (opts.log)(&format!(
            "stopping: accepting nothing more; finishing {open} open association(s) and the images received"
        ));
        while active.load(Ordering::SeqCst) > 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
        // The last sender goes with the SCP (and the feeder, once it is done): the workers
        // drain the queue and end; then the forwarder makes its last pass.
        drop(scp);
        for w in workers {
            let _ = w.join();
        }
        forward_done.store(true, Ordering::SeqCst);
        if let Some(f) = forwarder {
            let _ = f.join();
        }
    });
    let s = summary.lock().map(|s| *s).unwrap_or_default();
    (opts.log)(&format!(
        "stopped: {} image(s) screened in this run{}",
        s.screened,
        if s.errors > 0 {
            format!(", {} with an error", s.errors)
        } else {
            String::new()
        }
    ));
    Ok(s)
}
