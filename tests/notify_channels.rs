//! `check --notify slack:URL|teams:URL|email:ADDRESS` and `--digest`,
//! through the real binary: loopback HTTP servers take the Slack and Teams
//! posts, a loopback SMTP server written here (plain, no TLS) takes the
//! mail. Each payload is checked against its published shape: Slack's
//! `text` and Block Kit limits (50 blocks, 3,000 characters a section, 150
//! a header), Teams' message envelope around an Adaptive Card 1.4, a
//! multipart/alternative mail with text/plain and text/html parts.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const NOW: &str = "2026-11-22T09:00:00Z";
const PASSWORD_VAR: &str = "PTUDESK_TEST_SMTP_PASSWORD";
/// Markup of every kind the channels read: Slack mrkdwn and mentions,
/// HTML, Markdown, an Adaptive Card date function.
const HOSTILE: &str = "res-<b>x</b>&amp;*bold*_it_~s~`c`<!channel>[l](http://e.x){{DATE(2017-02-14T06:00:00Z, SHORT)}}";

fn ptudesk(db: &Path, args: &[&str]) -> Command {
    let mut c = common::ptudesk();
    c.args(args)
        .env("PTUDESK_DB", db)
        .env("PTUDESK_CONFIG", db.with_extension("toml"))
        .env(PASSWORD_VAR, "s3cret pass");
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    ptudesk(db, args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn import(dir: &Path, snapshot: &[u8]) -> PathBuf {
    let db = dir.join("s.db");
    let file = dir.join("estate.json");
    std::fs::write(&file, snapshot).unwrap();
    let o = run(&db, &["import", file.to_str().unwrap(), "--now", NOW]);
    assert!(o.status.success(), "{}", stderr(&o));
    db
}

/// A store holding the demo estate.
fn demo_store(dir: &Path) -> PathBuf {
    let demo = run(&dir.join("x.db"), &["export", "--demo", "--now", NOW]);
    import(dir, &demo.stdout)
}

/// The example estate with its reservation's id made of markup.
fn hostile_store(dir: &Path) -> PathBuf {
    let mut s: Value = serde_json::from_str(include_str!("data/interface_example.json")).unwrap();
    s["reservations"][0]["id"] = HOSTILE.into();
    import(dir, s.to_string().as_bytes())
}

/// `check --format json` now.
fn check_json(db: &Path, now: &str) -> Vec<Value> {
    let o = run(db, &["check", "--now", now, "--format", "json"]);
    serde_json::from_slice::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// A loopback HTTP server recording each body; `status(n)` answers the n-th.
fn http(status: fn(usize) -> u16) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook/secret", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let log = bodies.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let mut s = stream.unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0u8; len];
            r.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(String::from_utf8(body).unwrap());
            let _ = write!(
                s,
                "HTTP/1.1 {} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                status(n)
            );
        }
    });
    (url, bodies)
}

/// One mail as the SMTP server took it.
#[derive(Debug, Clone, Default)]
struct Mail {
    auth: Option<String>,
    from: String,
    to: Vec<String>,
    data: String,
}

