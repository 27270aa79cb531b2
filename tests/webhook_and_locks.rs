//! Webhook delivery and the store's write lock, through the real binary:
//! a loopback HTTP server answering redirects, errors and slowly; two
//! overlapping `check --notify` runs; and writes (`ack`, `unack`,
//! `check --notify`) while a second connection holds the write lock.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const NOW: &str = "2026-11-22T09:00:00Z";

fn ptudesk(db: &Path, args: &[&str]) -> Command {
    let mut c = common::ptudesk();
    c.args(args)
        .env("PTUDESK_DB", db)
        .env("PTUDESK_CONFIG", db.with_extension("toml"));
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    ptudesk(db, args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A store holding the demo estate.
fn demo_store(dir: &Path) -> PathBuf {
    let db = dir.join("s.db");
    let demo = run(&db, &["export", "--demo", "--now", NOW]);
    let file = dir.join("demo.json");
    std::fs::write(&file, &demo.stdout).unwrap();
    assert!(
        run(&db, &["import", file.to_str().unwrap(), "--now", NOW])
            .status
            .success()
    );
    db
}

/// The ids `check` shows now.
fn ids(db: &Path) -> Vec<String> {
    let v: Value =
        serde_json::from_slice(&run(db, &["check", "--now", NOW, "--format", "json"]).stdout)
            .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    body: String,
}

/// What the server answers to its n-th request (from 0): status line,
/// extra headers, and how long to wait first.
type Answer = Box<dyn Fn(usize, &Request) -> (u16, String, Duration) + Send>;

/// A loopback HTTP/1.1 server that records every request.
fn server(answer: Answer) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let mut s = stream.unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            let req = loop {
                let k = s.read(&mut chunk).unwrap_or(0);
                if k == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..k]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let head = &text[..end];
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        let k = s.read(&mut chunk).unwrap();
                        buf.extend_from_slice(&chunk[..k]);
                    }
                    let first: Vec<&str> = head.lines().next().unwrap().split(' ').collect();
                    break Some(Request {
                        method: first[0].to_string(),
                        path: first[1].to_string(),
                        body: String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string(),
                    });
                }
            };
            let Some(req) = req else { continue };
            log.lock().unwrap().push(req.clone());
            let (status, headers, wait) = answer(n, &req);
            // Answered from its own thread: a slow answer holds up no other.
            std::thread::spawn(move || {
                std::thread::sleep(wait);
                let _ = write!(
                    s,
                    "HTTP/1.1 {status} X\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
            });
        }
    });
    (base, seen)
}

fn always(status: u16) -> Answer {
    Box::new(move |_, _| (status, String::new(), Duration::ZERO))
}

fn notify(db: &Path, url: &str) -> Output {
    run(
        db,
        &[
            "check",
            "--now",
            NOW,
            "--quiet",
            "--notify",
            &format!("webhook:{url}"),
        ],
    )
}

/// The notification ids in every body posted.
fn posted_ids(reqs: &[Request]) -> Vec<String> {
    reqs.iter()
        .filter(|r| !r.body.is_empty())
        .flat_map(|r| {
            serde_json::from_str::<Value>(&r.body)
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn a_redirect_is_a_failure_and_nothing_is_marked() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let all = ids(&db);
    // 302 (and 301, 303): a POST would come back as a GET without the body.
    for status in [301, 302, 303] {
        let (base, seen) = server(Box::new(move |_, _| {
            (status, "Location: /elsewhere\r\n".into(), Duration::ZERO)
        }));
        let o = notify(&db, &format!("{base}/hook"));
        assert_eq!(o.status.code(), Some(3), "{status}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("answered {status}")),
            "{}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains("nothing was marked as sent"),
            "{}",
            stderr(&o)
        );
        let reqs = seen.lock().unwrap().clone();
        assert_eq!(reqs.len(), 1, "the redirect is not followed: {reqs:?}");
        assert_eq!(reqs[0].method, "POST");
    }
    // A 307 to another origin is not followed either.
    let (other, other_seen) = server(always(200));
    let target = format!("{other}/hook");
    let (base, seen) = server(Box::new(move |_, _| {
        (307, format!("Location: {target}\r\n"), Duration::ZERO)
    }));
    let o = notify(&db, &format!("{base}/hook"));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("another origin"), "{}", stderr(&o));
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(other_seen.lock().unwrap().is_empty());
    // Released each time: a working URL on the same store... and the same
    // URL, once it answers, gets everything.
    let (base, seen) = server(Box::new(|n, _| {
        if n == 0 {
            (500, String::new(), Duration::ZERO)
        } else {
            (200, String::new(), Duration::ZERO)
        }
    }));
    let url = format!("{base}/hook");
    let o = notify(&db, &url);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("answered 500"), "{}", stderr(&o));
    let o = notify(&db, &url);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = notify(&db, &url);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let reqs = seen.lock().unwrap().clone();
    assert_eq!(
        reqs.len(),
        2,
        "posted on failure and on success, then nothing new"
    );
    let mut got = posted_ids(&reqs[1..]);
    got.sort();
    let mut want = all.clone();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn a_307_or_308_to_the_same_origin_is_posted_again_with_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    for status in [307, 308] {
        let (base, seen) = server(Box::new(move |_, r| {
            if r.path == "/hook" {
                (status, "Location: /moved\r\n".into(), Duration::ZERO)
            } else {
                (200, String::new(), Duration::ZERO)
            }
        }));
        let url = format!("{base}/hook");
        let o = notify(&db, &url);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let reqs = seen.lock().unwrap().clone();
        assert_eq!(reqs.len(), 2, "{reqs:?}");
        assert_eq!(
            (reqs[1].method.as_str(), reqs[1].path.as_str()),
            ("POST", "/moved")
        );
        assert_eq!(reqs[0].body, reqs[1].body);
        assert!(!reqs[1].body.is_empty());
        // Delivered: the next run posts nothing.
        notify(&db, &url);
        assert_eq!(seen.lock().unwrap().len(), 2);
    }
}

