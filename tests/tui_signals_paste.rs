//! The terminal app in a real terminal (tmux), ended by signals and fed
//! large pastes: SIGTERM, SIGINT, SIGHUP and SIGQUIT each leave the terminal
//! restored (cooked mode, main screen, cursor shown); a paste arrives in one
//! piece (bracketed paste), is capped, and the Enter after it is not lost.
//!
//! Needs tmux (`.ci/run` installs it; `apt-get install tmux` elsewhere).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-22T09:00:00Z";

struct Tmux {
    socket: String,
    dir: PathBuf,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = self.cmd(&["send-keys", "-t", "main", k]);
            assert!(out.status.success(), "send-keys {k}: {out:?}");
        }
    }

    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the screen never showed {what}; it shows:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    /// Waits for a file the session's shell writes.
    fn wait_file(&self, name: &str) -> String {
        let path = self.dir.join(name);
        let start = Instant::now();
        loop {
            if let Ok(s) = std::fs::read_to_string(&path)
                && s.ends_with('\n')
            {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{name} never came; the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A tmux format of the pane (`#{alternate_on}`, `#{cursor_flag}`).
    fn pane(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .cmd(&["display-message", "-p", "-t", "main", format])
                .stdout,
        )
        .trim()
        .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_ptudesk"))
}

/// The app on the store `db` inside tmux; the shell records the app's pid,
/// its exit status and the terminal modes after it.
fn start(dir: &Path, db: &Path, tag: &str) -> Tmux {
    assert!(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "this test drives the app inside tmux: install it (`apt-get install tmux`; .ci/run does)"
    );
    let app = format!(
        "echo $$ > pid; exec {env} {exe} --now {NOW}",
        env = common::env_prefix(&[
            ("PTUDESK_DB", db),
            ("PTUDESK_LOG", &dir.join("ptudesk.log"))
        ]),
        exe = quote(exe()),
    );
    let command = format!(
        "cd {d}; sh -c {app}; echo \"exit=$?\" > status.tmp; mv status.tmp status; stty -a > stty.tmp; mv stty.tmp stty; sleep 600",
        d = quote(dir),
        app = quote(Path::new(&app)),
    );
    let t = Tmux {
        socket: format!("ptudesk-sig-{}-{tag}", std::process::id()),
        dir: dir.to_path_buf(),
    };
    let out = t.cmd(&[
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        "-s",
        "main",
        &command,
    ]);
    assert!(out.status.success(), "tmux new-session: {out:?}");
    t
}

/// A store holding the demo estate.
fn demo_store(dir: &Path) -> PathBuf {
    let db = dir.join("s.db");
    let run = |args: &[&str]| {
        common::ptudesk()
            .args(args)
            .env("PTUDESK_DB", &db)
            .env("PTUDESK_CONFIG", dir.join("no-config.toml"))
            .output()
            .unwrap()
    };
    let demo = run(&["export", "--demo", "--now", NOW]);
    let file = dir.join("demo.json");
    std::fs::write(&file, &demo.stdout).unwrap();
    assert!(
        run(&["import", file.to_str().unwrap(), "--now", NOW])
            .status
            .success()
    );
    db
}

#[test]
fn every_signal_that_ends_the_app_restores_the_terminal() {
    for (signal, name) in [
        ("-TERM", "SIGTERM"),
        ("-INT", "SIGINT"),
        ("-HUP", "SIGHUP"),
        ("-QUIT", "SIGQUIT"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = demo_store(dir.path());
        let t = start(dir.path(), &db, &name.to_lowercase());
        t.wait_for("Next expiries, renewals and purchases");
        assert_eq!(
            t.pane("#{alternate_on}"),
            "1",
            "the app is on the alternate screen"
        );
        let pid = t.wait_file("pid");
        let kill = Command::new("kill")
            .args([signal, pid.trim()])
            .output()
            .unwrap();
        assert!(kill.status.success(), "{kill:?}");
        let status = t.wait_file("status");
        assert_eq!(status.trim(), "exit=1", "{name}");
        let stty = t.wait_file("stty");
        let words: Vec<&str> = stty.split_whitespace().collect();
        assert!(
            words.contains(&"icanon") && words.contains(&"echo"),
            "{name}: raw mode left on: {stty}"
        );
        assert_eq!(
            t.pane("#{alternate_on}"),
            "0",
            "{name}: still on the alternate screen"
        );
        assert_eq!(
            t.pane("#{cursor_flag}"),
            "1",
            "{name}: the cursor is hidden"
        );
        let log = std::fs::read_to_string(dir.path().join("ptudesk.log")).unwrap();
        assert!(log.contains(&format!("{name}: stopping")), "{log}");
    }
}

#[test]
fn a_large_paste_arrives_in_one_piece_and_the_next_enter_counts() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let t = start(dir.path(), &db, "paste");
    t.wait_for("Next expiries, renewals and purchases");
    // 4 KB into an acknowledgement's note, then Enter saves it.
    t.keys(&["6"]);
    t.wait_for("a acknowledge");
    t.keys(&["a"]);
    t.wait_for("Acknowledge hourly overage");
    let paste = dir.path().join("paste.txt");
    std::fs::write(&paste, format!("{}\nEND", "x".repeat(4000))).unwrap();
    let out = t.cmd(&["load-buffer", paste.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    // -p: as a bracketed paste, since the app asked for one.
    let out = t.cmd(&["paste-buffer", "-p", "-t", "main"]);
    assert!(out.status.success(), "{out:?}");
    t.wait_for("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    t.keys(&["Enter"]);
    t.wait_for("Acknowledged hourly overage aoai-westus3-apps");
    // 100 KB into the filter: one event, capped; the app still answers.
    t.keys(&["/"]);
    t.wait_for("/ filter");
    std::fs::write(&paste, "y".repeat(100_000)).unwrap();
    t.cmd(&["load-buffer", paste.to_str().unwrap()]);
    t.cmd(&["paste-buffer", "-p", "-t", "main"]);
    t.wait_for("filter \"yyyyyyyy");
    // Esc and q sent together can reach the app in one read, as Alt-q:
    // q only once the filter has closed.
    t.keys(&["Escape"]);
    t.wait_until("the filter closed", |s| !s.contains("filter \"yyyy"));
    t.keys(&["q"]);
    assert_eq!(t.wait_file("status").trim(), "exit=0");
    // The note kept the first 1,000 characters, its line break a space.
    let list = common::ptudesk()
        .args(["ack", "--list", "--now", NOW])
        .env("PTUDESK_DB", &db)
        .env("PTUDESK_CONFIG", dir.path().join("no-config.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    let note = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("note: "))
        .unwrap_or_else(|| panic!("no note in {text}"));
    assert_eq!(note, "x".repeat(1000));
}
