//! The real binary in a real terminal: `ptudesk --demo --now ...` inside a
//! detached tmux session (a terminal emulator that answers crossterm's
//! queries, unlike a bare pty), driven with `send-keys` and read with
//! `capture-pane`. Walks all panes, opens the help, filters a table, makes
//! and undoes an edit, opens a plan, quits, and checks the exit status.
//!
//! Needs tmux (`.ci/run` installs it; `apt-get install tmux` elsewhere).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
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

    /// Types text literally (no key-name lookup).
    fn type_text(&self, text: &str) {
        let out = self.cmd(&["send-keys", "-t", "main", "-l", text]);
        assert!(out.status.success(), "send-keys -l {text}: {out:?}");
    }

    /// Waits until the screen shows `text` (generous: a slow machine is not a failure).
    fn wait_for(&self, text: &str) -> String {
        self.wait_all(&[text])
    }

    /// Waits until the screen shows every one of `texts` at once: a
    /// capture can catch a frame half drawn, so what a test asserts about
    /// a screen it waits for.
    fn wait_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("{texts:?}"), |s| {
            texts.iter().all(|t| s.contains(t))
        })
    }

    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("the screen never showed {what}; it shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn status_file(&self) -> PathBuf {
        self.dir.path().join("status")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

#[test]
fn walks_the_demo_in_a_real_terminal() {
    assert!(
        have_tmux(),
        "this test drives the app inside tmux: install it (`apt-get install tmux`; .ci/run does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let exe = Path::new(env!("CARGO_BIN_EXE_ptudesk"));
    let log = dir.path().join("ptudesk.log");
    let status = dir.path().join("status");
    let command = format!(
        "{env} {exe} --demo --now 2026-11-22T09:00:00Z; echo \"exit=$?\" > {status}; sleep 600",
        env = common::env_prefix(&[("PTUDESK_LOG", &log)]),
        exe = quote(exe),
        status = quote(&status),
    );
    let t = Tmux {
        socket: format!("ptudesk-test-{}", std::process::id()),
        dir,
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

    // 1: the overview, with this month's forecast from the rating core.
    t.wait_all(&[
        "Next expiries, renewals and purchases",
        "ptudesk · demo",
        "$502,484.80",
    ]);

    // Every pane by its digit.
    for (key, text) in [
        ("2", "Quota: per subscription"),
        ("3", "Deployments · 12 rows"),
        ("4", "Commitments (Manage Commitments)"),
        ("5", "Reservations · 4 rows"),
        ("6", "Notifications"),
        ("7", "Where money leaks"),
        ("8", "No plan yet: pick a subject."),
        ("1", "PTU this hour (09:00-10:00 UTC) by region and type"),
    ] {
        t.keys(&[key]);
        t.wait_for(text);
    }
    // Tab goes to the next pane.
    t.keys(&["Tab"]);
    t.wait_for("enter expands");

    // Help, from the live keymap.
    t.keys(&["?"]);
    t.wait_all(&["Help: keys from your keymap", "capacity (capacity)"]);
    t.keys(&["Escape"]);
    t.wait_for("enter expands");

    // Filter the deployments.
    t.keys(&["3", "/"]);
    t.wait_for("/ filter");
    t.type_text("legacy");
    t.wait_until("the two legacy deployments alone", |s| {
        s.contains("2 of 12 rows, filter \"legacy\"")
            && s.contains("chat-gpt4o-legacy")
            && !s.contains("rag-gpt4omini")
    });
    t.keys(&["Enter", "Escape"]);
    t.wait_for("Deployments · 12 rows");

    // Sorting by cost: `h` puts the column cursor on the last column (the
    // cost), `O` sorts by it, costliest first.
    t.keys(&["h", "O"]);
    t.wait_until("sorted by this month's cost, costliest first", |s| {
        s.contains("sorted by This month ▼")
            && s.lines()
                .find(|l| l.contains("│Deployment "))
                .and_then(|_| s.lines().skip_while(|l| !l.contains("│Deployment ")).nth(1))
                .is_some_and(|l| l.contains("support-gpt4o"))
    });

    // Too small a window: the app hides and only q and resizing work; a
    // refund key pressed there opens nothing.
    t.keys(&["5"]);
    t.wait_for("Reservations · 4 rows");
    let resize = |w: &str, h: &str| {
        let o = t.cmd(&["resize-window", "-t", "main", "-x", w, "-y", h]);
        assert!(o.status.success(), "tmux resize-window: {o:?}");
    };
    resize("60", "20");
    t.wait_for("needs at least 80x24");
    t.keys(&["x", "Enter", "y"]);
    resize("120", "40");
    let s = t.wait_for("Reservations · 4 rows");
    assert!(!s.contains("Refund res-") && !s.contains("Saved #"), "{s}");

    // Enter on a notification jumps to its subject; Esc comes back.
    t.keys(&["6"]);
    t.wait_for("a acknowledge");
    t.keys(&["Enter"]);
    t.wait_until("the jump left the Notifications pane", |s| {
        !s.contains("a acknowledge")
    });
    t.keys(&["Escape"]);
    t.wait_for("a acknowledge");

    // An edit, priced before it is saved, then undone.
    t.keys(&["4", "j", "+"]);
    t.wait_all(&[
        "Billed charges",
        "Add PTU to cp-eastus2-prod",
        "+$9,360.00",
        "new addition of cp-eastus2-prod",
    ]);
    t.keys(&["Enter"]);
    t.wait_for("Saved #2: add 50 PTU to cp-eastus2-prod");
    t.wait_for("   450    400");
    t.keys(&["u"]);
    t.wait_for("Undid #2");
    t.wait_for("   400    400");

    // A plan: p on the commitment opens the Planner with its options side
    // by side, priced in the background.
    t.keys(&["p"]);
    // The workload is open-ended (taken as 12 months), so the one-year
    // overlap is recommended although the horizon is 90 days.
    t.wait_all(&[
        "Plan migrate cp-eastus2-prod",
        " overlap-1m ",
        " gap ",
        " managed ",
        "$291,600.00",
        "overlap: timeline, preconditions, notes",
    ]);
    // j: the next option's details.
    t.keys(&["j"]);
    t.wait_for("overlap-1m: timeline");

    // Quit: exit status 0, the terminal restored, the log in its file.
    t.keys(&["q"]);
    // The shell writes the status line after the app has ended: wait for
    // the whole line, then for the main screen to be back.
    let start = Instant::now();
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(t.status_file())
            && s.ends_with('\n')
        {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "ptudesk did not quit:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.trim(), "exit=0");
    t.wait_until("the main screen (the alternate screen gone)", |s| {
        !s.contains("ptudesk · demo")
    });
    assert_eq!(
        t.cmd(&["display-message", "-p", "-t", "main", "#{alternate_on}"])
            .stdout,
        b"0\n",
        "the app left the alternate screen"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the log is private, as the store is");
    }
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("starting on demo"), "{log}");
}