fn b64_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let v = alphabet.iter().position(|a| *a == c).unwrap() as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// A loopback SMTP server (RFC 5321, no TLS) taking every mail, or
/// refusing each recipient with 550 when `refuse` is set.
fn smtp(refuse: bool) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let log = mails.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut w = stream.unwrap();
            let mut r = BufReader::new(w.try_clone().unwrap());
            let mut mail = Mail::default();
            let say = |w: &mut std::net::TcpStream, s: &str| {
                w.write_all(s.as_bytes()).unwrap();
            };
            say(&mut w, "220 test.local ESMTP\r\n");
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let cmd = line.trim_end().to_string();
                let upper = cmd.to_ascii_uppercase();
                if upper.starts_with("EHLO") {
                    say(
                        &mut w,
                        "250-test.local\r\n250-AUTH PLAIN\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                    );
                } else if let Some(arg) = cmd.strip_prefix("AUTH PLAIN ") {
                    let raw = b64_decode(arg);
                    mail.auth = Some(String::from_utf8(raw).unwrap());
                    say(&mut w, "235 2.7.0 ok\r\n");
                } else if upper.starts_with("MAIL FROM:") {
                    mail.from = cmd[10..].to_string();
                    say(&mut w, "250 ok\r\n");
                } else if upper.starts_with("RCPT TO:") {
                    if refuse {
                        say(&mut w, "550 5.1.1 no such user\r\n");
                    } else {
                        mail.to.push(cmd[8..].to_string());
                        say(&mut w, "250 ok\r\n");
                    }
                } else if upper == "DATA" {
                    say(&mut w, "354 go ahead\r\n");
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        r.read_line(&mut l).unwrap();
                        if l == ".\r\n" {
                            break;
                        }
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    }
                    mail.data = data;
                    log.lock().unwrap().push(mail.clone());
                    say(&mut w, "250 2.0.0 queued\r\n");
                } else if upper == "QUIT" {
                    say(&mut w, "221 bye\r\n");
                    break;
                } else if upper == "RSET" || upper == "NOOP" {
                    say(&mut w, "250 ok\r\n");
                } else {
                    say(&mut w, "502 not implemented\r\n");
                }
            }
        }
    });
    (port, mails)
}

fn smtp_config(db: &Path, port: u16) {
    std::fs::write(
        db.with_extension("toml"),
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"ptudesk <ptudesk@example.com>\"\nuser = \"robot\"\npassword_env = \"{PASSWORD_VAR}\"\n"
        ),
    )
    .unwrap();
}

/// Every text object, checked against Block Kit's text object.
fn slack_text(t: &Value, max: usize) -> String {
    let kind = t["type"].as_str().unwrap();
    assert!(kind == "plain_text" || kind == "mrkdwn", "{t}");
    let text = t["text"].as_str().unwrap();
    let n = text.chars().count();
    assert!((1..=max).contains(&n), "{n} characters: {t}");
    if kind == "mrkdwn" {
        // ptudesk's own words, with Slack's three reserved characters escaped.
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        for (i, _) in text.match_indices('&') {
            let rest = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;"]
                    .iter()
                    .any(|e| rest.starts_with(e)),
                "{text}"
            );
        }
    } else {
        assert_eq!(t["emoji"], false, "emoji codes are not read: {t}");
    }
    text.to_string()
}

/// Checks a Slack message's shape; returns the text of each block.
fn slack_shape(v: &Value) -> Vec<String> {
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, BTreeSet::from(["text", "blocks"]), "{v}");
    let top = v["text"].as_str().unwrap();
    assert!(!top.is_empty() && !top.contains('<'), "{top}");
    let blocks = v["blocks"].as_array().unwrap();
    assert!((1..=50).contains(&blocks.len()), "{} blocks", blocks.len());
    assert_eq!(blocks[0]["type"], "header");
    let mut texts = Vec::new();
    for b in blocks {
        match b["type"].as_str().unwrap() {
            "header" => {
                assert_eq!(b["text"]["type"], "plain_text", "{b}");
                texts.push(slack_text(&b["text"], 150));
            }
            "section" => texts.push(slack_text(&b["text"], 3000)),
            "context" => {
                let els = b["elements"].as_array().unwrap();
                assert!((1..=10).contains(&els.len()));
                for e in els {
                    texts.push(slack_text(e, 3000));
                }
            }
            other => panic!("block type {other}"),
        }
    }
    texts
}

