//! Every random test is reproducible: its randomness comes from a seed that
//! is fixed unless set, and printed. Read from the tests' own sources:
//!
//! - nothing seeds from the clock or the operating system (`SystemTime`,
//!   `from_entropy`, `from_os_rng`, `thread_rng`, `rand::rng()`, `OsRng`);
//! - a generator seeded with `seed_from_u64` takes the `seed` of
//!   `common::seed` (`PTUDESK_TEST_SEED`, printed);
//! - a proptest runner built in a test (`TestRunner::new`) runs on a fixed
//!   `RngSeed` (`PROPTEST_RNG_SEED`, printed), or on a seeded `TestRng`
//!   (`TestRunner::new_with_rng`);
//! - a property test in the library (`proptest!` in src/) names a
//!   `proptest_config` on a fixed `RngSeed`.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn random_tests_take_a_fixed_printed_seed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("tests"), &mut files);
    sources(&root.join("benches"), &mut files);
    let this = root.join("tests/seeds.rs");
    files.retain(|f| *f != this);
    assert!(files.len() > 20, "read the test sources: {files:?}");

    let mut found = Vec::new();
    let (mut seeded, mut runners) = (0, 0);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(root).unwrap().display().to_string();
        for bad in [
            "SystemTime",
            "from_entropy",
            "from_os_rng",
            "thread_rng",
            "rand::rng()",
            "OsRng",
        ] {
            if text.contains(bad) {
                found.push(format!(
                    "{name}: {bad} (a seed from the clock or the system)"
                ));
            }
        }
        for (i, _) in text.match_indices("seed_from_u64(") {
            seeded += 1;
            let arg = &text[i + "seed_from_u64(".len()..];
            if !arg.starts_with("seed)") || !text.contains("common::seed(") {
                found.push(format!(
                    "{name}: seed_from_u64 without common::seed's seed: {}",
                    arg.lines().next().unwrap_or("")
                ));
            }
        }
        let plain = text.matches("TestRunner::new(").count();
        runners += plain + text.matches("TestRunner::new_with_rng(").count();
        if plain > 0 && !text.contains("rng_seed: RngSeed::Fixed(") {
            found.push(format!("{name}: TestRunner::new without a fixed RngSeed"));
        }
    }
    // Property tests inside the library (`proptest!` in src/) run on a
    // fixed seed too.
    let mut lib = Vec::new();
    sources(&root.join("src"), &mut lib);
    let mut properties = 0;
    for f in &lib {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.strip_prefix(root).unwrap().display().to_string();
        let n = text.matches("proptest! {").count();
        properties += n;
        if n > 0
            && (!text.contains("#![proptest_config(")
                || !text.contains("rng_seed: RngSeed::Fixed("))
        {
            found.push(format!("{name}: proptest! without a fixed RngSeed"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(properties >= 1, "read the library's property tests");
    // The kill test and the two property runners are still read.
    assert!(
        seeded >= 1 && runners >= 2,
        "{seeded} seeded, {runners} runners"
    );
}
