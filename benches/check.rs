//! Advice speed: `check`'s evaluation (every notification with its
//! remedies priced) on `generate --scale 2000 --seed 7` estates of both
//! profiles (the size the targets name: `check` < 1 s, concentrated
//! < 0.5 s), and `plan migrate` on the first commitment with an expiry
//! ahead (concentrated < 0.3 s). `recommend` has its own bench
//! (`--bench recommend`).
//!
//! Run: `cargo bench --bench check`; other sizes with
//! `PTUDESK_BENCH_SIZES=1000,2000,4000 cargo bench --bench check`
//! (whole-process times and peak memory at larger sizes:
//! `benches/growth.sh`).

use chrono::Duration;
use criterion::{Criterion, criterion_group, criterion_main};
use ptudesk::config::Config;
use ptudesk::domain::prices::PriceBook;
use ptudesk::generate::{Profile, generate_profile};
use ptudesk::planner::{self, Params, Subject};
use std::hint::black_box;

/// The estate sizes: `PTUDESK_BENCH_SIZES` (comma-separated), else 2,000.
fn sizes() -> Vec<usize> {
    std::env::var("PTUDESK_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![2000])
}

fn bench(c: &mut Criterion) {
    let base = ptudesk::cli::generate_base();
    let book = PriceBook::default_book();
    let config = Config::default();
    let horizon = Duration::days(30);

    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    for profile in [Profile::Spread, Profile::Concentrated] {
        for n in sizes() {
            let e = generate_profile(n, 7, base, profile);
            g.bench_function(format!("evaluate with remedies, {profile:?} {n}"), |b| {
                b.iter(|| {
                    ptudesk::alerts::evaluate(
                        black_box(&e),
                        &book,
                        &config.alerts,
                        config.rating_options(),
                        base,
                        horizon,
                    )
                    .unwrap()
                })
            });
        }
    }
    g.finish();

    let mut g = c.benchmark_group("plan");
    g.sample_size(10);
    for profile in [Profile::Spread, Profile::Concentrated] {
        for n in sizes() {
            let e = generate_profile(n, 7, base, profile);
            let params = Params::new(base);
            // The first commitment with an expiry left to plan around.
            let Some(subject) = e
                .commitments
                .iter()
                .map(|c| Subject::Migrate {
                    commitment: c.id.clone(),
                })
                .find(|s| planner::plans(&e, &book, s, &params).is_ok())
            else {
                continue;
            };
            g.bench_function(format!("plan migrate, {profile:?} {n}"), |b| {
                b.iter(|| planner::plans(black_box(&e), &book, &subject, &params).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
