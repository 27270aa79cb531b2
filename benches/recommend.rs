//! `recommend` speed on `generate --scale 2000 --seed 7`, both profiles
//! (`spread`, `concentrated`): the library call, and the whole
//! `ptudesk recommend` process on the estate in a store (open, load,
//! rate, print JSON). Target: under 1 s for the whole process.
//!
//! Run: `cargo bench --bench recommend`

use criterion::{Criterion, criterion_group, criterion_main};
use ptudesk::domain::prices::PriceBook;
use ptudesk::generate::{Profile, generate_profile};
use ptudesk::planner::recommend::{Settings, recommend};
use ptudesk::rating::Options;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let base = ptudesk::cli::generate_base();
    let book = PriceBook::default_book();
    let opts = Options::default();
    let exe = env!("CARGO_BIN_EXE_ptudesk");
    let mut g = c.benchmark_group("recommend");
    g.sample_size(10);
    for (name, profile) in [
        ("spread", Profile::Spread),
        ("concentrated", Profile::Concentrated),
    ] {
        let estate = generate_profile(2000, 7, base, profile);
        let r = recommend(&estate, &book, &opts, base, &Settings::new()).unwrap();
        println!(
            "{name}: {} recommendations, {} expiry months, {} cliffs",
            r.rows.len(),
            r.expiries.len(),
            r.cliffs.len()
        );
        g.bench_function(format!("recommend, scale 2000 {name} (library)"), |b| {
            b.iter(|| recommend(black_box(&estate), &book, &opts, base, &Settings::new()).unwrap())
        });

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("estate.json");
        std::fs::write(&file, ptudesk::ingest::snapshot::to_json(&estate)).unwrap();
        let db = dir.path().join("s.db");
        let cfg = dir.path().join("c.toml");
        let run = |args: &[&str]| {
            std::process::Command::new(exe)
                .args(args)
                .env("PTUDESK_DB", &db)
                .env("PTUDESK_CONFIG", &cfg)
                .output()
                .unwrap()
        };
        let o = run(&[
            "import",
            file.to_str().unwrap(),
            "--now",
            "2027-01-01T00:00:00Z",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        g.bench_function(
            format!("ptudesk recommend, scale 2000 {name} (whole process)"),
            |b| {
                b.iter(|| {
                    let o = run(&[
                        "recommend",
                        "--now",
                        "2027-01-01T00:00:00Z",
                        "--format",
                        "json",
                    ]);
                    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
