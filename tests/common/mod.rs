//! What every test that runs the binary shares: a command that reads no
//! settings, store or log of the person running the tests.
//!
//! `ptudesk()` gives `Command::new(<the binary>)` with a home, config, data
//! and log folder of its own (one temporary folder per test process), no
//! settings file (`PTUDESK_CONFIG` names a file that does not exist, so the
//! shipped defaults apply) and a fresh store per command (`PTUDESK_DB`),
//! whatever `HOME`, `XDG_*` and `PTUDESK_*` say around the test. A test sets
//! what it needs on top (`.env("PTUDESK_DB", ...)`, `.env("PTUDESK_CONFIG",
//! ...)`): a later `env` replaces an earlier one.
//!
//! `isolated_env()` gives the same variables for commands the tests start
//! through a shell (tmux panes).

#![allow(dead_code)]

pub mod tui;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The binary under test.
pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_ptudesk")
}

/// The test process's own folder, under cargo's temporary folder for
/// tests: `home/` (with empty `.config` and `.local/share`) and the stores
/// and logs of commands that name none. It outlives the process (statics
/// are not dropped); the next run of the same test binary removes the
/// folders of its processes that have ended.
static SANDBOX: LazyLock<PathBuf> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sandbox");
    let stem = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "test".into());
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ended = name
                .strip_prefix(&format!("{stem}-"))
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
            if ended {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = root.join(format!("{stem}-{}", std::process::id()));
    for sub in ["home/.config", "home/.local/share", "home/.cache"] {
        std::fs::create_dir_all(dir.join(sub)).expect("sandbox folders");
    }
    dir
});

static NEXT: AtomicU64 = AtomicU64::new(0);

/// The sandbox folder of this test process.
pub fn sandbox() -> &'static Path {
    &SANDBOX
}

/// The home folder the binary sees.
pub fn home() -> PathBuf {
    sandbox().join("home")
}

/// A settings path that holds no file: the binary runs on the defaults.
pub fn no_config() -> PathBuf {
    sandbox().join("no-config.toml")
}

/// The environment every run of the binary gets (each call names a fresh
/// store and log).
pub fn isolated_env() -> Vec<(&'static str, OsString)> {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let home = home();
    vec![
        ("HOME", home.clone().into()),
        ("XDG_CONFIG_HOME", home.join(".config").into()),
        ("XDG_DATA_HOME", home.join(".local/share").into()),
        ("XDG_CACHE_HOME", home.join(".cache").into()),
        ("XDG_STATE_HOME", home.join(".local/state").into()),
        ("PTUDESK_CONFIG", no_config().into()),
        ("PTUDESK_DB", sandbox().join(format!("store-{n}.db")).into()),
        (
            "PTUDESK_LOG",
            sandbox().join(format!("ptudesk-{n}.log")).into(),
        ),
    ]
}

/// Variables the binary reads that a test sets itself when it wants them.
pub const CLEARED: [&str; 2] = ["PTUDESK_BUSY_TIMEOUT", "PTUDESK_WEBHOOK_TIMEOUT"];

/// Applies the isolated environment to a command.
pub fn isolate(c: &mut Command) -> &mut Command {
    for k in CLEARED {
        c.env_remove(k);
    }
    c.envs(isolated_env())
}

/// The binary with an isolated environment.
pub fn ptudesk() -> Command {
    let mut c = Command::new(exe());
    isolate(&mut c);
    c
}

/// `env K=V ...` for a shell command line (tmux panes): the isolated
/// environment, then `extra`, each value single-quoted.
pub fn env_prefix(extra: &[(&str, &Path)]) -> String {
    let mut s = String::from("env");
    for k in CLEARED {
        s.push_str(&format!(" -u {k}"));
    }
    let mut vars: Vec<(String, OsString)> = isolated_env()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for (k, v) in extra {
        vars.retain(|(n, _)| n != k);
        vars.push((k.to_string(), v.as_os_str().to_owned()));
    }
    for (k, v) in vars {
        let v = v.to_str().expect("utf-8 temporary paths");
        assert!(!v.contains('\''), "{v}");
        s.push_str(&format!(" {k}='{v}'"));
    }
    s
}

/// The seed of a test's randomness: `PTUDESK_TEST_SEED` if set, else
/// `default`; printed (shown with a failing test's output) so that a run
/// can be repeated.
pub fn seed(default: u64) -> u64 {
    let seed = match std::env::var("PTUDESK_TEST_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("PTUDESK_TEST_SEED={s}: expected a whole number")),
        Err(_) => default,
    };
    eprintln!("seed {seed} (PTUDESK_TEST_SEED={seed} repeats it)");
    seed
}
