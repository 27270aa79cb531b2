//! Rating speed: a one-year forecast of `generate --scale 2000 --seed 7`,
//! the whole `forecast` process on the same estate, and the naive reference
//! engine on the same estate, one week and the whole year (the ratios are printed).
//!
//! Run: `cargo bench --bench rating`

use criterion::{Criterion, criterion_group, criterion_main};
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::time::Time;
use ptudesk::rating::{self, Basis, Bucket, Options, Request};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn base() -> Time {
    ptudesk::cli::generate_base()
}

fn request(days: i64, basis: Basis) -> Request {
    Request {
        from: base(),
        to: base() + chrono::Duration::days(days),
        basis,
        by: Bucket::Month,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_it(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn bench(c: &mut Criterion) {
    let estate = ptudesk::generate::generate(2000, 7, base());
    let book = PriceBook::default_book();
    let opts = Options::default();
    let year = request(365, Basis::Actual);
    let year_amortized = request(365, Basis::Amortized);
    let week = request(7, Basis::Actual);

    let mut g = c.benchmark_group("rating");
    g.sample_size(20);
    g.bench_function("forecast 1 year, scale 2000 (fast core)", |b| {
        b.iter(|| rating::forecast(black_box(&estate), &book, &year, &opts).unwrap())
    });
    g.bench_function("forecast 1 year amortized, scale 2000 (fast core)", |b| {
        b.iter(|| rating::forecast(black_box(&estate), &book, &year_amortized, &opts).unwrap())
    });
    g.finish();

    // The whole process: parse the snapshot, validate, rate, print JSON.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.json");
    std::fs::write(&file, ptudesk::ingest::snapshot::to_json(&estate)).unwrap();
    let exe = env!("CARGO_BIN_EXE_ptudesk");
    let mut g = c.benchmark_group("process");
    g.sample_size(10);
    g.bench_function("ptudesk forecast 1 year, scale 2000 (whole process)", |b| {
        b.iter(|| {
            let out = std::process::Command::new(exe)
                .args(["forecast", "--scenario"])
                .arg(&file)
                .args([
                    "--from",
                    "2027-01-01",
                    "--to",
                    "2028-01-01",
                    "--format",
                    "json",
                ])
                .output()
                .unwrap();
            assert!(out.status.success());
        })
    });
    g.finish();

    // The naive reference on the same estate: one week (repeated), and the
    // whole year once (it takes tens of seconds, too long for criterion's
    // sampling).
    let naive = time_it(3, || {
        black_box(rating::reference::forecast(&estate, &book, &week, &opts).unwrap());
    });
    let fast_week = time_it(21, || {
        black_box(rating::forecast(&estate, &book, &week, &opts).unwrap());
    });
    let fast_year = time_it(21, || {
        black_box(rating::forecast(&estate, &book, &year, &opts).unwrap());
    });
    println!(
        "reference vs fast, same 1-week window: {:.1} ms vs {:.2} ms: {:.0}x",
        naive.as_secs_f64() * 1e3,
        fast_week.as_secs_f64() * 1e3,
        naive.as_secs_f64() / fast_week.as_secs_f64()
    );
    let naive_year = time_it(1, || {
        black_box(rating::reference::forecast(&estate, &book, &year, &opts).unwrap());
    });
    println!(
        "reference vs fast, same 1-year window (reference run once): {:.1} s vs {:.1} ms: {:.0}x",
        naive_year.as_secs_f64(),
        fast_year.as_secs_f64() * 1e3,
        naive_year.as_secs_f64() / fast_year.as_secs_f64()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
