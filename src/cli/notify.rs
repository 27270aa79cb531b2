//! Delivery of `check --notify` to each channel (docs/outputs.md#notify-messages).
//!
//! Each channel is delivered at most once: a run claims, under the store's
//! write lock, the notifications (or the digest period) not yet sent to
//! that channel, sends, and gives the claim back only when the message
//! surely did not arrive. A channel that fails does not stop the others;
//! the run then exits 3 naming each failing channel.

use super::Failure;
use super::webhook::{PostFailure, post, webhook_timeout};
use crate::config::{Config, Smtp, SmtpSecurity};
use crate::domain::notice::Notification;
use crate::domain::time::Time;
use crate::notify::digest::{self, Every};
use crate::notify::{Channel, Report, render};
use crate::store::Store;
use std::collections::HashSet;

/// What a run delivers, and how.
pub struct Run<'a> {
    pub config: &'a Config,
    /// The `--notify` values, as given.
    pub targets: &'a [String],
    pub digest: Option<Every>,
    pub horizon: chrono::Duration,
    pub now: Time,
}

/// Sends to every channel. `shown` is what `check` printed (not silenced,
/// at or above `--min-severity`); `raised` is every notification raised,
/// for a digest's "fixed".
pub fn deliver(
    run: &Run,
    store: Option<&mut Store>,
    shown: &[Notification],
    raised: &HashSet<String>,
) -> Result<(), Failure> {
    // Every channel is read before anything is sent: a typo in the third
    // --notify must not leave the first two sent and the third unsent.
    let mut channels: Vec<Channel> = Vec::new();
    for t in run.targets {
        let c = Channel::parse(t).map_err(Failure::input)?;
        if matches!(c, Channel::Email(_)) && run.config.smtp.is_none() {
            let file = run
                .config
                .file
                .as_ref()
                .map_or("the settings file".to_string(), |f| f.display().to_string());
            return Err(Failure::input(format!(
                "--notify {t}: email needs a mail server: add an [smtp] section (host, from, and user with password_env when it wants a login) to {file}"
            )));
        }
        if !channels.iter().any(|k| k.key() == c.key()) {
            channels.push(c);
        }
    }
    let store = store.ok_or_else(|| {
        Failure::input(
            "--notify remembers what it sent in the store: it does not go with --scenario or --demo",
        )
    })?;
    let mut failures = Vec::new();
    for c in &channels {
        let result = match run.digest {
            None => each_run(run, store, c, shown),
            Some(every) => per_period(run, store, c, every, shown, raised),
        };
        match result {
            Ok(()) => {}
            Err(Delivery::Store(f)) => return Err(f),
            Err(Delivery::Failed(m)) => failures.push(m),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure {
            message: failures.join("\n"),
            exit: super::Exit::Unknown,
        })
    }
}

enum Delivery {
    /// The channel failed: the message names it.
    Failed(String),
    /// The store failed: nothing more can be kept track of.
    Store(Failure),
}

impl From<crate::store::StoreError> for Delivery {
    fn from(e: crate::store::StoreError) -> Self {
        Delivery::Store(e.into())
    }
}

/// One run's new notifications to a channel.
fn each_run(
    run: &Run,
    store: &mut Store,
    c: &Channel,
    shown: &[Notification],
) -> Result<(), Delivery> {
    let key = c.key();
    let fresh: Vec<String> = shown.iter().map(|n| n.id.clone()).collect();
    // Claimed under the write lock: an overlapping run skips these.
    let claimed = store.claim_sent(&fresh, &key, run.now)?;
    let mine: HashSet<&String> = claimed.iter().collect();
    let batch: Vec<Notification> = shown
        .iter()
        .filter(|n| mine.contains(&n.id))
        .cloned()
        .collect();
    if batch.is_empty() {
        return Ok(());
    }
    let message = Message::Run(&batch);
    if let Err(fail) = send(run, c, &message) {
        let what = format!(
            "the {} notification{}",
            batch.len(),
            if batch.len() == 1 { "" } else { "s" }
        );
        return Err(Delivery::Failed(if fail.arrived_maybe {
            format!(
                "{}: {}; it may have arrived, so {what} count{} as sent there and will not be sent again",
                c.label(),
                fail.why,
                if batch.len() == 1 { "s" } else { "" },
            )
        } else {
            store.release_sent(&claimed, &key)?;
            format!(
                "{}: {}; nothing was marked as sent (the next run sends {what} again)",
                c.label(),
                fail.why
            )
        }));
    }
    Ok(())
}

/// The period's digest to a channel, unless it went already.
fn per_period(
    run: &Run,
    store: &mut Store,
    c: &Channel,
    every: Every,
    shown: &[Notification],
    raised: &HashSet<String>,
) -> Result<(), Delivery> {
    let key = c.key();
    let period = every.period(run.now);
    let previous = match store.last_digest(&key, every.prefix(), &period)? {
        Some((p, items)) => Some((
            p,
            digest::recorded(&items).map_err(|m| Delivery::Store(Failure::input(m)))?,
        )),
        None => None,
    };
    if !store.claim_digest(&key, &period, &digest::record(shown), run.now)? {
        return Ok(());
    }
    let d = digest::diff(period.clone(), shown, raised, previous);
    if let Err(fail) = send(run, c, &Message::Digest(&d)) {
        let name = period.replace(':', " ");
        return Err(Delivery::Failed(if fail.arrived_maybe {
            format!(
                "{}: {}; it may have arrived, so the {name} digest counts as sent there",
                c.label(),
                fail.why
            )
        } else {
            store.release_digest(&key, &period)?;
            format!(
                "{}: {}; the {name} digest was not marked as sent (the next run in the period sends it)",
                c.label(),
                fail.why
            )
        }));
    }
    Ok(())
}

