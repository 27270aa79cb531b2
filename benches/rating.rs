//! Rating speed: a one-year forecast of `generate --scale 2000 --seed 7`,
//! the whole `forecast` process on the same estate, and the naive reference
//! engine on the same estate, one week and the whole year (the ratios are printed).
//!
//! Run: `cargo bench --bench rating`

use criterion::{Criterion, criterion_group, criterion_main};
use ptudesk::domain::prices::PriceBook;
use ptudesk::domain::time::Time;
use ptudesk::generate::{Profile, generate_profile};
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

    // Growth with the estate's size, on both profiles: one year, actual basis.
    let mut g = c.benchmark_group("growth");
    g.sample_size(10);
    for profile in [Profile::Spread, Profile::Concentrated] {
        for n in [1000, 2000, 4000, 8000] {
            let e = generate_profile(n, 7, base(), profile);
            g.bench_function(format!("forecast 1 year, {profile:?} {n}"), |b| {
                b.iter(|| rating::forecast(black_box(&e), &book, &year, &opts).unwrap())
            });
        }
    }
    g.finish();

    // A one-deployment edit previewed as the terminal app does (the
    // worker keeps the current estate's totals between previews): a resize
    // 50 PTU up an hour after the base, on estates of 2,000 and 20,000.
    let mut g = c.benchmark_group("whatif");
    g.sample_size(10);
    let opts = ptudesk::config::Config::default().rating_options();
    let now = base();
    let month = (
        ptudesk::domain::time::month_start(now),
        ptudesk::domain::time::add_months(ptudesk::domain::time::month_start(now), 1),
    );
    let next30 = (now, now + chrono::Duration::days(30));
    for profile in [Profile::Spread, Profile::Concentrated] {
        for n in [2000, 20000] {
            let e = std::sync::Arc::new(generate_profile(n, 7, base(), profile));
            let d = e
                .deployments
                .iter()
                .find(|d| d.created() < now && d.deleted.is_none() && d.ptu_at(now) > 0)
                .expect("a deployment live at the base");
            let edit = ptudesk::domain::plan::Edit::ResizeDeployment {
                deployment: d.id.clone(),
                at: now + chrono::Duration::hours(1),
                ptu: d.ptu_at(now) + 50,
            };
            let mut baseline = rating::whatif::Baseline::default();
            let preview = |b: &mut rating::whatif::Baseline| {
                ptudesk::planner::preview::preview_with(
                    b, &e, &edit, &book, &opts, month, next30, now,
                )
            };
            // The first preview rates the current estate's windows once.
            preview(&mut baseline).expect("the resize prices");
            g.bench_function(format!("resize preview, {profile:?} {n}"), |b| {
                b.iter(|| preview(&mut baseline).expect("the resize prices"))
            });
        }
    }
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

    // One week of each benchmark estate, rated by both engines, compared.
    for profile in [Profile::Spread, Profile::Concentrated] {
        let e = generate_profile(2000, 7, base(), profile);
        let fast = rating::forecast(&e, &book, &week, &opts).unwrap();
        let slow = rating::reference::forecast(&e, &book, &week, &opts).unwrap();
        if let Err(diff) = same(&fast, &slow) {
            panic!("{profile:?} 2000, one week: the engines differ: {diff}");
        }
        println!(
            "{profile:?} 2000, one week: the fast engine equals the reference ({} windows, total {})",
            fast.windows.len(),
            fast.totals.total().round_dp(2)
        );
    }

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

/// Two forecasts agree: every PTU-minute figure exactly, every money figure
/// within 1e-12 and equal once rounded to cents.
fn same(f: &rating::Forecast, r: &rating::Forecast) -> Result<(), String> {
    use rust_decimal::Decimal;
    let money = |what: &str, a: Decimal, b: Decimal| -> Result<(), String> {
        if (a - b).abs() > Decimal::new(1, 12) || a.round_dp(2) != b.round_dp(2) {
            return Err(format!("{what}: {a} vs {b}"));
        }
        Ok(())
    };
    let (t, u) = (&f.totals, &r.totals);
    for (what, a, b) in [
        ("hourly", t.hourly, u.hourly),
        ("commitment", t.commitment, u.commitment),
        ("reservation", t.reservation, u.reservation),
        ("refunds", t.refunds, u.refunds),
        ("managed compute", t.managed_compute, u.managed_compute),
    ] {
        money(what, a, b)?;
    }
    let minutes = |t: &rating::Totals| {
        [
            t.deployed_ptu_minutes,
            t.commitment_covered_ptu_minutes,
            t.reservation_covered_ptu_minutes,
            t.hourly_ptu_minutes,
            t.unused_commitment_ptu_minutes,
            t.unused_reservation_ptu_minutes,
        ]
    };
    if minutes(t) != minutes(u) {
        return Err(format!("PTU-minutes: {:?} vs {:?}", minutes(t), minutes(u)));
    }
    if f.instruments.len() != r.instruments.len() {
        return Err("instrument count".into());
    }
    for (a, b) in f.instruments.iter().zip(&r.instruments) {
        if (&a.id, a.capacity_ptu_minutes, a.used_ptu_minutes)
            != (&b.id, b.capacity_ptu_minutes, b.used_ptu_minutes)
        {
            return Err(format!("instrument {}: {a:?} vs {b:?}", a.id));
        }
        money(&a.id, a.charges, b.charges)?;
    }
    if f.windows.len() != r.windows.len() {
        return Err(format!(
            "{} windows vs {}",
            f.windows.len(),
            r.windows.len()
        ));
    }
    for (a, b) in f.windows.iter().zip(&r.windows) {
        if (
            a.kind,
            &a.subject,
            a.start,
            a.end,
            a.ptu_minutes,
            &a.explanation,
        ) != (
            b.kind,
            &b.subject,
            b.start,
            b.end,
            b.ptu_minutes,
            &b.explanation,
        ) {
            return Err(format!("window {a:?} vs {b:?}"));
        }
        money(&a.subject, a.cost, b.cost)?;
    }
    if f.periods.len() != r.periods.len() {
        return Err("period count".into());
    }
    for (a, b) in f.periods.iter().zip(&r.periods) {
        money("period", a.total(), b.total())?;
    }
    Ok(())
}

criterion_group!(benches, bench);
criterion_main!(benches);