/// Checks a Teams message's shape (the envelope, an Adaptive Card 1.4 of
/// RichTextBlocks and Containers); returns every TextRun's text.
fn teams_shape(v: &Value) -> Vec<String> {
    assert_eq!(v["type"], "message");
    let atts = v["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 1);
    assert_eq!(
        atts[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &atts[0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(
        card["$schema"],
        "http://adaptivecards.io/schemas/adaptive-card.json"
    );
    fn walk(els: &Value, out: &mut Vec<String>) {
        for e in els.as_array().unwrap() {
            match e["type"].as_str().unwrap() {
                "RichTextBlock" => {
                    for i in e["inlines"].as_array().unwrap() {
                        assert_eq!(i["type"], "TextRun", "{i}");
                        out.push(i["text"].as_str().unwrap().to_string());
                    }
                }
                "Container" => walk(&e["items"], out),
                // A TextBlock reads Markdown: none is sent.
                other => panic!("element {other}: {e}"),
            }
        }
    }
    let mut runs = Vec::new();
    walk(&card["body"], &mut runs);
    runs
}

/// A header's value, folded lines joined (RFC 5322 2.2.3).
fn header(head: &str, name: &str) -> Option<String> {
    head.replace("\r\n ", " ")
        .replace("\r\n\t", " ")
        .split("\r\n")
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
        })
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The text/plain and text/html parts of a multipart/alternative mail
/// (its headers checked), decoded.
fn mail_parts(m: &Mail) -> (String, String, String) {
    let (head, body) = m.data.split_once("\r\n\r\n").unwrap();
    let subject = header(head, "Subject").unwrap();
    let ct = header(head, "Content-Type").unwrap();
    assert!(ct.starts_with("multipart/alternative"), "{ct}");
    let boundary = ct
        .split("boundary=")
        .nth(1)
        .unwrap()
        .trim_matches('"')
        .to_string();
    let mut parts = Vec::new();
    for p in body.split(&format!("--{boundary}")).skip(1) {
        if p.starts_with("--") {
            break;
        }
        let (h, b) = p
            .trim_start_matches("\r\n")
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{:?}", m.data));
        let b = b.trim_end_matches("\r\n");
        let decoded = match header(h, "Content-Transfer-Encoding").as_deref() {
            Some("quoted-printable") => quoted_printable(b),
            Some("base64") => String::from_utf8(b64_decode(b)).unwrap(),
            _ => b.to_string(),
        };
        parts.push((header(h, "Content-Type").unwrap(), decoded));
    }
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert!(parts[0].0.starts_with("text/plain"), "{:?}", parts[0].0);
    assert!(parts[1].0.starts_with("text/html"), "{:?}", parts[1].0);
    (subject, parts[0].1.clone(), parts[1].1.clone())
}

#[test]
fn slack_teams_email_and_webhook_each_get_one_message_in_their_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (port, mails) = smtp(false);
    smtp_config(&db, port);
    let (slack_url, slack) = http(|_| 200);
    let (teams_url, teams) = http(|_| 200);
    let (hook_url, hook) = http(|_| 200);
    let args = [
        "check".to_string(),
        "--now".into(),
        NOW.into(),
        "--quiet".into(),
        "--notify".into(),
        format!("slack:{slack_url}"),
        "--notify".into(),
        format!("teams:{teams_url}"),
        "--notify".into(),
        "email:finops@example.com,Oncall@example.com".into(),
        "--notify".into(),
        format!("webhook:{hook_url}"),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&db, &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let expected = check_json(&db, NOW);
    let ids: Vec<&str> = expected.iter().map(|n| n["id"].as_str().unwrap()).collect();
    let criticals = expected
        .iter()
        .filter(|n| n["severity"] == "critical")
        .count();
    assert!(criticals >= 1 && ids.len() > criticals);

    // Slack: one item a notification, critical first, each with its id.
    let bodies = slack.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let v: Value = serde_json::from_str(&bodies[0]).unwrap();
    let texts = slack_shape(&v);
    let items: Vec<&String> = texts
        .iter()
        .filter(|t| t.contains("ptudesk fix "))
        .collect();
    assert_eq!(items.len(), ids.len());
    for (k, it) in items.iter().enumerate() {
        assert_eq!(it.starts_with("CRITICAL"), k < criticals, "{it}");
    }
    for n in &expected {
        let id = n["id"].as_str().unwrap();
        let it = items
            .iter()
            .find(|t| t.contains(&format!("ptudesk ack {id}")))
            .unwrap_or_else(|| panic!("{id} in {texts:?}"));
        assert!(it.contains(n["subject"].as_str().unwrap()), "{it}");
        assert!(it.contains("Costs $"), "{it}");
        assert!(
            it.contains(&format!("When: {}", n["at"].as_str().unwrap())),
            "{it}"
        );
        let first = n["remedies"][0]["summary"].as_str().unwrap();
        assert!(it.contains(&format!("First remedy: {first}")), "{it}");
    }
    // Critical notifications, the total at stake in the header.
    let total: f64 = expected
        .iter()
        .map(|n| n["cost_impact"].as_str().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!(
        texts[0].contains(&format!("{} new notifications", ids.len())),
        "{}",
        texts[0]
    );
    assert!(total > 0.0);

    // Teams: the card, every notification's id and subject in text runs.
    let bodies = teams.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let runs = teams_shape(&serde_json::from_str(&bodies[0]).unwrap());
    for n in &expected {
        let id = n["id"].as_str().unwrap();
        assert!(
            runs.iter()
                .any(|r| r.contains(&format!("ptudesk fix {id}")))
        );
    }
    assert_eq!(
        runs.iter().filter(|r| r.as_str() == "CRITICAL").count(),
        criticals
    );

    // Email: one mail to both, logged in with the password from the environment.
    let got = mails.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].auth.as_deref(), Some("\0robot\0s3cret pass"));
    assert_eq!(got[0].from, "<ptudesk@example.com>");
    let mut to = got[0].to.clone();
    to.sort();
    assert_eq!(to, ["<finops@example.com>", "<oncall@example.com>"]);
    let (subject, text, html) = mail_parts(&got[0]);
    assert!(
        subject.contains(&format!("{} new notifications", ids.len())),
        "{subject}"
    );
    for id in &ids {
        assert!(text.contains(&format!("ptudesk fix {id}")), "{text}");
        assert!(html.contains(&format!("ptudesk fix {id}")), "{html}");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));

    // The webhook keeps its JSON array.
    let bodies = hook.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(&bodies[0]).unwrap(),
        Value::Array(expected.clone())
    );

    // Again: nothing new, nothing sent anywhere.
    let o = run(&db, &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(slack.lock().unwrap().len(), 1);
    assert_eq!(teams.lock().unwrap().len(), 1);
    assert_eq!(hook.lock().unwrap().len(), 1);
    assert_eq!(mails.lock().unwrap().len(), 1);
}

#[test]
fn a_failing_channel_does_not_stop_the_others_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (port, refused) = smtp(true);
    smtp_config(&db, port);
    // Slack answers 500 once, then takes the post.
    let (slack_url, slack) = http(|n| if n == 0 { 500 } else { 200 });
    let (teams_url, teams) = http(|_| 200);
    let slack_arg = format!("slack:{slack_url}");
    let teams_arg = format!("teams:{teams_url}");
    let args = [
        "check",
        "--now",
        NOW,
        "--quiet",
        "--notify",
        &slack_arg,
        "--notify",
        "email:finops@example.com",
        "--notify",
        &teams_arg,
    ];
    let o = run(&db, &args);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    let host = slack_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    assert!(
        err.contains(&format!(
            "slack http://{host}/…: answered 500; nothing was marked as sent"
        )),
        "{err}"
    );
    assert!(
        !err.contains("/hook/secret"),
        "a webhook's path is its secret: {err}"
    );
    assert!(
        err.contains("email finops@example.com: 127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("550"), "{err}");
    assert!(!err.contains("teams"), "{err}");
    assert_eq!(teams.lock().unwrap().len(), 1, "teams got its message");
    assert!(refused.lock().unwrap().is_empty());
    // The mail server now takes mail: the next run sends Slack and email,
    // not Teams again.
    let (port, mails) = smtp(false);
    smtp_config(&db, port);
    let o = run(&db, &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(slack.lock().unwrap().len(), 2);
    assert_eq!(mails.lock().unwrap().len(), 1);
    assert_eq!(teams.lock().unwrap().len(), 1);
    // A password variable that is not set fails that channel only.
    let (port, _mails) = smtp(false);
    smtp_config(&db, port);
    let o = ptudesk(
        &db,
        &[
            "check",
            "--now",
            "2026-11-29T09:00:00Z",
            "--quiet",
            "--notify",
            "email:other@example.com",
            "--notify",
            &teams_arg,
        ],
    )
    .env_remove(PASSWORD_VAR)
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "the environment variable {PASSWORD_VAR} (smtp.password_env) holds no password"
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        teams.lock().unwrap().len(),
        2,
        "the week's new notification went to Teams"
    );
}

#[test]
fn settings_and_channels_are_checked_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (url, bodies) = http(|_| 200);
    let slack_arg = format!("slack:{url}");
    // email without [smtp]
    let o = run(
        &db,
        &[
            "check",
            "--now",
            NOW,
            "--notify",
            &slack_arg,
            "--notify",
            "email:a@example.com",
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("add an [smtp] section"),
        "{}",
        stderr(&o)
    );
    // A channel that does not parse.
    for (bad, says) in [
        (
            "pager:1",
            "expected webhook:URL, slack:URL, teams:URL or email:ADDRESS",
        ),
        (
            "slack:hooks.slack.com/x",
            "expected an http:// or https:// URL",
        ),
        ("email:someone", "expected addresses"),
    ] {
        let o = run(
            &db,
            &[
                "check", "--now", NOW, "--notify", &slack_arg, "--notify", bad,
            ],
        );
        assert_eq!(o.status.code(), Some(3));
        assert!(stderr(&o).contains(says), "{bad}: {}", stderr(&o));
    }
    assert!(bodies.lock().unwrap().is_empty(), "nothing sent");
    // A password in the file is refused.
    std::fs::write(
        db.with_extension("toml"),
        "[smtp]\nhost = \"mail.example.com\"\nfrom = \"a@example.com\"\nuser = \"u\"\npassword = \"hunter2\"\n",
    )
    .unwrap();
    let o = run(
        &db,
        &["check", "--now", NOW, "--notify", "email:a@example.com"],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("smtp.password: the password is not kept in the settings file"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("hunter2"));
}

#[test]
fn hostile_text_is_escaped_per_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_store(dir.path());
    assert!(
        check_json(&db, NOW).iter().any(|n| n["subject"] == HOSTILE),
        "the hostile reservation raises a notification"
    );
    let (port, mails) = smtp(false);
    smtp_config(&db, port);
    let (slack_url, slack) = http(|_| 200);
    let (teams_url, teams) = http(|_| 200);
    let o = run(
        &db,
        &[
            "check",
            "--now",
            NOW,
            "--quiet",
            "--notify",
            &format!("slack:{slack_url}"),
            "--notify",
            &format!("teams:{teams_url}"),
            "--notify",
            "email:finops@example.com",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Slack: in plain_text only (read as written), never in mrkdwn.
    let v: Value = serde_json::from_str(&slack.lock().unwrap()[0]).unwrap();
    slack_shape(&v);
    let mut plain = 0;
    for b in v["blocks"].as_array().unwrap() {
        let t = &b["text"];
        if t["text"].as_str().is_some_and(|s| s.contains(HOSTILE)) {
            assert_eq!(t["type"], "plain_text", "{b}");
            plain += 1;
        }
    }
    assert!(plain >= 2, "{v}");
    assert!(!v["text"].as_str().unwrap().contains("<!channel>"));
    // Teams: in TextRuns only (slack_shape's twin refuses TextBlocks), the
    // date function broken so it shows as written.
    let runs = teams_shape(&serde_json::from_str(&teams.lock().unwrap()[0]).unwrap());
    let shown = HOSTILE.replace("{{", "{\u{200b}{");
    assert!(runs.iter().any(|r| r.contains(&shown)), "{runs:?}");
    assert!(!runs.iter().any(|r| r.contains("{{")));
    // Email: as written in the text part, escaped in the HTML part.
    let (_, text, html) = mail_parts(&mails.lock().unwrap()[0]);
    assert!(text.contains(HOSTILE), "{text}");
    assert!(
        html.contains(
            "res-&lt;b&gt;x&lt;/b&gt;&amp;amp;*bold*_it_~s~`c`&lt;!channel&gt;[l](http://e.x)"
        ),
        "{html}"
    );
    assert!(!html.contains("<b>x</b>") && !html.contains("<!channel>"));
}

#[test]
fn a_digest_goes_once_a_period_and_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let (slack_url, slack) = http(|_| 200);
    let (hook_url, hook) = http(|_| 200);
    let slack_arg = format!("slack:{slack_url}");
    let hook_arg = format!("webhook:{hook_url}");
    let digest = |now: &str, every: &str| {
        run(
            &db,
            &[
                "check", "--now", now, "--quiet", "--notify", &slack_arg, "--notify", &hook_arg,
                "--digest", every,
            ],
        )
    };
    let first = check_json(&db, NOW);
    // Twice in a day: one digest.
    for now in [NOW, "2026-11-22T21:00:00Z"] {
        let o = digest(now, "daily");
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    }
    assert_eq!(slack.lock().unwrap().len(), 1);
    assert_eq!(hook.lock().unwrap().len(), 1);
    let d: Value = serde_json::from_str(&hook.lock().unwrap()[0]).unwrap();
    assert_eq!(d["period"], "daily:2026-11-22");
    assert_eq!(d["since"], Value::Null);
    assert_eq!(
        d["new"].as_array().unwrap().len(),
        first.len(),
        "all new at first"
    );
    let stake: f64 = first
        .iter()
        .map(|n| n["cost_impact"].as_str().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(
        d["at_stake"].as_str().unwrap().parse::<f64>().unwrap(),
        stake
    );
    let texts = slack_shape(&serde_json::from_str(&slack.lock().unwrap()[0]).unwrap());
    assert!(
        texts[0].starts_with("ptudesk daily 2026-11-22 digest:"),
        "{}",
        texts[0]
    );
    assert!(texts.iter().any(|t| t.starts_with("*New (")), "{texts:?}");
    // A week later: the legacy commitment's expiry has passed (fixed), an
    // overage on it is new.
    let later = "2026-11-29T09:00:00Z";
    let o = digest(later, "daily");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(hook.lock().unwrap().len(), 2);
    let d: Value = serde_json::from_str(&hook.lock().unwrap()[1]).unwrap();
    assert_eq!(d["period"], "daily:2026-11-29");
    assert_eq!(d["since"], "daily:2026-11-22");
    let now_ids: BTreeSet<String> = check_json(&db, later)
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let before: BTreeSet<String> = first
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let ids = |k: &str| -> BTreeSet<String> {
        d[k].as_array()
            .unwrap()
            .iter()
            .map(|n| n.get("id").unwrap_or(n).as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("new"), &now_ids - &before);
    assert_eq!(ids("fixed"), &before - &now_ids);
    assert!(!ids("fixed").is_empty() && !ids("new").is_empty());
    let kept: BTreeSet<String> = ids("worse").union(&ids("unchanged")).cloned().collect();
    assert_eq!(kept, &now_ids & &before);
    let texts = slack_shape(&serde_json::from_str(&slack.lock().unwrap()[1]).unwrap());
    assert!(texts.iter().any(|t| t.starts_with("*Fixed (")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("FIXED ")), "{texts:?}");
    // Weekly digests are their own: the first one goes now.
    let o = digest(later, "weekly");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let d: Value = serde_json::from_str(&hook.lock().unwrap()[2]).unwrap();
    assert_eq!(d["period"], "weekly:2026-W48");
    assert_eq!(d["since"], Value::Null);
}
