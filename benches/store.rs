//! Store speed: importing `generate --scale 2000` into a fresh store (the
//! library path and the whole `ptudesk import` process), and opening the
//! store and loading the estate for rating.
//!
//! Run: `cargo bench --bench store`

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ptudesk::ingest::batch::Batch;
use ptudesk::ingest::merge::{FileBatch, merge};
use ptudesk::store::Store;
use std::convert::Infallible;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let base = ptudesk::cli::generate_base();
    let estate = ptudesk::generate::generate(2000, 7, base);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.json");
    std::fs::write(&file, ptudesk::ingest::snapshot::to_json(&estate)).unwrap();

    let mut g = c.benchmark_group("store");
    g.sample_size(20);
    g.bench_function("import scale 2000 into a fresh store (library)", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |d| {
                let snap = ptudesk::ingest::snapshot::load(&file).unwrap();
                let batches = vec![FileBatch {
                    file: "estate.json".into(),
                    batch: Batch {
                        snapshot: Some(snap),
                        ..Default::default()
                    },
                }];
                let mut store = Store::open(&d.path().join("s.db")).unwrap();
                store
                    .transact::<Infallible>("import", "bench", base, |cur| {
                        Ok(merge(cur, &batches, base).unwrap().0)
                    })
                    .unwrap()
                    .unwrap();
                d
            },
            BatchSize::PerIteration,
        )
    });

    let exe = env!("CARGO_BIN_EXE_ptudesk");
    g.bench_function("ptudesk import scale 2000 (whole process)", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |d| {
                let out = std::process::Command::new(exe)
                    .arg("import")
                    .arg(&file)
                    .env("PTUDESK_DB", d.path().join("s.db"))
                    .output()
                    .unwrap();
                assert!(out.status.success());
                d
            },
            BatchSize::PerIteration,
        )
    });

    let db = dir.path().join("loaded.db");
    let status = std::process::Command::new(exe)
        .arg("import")
        .arg(&file)
        .env("PTUDESK_DB", &db)
        .status()
        .unwrap();
    assert!(status.success());
    g.bench_function("open the store and load the estate (scale 2000)", |b| {
        b.iter(|| {
            let store = Store::open_existing(&db).unwrap();
            black_box(store.load().unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