#[test]
fn a_slow_webhook_that_may_have_received_the_post_is_not_posted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (base, seen) = server(Box::new(|_, _| {
        (200, String::new(), Duration::from_secs(4))
    }));
    let url = format!("{base}/hook");
    let o = ptudesk(
        &db,
        &[
            "check",
            "--now",
            NOW,
            "--quiet",
            "--notify",
            &format!("webhook:{url}"),
        ],
    )
    .env("PTUDESK_WEBHOOK_TIMEOUT", "1")
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no answer within 1 s"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("count as sent"), "{}", stderr(&o));
    assert_eq!(notify(&db, &url).status.code(), Some(2));
    assert_eq!(seen.lock().unwrap().len(), 1, "at most once");
}

#[test]
fn overlapping_runs_post_each_notification_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let all = ids(&db);
    assert!(all.len() >= 3, "{all:?}");
    for round in 0..4 {
        // A slow endpoint: both runs are in flight at once.
        let (base, seen) = server(Box::new(|_, _| {
            (200, String::new(), Duration::from_millis(700))
        }));
        let url = format!("webhook:{base}/hook");
        let children: Vec<_> = (0..2)
            .map(|_| {
                ptudesk(&db, &["check", "--now", NOW, "--quiet", "--notify", &url])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let o = c.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(2), "round {round}: {}", stderr(&o));
        }
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for id in posted_ids(&seen.lock().unwrap()) {
            *counts.entry(id).or_default() += 1;
        }
        assert_eq!(
            counts.len(),
            all.len(),
            "round {round}: every notification posted"
        );
        assert!(
            counts.values().all(|&n| n == 1),
            "round {round}: {counts:?}"
        );
    }
}

/// Holds the store's write lock from a second connection until released.
struct Holder {
    release: std::sync::mpsc::Sender<()>,
    done: std::thread::JoinHandle<()>,
}

fn hold_lock(db: &Path) -> Holder {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO sent(id, target, at) VALUES ('x', 'lock-test', '2026-01-01T00:00:00Z');")
        .unwrap();
    let (release, rx) = std::sync::mpsc::channel::<()>();
    let done = std::thread::spawn(move || {
        rx.recv().unwrap();
        conn.execute_batch("ROLLBACK").unwrap();
    });
    Holder { release, done }
}

/// Starts `args` while a second connection holds the write lock. With
/// `until_busy`, the lock is released once the command says "store busy,
/// retrying" (it says so after SQLite's own 2 s wait, where writes used to
/// fail); without, once the command has ended.
fn through_a_held_lock(
    db: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
    until_busy: bool,
) -> Output {
    let holder = hold_lock(db);
    let mut cmd = ptudesk(db, args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let err = Arc::new(Mutex::new(String::new()));
    let reader = {
        let err = err.clone();
        let mut pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 1024];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                err.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let done = if until_busy {
            err.lock().unwrap().contains("store busy, retrying")
        } else {
            child.try_wait().unwrap().is_some()
        };
        if done {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{args:?} never got there: {}",
            err.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    holder.release.send(()).unwrap();
    holder.done.join().unwrap();
    let mut o = child.wait_with_output().unwrap();
    reader.join().unwrap();
    o.stderr = err.lock().unwrap().clone().into_bytes();
    o
}

#[test]
fn writes_wait_for_a_lock_held_longer_than_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let all = ids(&db);
    let o = through_a_held_lock(&db, &["ack", &all[0], "--now", NOW], &[], true);
    assert!(o.status.success(), "ack: {}", stderr(&o));
    assert!(
        stderr(&o).contains("store busy, retrying"),
        "{}",
        stderr(&o)
    );
    let o = through_a_held_lock(&db, &["unack", &all[0]], &[], true);
    assert!(o.status.success(), "unack: {}", stderr(&o));
    let (base, seen) = server(always(200));
    let target = format!("webhook:{base}/hook");
    let o = through_a_held_lock(
        &db,
        &["check", "--now", NOW, "--quiet", "--notify", &target],
        &[],
        true,
    );
    assert_eq!(o.status.code(), Some(2), "check --notify: {}", stderr(&o));
    assert_eq!(posted_ids(&seen.lock().unwrap()).len(), all.len());
    // PTUDESK_BUSY_TIMEOUT is honoured: 1 s is given up, with nothing written.
    let o = through_a_held_lock(
        &db,
        &["ack", &all[1], "--now", NOW],
        &[("PTUDESK_BUSY_TIMEOUT", "1")],
        false,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("is busy"), "{}", stderr(&o));
    let list = run(&db, &["ack", "--list", "--now", NOW]);
    assert!(!String::from_utf8_lossy(&list.stdout).contains(&all[1]));
}
