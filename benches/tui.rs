//! Terminal app speed with the `generate --scale 2000` estate in a store:
//! first frame, keystroke to redrawn frame, edit to priced preview, and
//! peak resident memory (VmHWM from /proc/self/status, printed at the end).
//! Frames are drawn on ratatui's `TestBackend` at 120x40 (and at 80x24,
//! where the deployments' columns are laid out for a narrow window),
//! through the same `update` / effects / `draw` path the terminal uses.
//!
//! The peak memory is read before the last measurement, which opens
//! stores of its own. At the end, once per profile of `generate` (spread and concentrated,
//! 2,000 deployments each), the time from opening the store to every pane
//! drawn with its data, notifications (every remedy priced) and forecast
//! chart included: the median of three runs, printed, not asserted.
//!
//! Run: `cargo bench --bench tui`

use criterion::{BatchSize, Criterion};
use ptudesk::config::Config;
use ptudesk::domain::time::Time;
use ptudesk::generate::Profile;
use ptudesk::tui::action::TextKey;
use ptudesk::tui::app::form_preview;
use ptudesk::tui::runtime::{Options, StoreChoice, prepare, send, settle};
use ptudesk::tui::{Action, App, Effect, Worker, draw, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::convert::Infallible;
use std::hint::black_box;
use std::path::Path;

fn frame(app: &App, t: &mut Terminal<TestBackend>) {
    t.draw(|f| draw(app, f)).unwrap();
}

fn open(db: &Path, now: ptudesk::domain::time::Time) -> (App, Worker) {
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Path(db.to_path_buf()),
        now: Some(now),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    app.size = (120, 40);
    (app, worker)
}

/// The first frame with the store's data: open the store, load and rate
/// it for every pane, draw. (The notifications and the forecast chart
/// follow as effects of their own; measured apart.)
fn first_frame(
    db: &Path,
    now: ptudesk::domain::time::Time,
    t: &mut Terminal<TestBackend>,
) -> (App, Worker, Vec<Effect>) {
    let (mut app, worker) = open(db, now);
    let mut follow = Vec::new();
    for e in app.start() {
        for a in worker.run(e) {
            follow.extend(update(&mut app, a));
        }
    }
    frame(&app, t);
    (app, worker, follow)
}

/// Opening the store to every pane settled and drawn, median of three runs,
/// on a 2,000-deployment estate of `profile`.
fn every_pane_settled(profile: Profile, base: Time, now: Time) -> std::time::Duration {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("estate.db");
    let estate = ptudesk::generate::generate_profile(2000, 7, base, profile);
    let mut store = ptudesk::store::Store::open(&db).unwrap();
    store
        .transact::<Infallible>("import", "bench", base, |_| Ok(estate.clone()))
        .unwrap()
        .unwrap();
    drop(store);
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut runs: Vec<std::time::Duration> = (0..3)
        .map(|_| {
            let started = std::time::Instant::now();
            let (mut app, worker, follow) = first_frame(&db, now, &mut t);
            settle(&mut app, &worker, follow);
            frame(&app, &mut t);
            let took = started.elapsed();
            black_box(&app);
            took
        })
        .collect();
    runs.sort();
    runs[1]
}

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let base = ptudesk::cli::generate_base();
    let now = base + chrono::Duration::days(14) + chrono::Duration::hours(9);
    let estate = ptudesk::generate::generate(2000, 7, base);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scale2000.db");
    {
        let mut store = ptudesk::store::Store::open(&db).unwrap();
        store
            .transact::<Infallible>("import", "bench", base, |_| Ok(estate.clone()))
            .unwrap()
            .unwrap();
    }
    drop(estate);
    let mut c = Criterion::default().sample_size(20).configure_from_args();
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();

    let mut g = c.benchmark_group("tui scale 2000");
    g.bench_function("first frame (open store, load, rate, draw)", |b| {
        b.iter(|| black_box(first_frame(&db, now, &mut t)))
    });

    // A settled app on the deployments pane (2,000 rows).
    let (mut app, worker, follow) = first_frame(&db, now, &mut t);
    let started = std::time::Instant::now();
    settle(&mut app, &worker, follow);
    let settle_time = started.elapsed();
    send(&mut app, &worker, Action::PaneDeployments);
    frame(&app, &mut t);

    g.bench_function("keystroke to frame: j on 2,000 deployments", |b| {
        b.iter(|| {
            let e = update(&mut app, Action::Down);
            assert!(e.is_empty());
            frame(&app, &mut t);
        })
    });
    g.bench_function(
        "keystroke to frame: a filter character on 2,000 deployments",
        |b| {
            send(&mut app, &worker, Action::Filter);
            b.iter(|| {
                update(&mut app, Action::Text(TextKey::Char('g')));
                frame(&app, &mut t);
                update(&mut app, Action::Text(TextKey::Backspace));
            });
            send(&mut app, &worker, Action::Back);
        },
    );
    // The same at 80x24, where the columns are laid out for a narrow
    // window (a strip the `<` / `>` keys step through).
    g.bench_function("keystroke to frame: j on 2,000 deployments at 80x24", |b| {
        let mut narrow = Terminal::new(TestBackend::new(80, 24)).unwrap();
        update(&mut app, Action::Resized(80, 24));
        b.iter(|| {
            update(&mut app, Action::Down);
            frame(&app, &mut narrow);
        });
        update(&mut app, Action::Resized(120, 40));
    });
    g.bench_function(
        "keystroke to frame: > (columns) on 2,000 deployments at 80x24",
        |b| {
            let mut narrow = Terminal::new(TestBackend::new(80, 24)).unwrap();
            update(&mut app, Action::Resized(80, 24));
            let mut k = 0;
            b.iter(|| {
                k += 1;
                let a = if k % 4 < 2 {
                    Action::ColumnsRight
                } else {
                    Action::ColumnsLeft
                };
                update(&mut app, a);
                frame(&app, &mut narrow);
            });
            update(&mut app, Action::Resized(120, 40));
        },
    );
    g.bench_function("keystroke to frame: switch pane", |b| {
        let mut k = 0;
        b.iter(|| {
            k += 1;
            let a = if k % 2 == 0 {
                Action::PaneReservations
            } else {
                Action::PaneDeployments
            };
            update(&mut app, a);
            frame(&app, &mut t);
        })
    });

    // Edit to priced preview: press + on a commitment; the form opens and
    // the preview effect rates the edited and the current estate.
    send(&mut app, &worker, Action::PaneCommitments);
    let commitments = app
        .table(ptudesk::tui::Pane::Commitments)
        .unwrap()
        .rows
        .len();
    let active = (0..commitments)
        .find(|&i| {
            let t = app.table(ptudesk::tui::Pane::Commitments).unwrap();
            t.rows[i].cells[2] != "0"
        })
        .expect("an active commitment");
    for _ in 0..active {
        send(&mut app, &worker, Action::Down);
    }
    g.bench_function("edit to priced preview: add 50 PTU", |b| {
        b.iter_batched(
            || app.clone(),
            |mut a| {
                send(&mut a, &worker, Action::AddPtu);
                let p = form_preview(&a).expect("priced").clone();
                assert!(p.is_ok(), "{p:?}");
                frame(&a, &mut t);
                a
            },
            BatchSize::LargeInput,
        )
    });
    // A resize rates a day at the new size as well: one step up in an open
    // resize form, to the priced preview.
    send(&mut app, &worker, Action::PaneDeployments);
    send(&mut app, &worker, Action::Top);
    send(&mut app, &worker, Action::Resize);
    g.bench_function("edit to priced preview: resize one step up", |b| {
        b.iter_batched(
            || app.clone(),
            |mut a| {
                send(&mut a, &worker, Action::Text(TextKey::Right));
                let p = form_preview(&a).expect("priced").clone();
                assert!(p.is_ok(), "{p:?}");
                frame(&a, &mut t);
                a
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
    c.final_summary();

    println!("\nnotifications and forecast chart after the first frame (one run): {settle_time:?}");
    match vm_hwm_kib() {
        Some(k) => println!(
            "peak resident memory (VmHWM) of this process: {:.1} MB",
            k as f64 / 1024.0
        ),
        None => println!("peak resident memory: /proc/self/status not available"),
    }
    for profile in [Profile::Spread, Profile::Concentrated] {
        println!(
            "{profile:?} 2,000: store opened to every pane settled, notifications included (median of 3): {:?}",
            every_pane_settled(profile, base, now)
        );
    }
}