enum Message<'a> {
    Run(&'a [Notification]),
    Digest(&'a digest::Digest<'a>),
}

impl Message<'_> {
    /// The message with each section cut to `cap` (`cap` of the number of
    /// sections, as a digest has up to three).
    fn report(&self, horizon: chrono::Duration, cap: impl Fn(usize) -> usize) -> Report {
        match self {
            Message::Run(batch) => crate::notify::run_report(batch, horizon, cap(1)),
            Message::Digest(d) => {
                let sections = [!d.new.is_empty(), !d.worse.is_empty(), !d.fixed.is_empty()]
                    .iter()
                    .filter(|b| **b)
                    .count();
                digest::report(d, horizon, cap(sections))
            }
        }
    }

    /// ptudesk's own JSON: the array of `--format json` for a run; for a
    /// digest, an object (docs/outputs.md#digest-json).
    fn json(&self, horizon: chrono::Duration) -> String {
        match self {
            Message::Run(batch) => crate::report::notices::to_json(batch),
            Message::Digest(d) => {
                let list = |v: &[&Notification]| -> serde_json::Value {
                    let owned: Vec<Notification> = v.iter().map(|n| (*n).clone()).collect();
                    serde_json::from_str(&crate::report::notices::to_json(&owned)).expect("JSON")
                };
                let worse: Vec<&Notification> = d.worse.iter().map(|(n, _)| *n).collect();
                let total: rust_decimal::Decimal = d.current.iter().map(|n| n.cost_impact).sum();
                let per_day: rust_decimal::Decimal = d.current.iter().map(|n| n.cost_per_day).sum();
                let v = serde_json::json!({
                    "period": d.period,
                    "since": d.since,
                    "horizon": crate::alerts::horizon_words(horizon),
                    "at_stake": crate::domain::money::fmt_money(total),
                    "cost_per_day": crate::domain::money::fmt_money(per_day),
                    "new": list(&d.new),
                    "worse": list(&worse),
                    "was": d.worse.iter().map(|(_, r)| r).collect::<Vec<_>>(),
                    "fixed": d.fixed,
                    "unchanged": d.unchanged.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
                });
                let mut s =
                    crate::safe::json_safe(serde_json::to_string_pretty(&v).expect("serializes"));
                s.push('\n');
                s
            }
        }
    }
}

/// Sends one message to one channel.
fn send(run: &Run, c: &Channel, m: &Message) -> Result<(), PostFailure> {
    match c {
        Channel::Webhook(url) => post(url, &m.json(run.horizon)),
        Channel::Slack(url) => {
            let body = render::slack(&m.report(run.horizon, render::slack_cap));
            post(url, &crate::safe::json_safe(body.to_string()))
        }
        Channel::Teams(url) => post(
            url,
            &render::teams_within(|cap| m.report(run.horizon, |_| cap)),
        ),
        Channel::Email(to) => {
            let smtp = run.config.smtp.as_ref().expect("checked before sending");
            mail(smtp, to, &m.report(run.horizon, |_| render::EMAIL_ITEMS))
        }
    }
}

/// Sends a report by mail: multipart/alternative, plain text and HTML.
fn mail(smtp: &Smtp, to: &[String], r: &Report) -> Result<(), PostFailure> {
    use lettre::message::{Mailbox, MultiPart};
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Tls, TlsParameters};
    use lettre::{SmtpTransport, Transport};
    let unsent = |why: String| PostFailure {
        why,
        arrived_maybe: false,
    };
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| unsent(format!("smtp.from: {e}")))?;
    let mut b = lettre::Message::builder().from(from).subject(&r.subject);
    for a in to {
        b = b.to(a
            .parse::<Mailbox>()
            .map_err(|e| unsent(format!("{a}: {e}")))?);
    }
    let message = b
        .multipart(MultiPart::alternative_plain_html(
            render::email_text(r),
            render::email_html(r),
        ))
        .map_err(|e| unsent(format!("cannot build the message: {e}")))?;
    let tls = || {
        TlsParameters::new(smtp.host.clone())
            .map_err(|e| unsent(format!("TLS settings for {}: {e}", smtp.host)))
    };
    let mut t = SmtpTransport::builder_dangerous(&smtp.host)
        .port(smtp.port())
        .timeout(Some(webhook_timeout()))
        .tls(match smtp.security {
            SmtpSecurity::Starttls => Tls::Required(tls()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls()?),
            SmtpSecurity::None => Tls::None,
        });
    if let (Some(user), Some(var)) = (&smtp.user, &smtp.password_env) {
        let password = std::env::var(var).map_err(|_| {
            unsent(format!(
                "the environment variable {var} (smtp.password_env) holds no password"
            ))
        })?;
        t = t.credentials(Credentials::new(user.clone(), password));
    }
    let server = format!("{}:{}", smtp.host, smtp.port());
    t.build().send(&message).map(|_| ()).map_err(|e| {
        // A refusal (an SMTP error code), a TLS failure, a message the
        // server cannot take, or no connection: the server did not take the
        // message. A connection lost, an unreadable reply or a reply that
        // never came may have been after it did.
        let arrived_maybe = !(e.is_transient()
            || e.is_permanent()
            || e.is_client()
            || e.is_tls()
            || connect_failed(&e));
        let why = if e.is_timeout() {
            format!(
                "{server}: no answer within {} s ({e})",
                webhook_timeout().as_secs()
            )
        } else {
            format!("{server}: {e}")
        };
        PostFailure { why, arrived_maybe }
    })
}

/// True when the error is lettre's "Connection error" (the connection, or
/// its TLS, could not be set up), not a lost one.
fn connect_failed(e: &lettre::transport::smtp::Error) -> bool {
    e.to_string().starts_with("Connection error")
}
