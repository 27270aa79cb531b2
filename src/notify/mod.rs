//! Notifications where people read them (docs/outputs.md#notify-messages): the
//! channels of `check --notify`, one message per channel and run (or per
//! digest period), written for Slack (Block Kit), Microsoft Teams (an
//! Adaptive Card in a message envelope) and email (plain text and HTML).
//! Pure: no I/O and no clock; `cli::notify` delivers.
//!
//! Each notification says its severity, what happens when, to what, what
//! it costs and the first remedy, with the id to give `ptudesk fix` or
//! `ptudesk ack`; critical first, then the costliest. A list longer than a
//! channel takes is cut to the most severe and costliest, ending with
//! "and N more" and the total.
//!
//! Text from the estate (ids, messages, remedies) may be hostile. It never
//! goes where markup is read: Slack gets it as `plain_text` (no mrkdwn, no
//! emoji codes), Teams as `TextRun`s of a `RichTextBlock` (no Markdown),
//! email HTML escaped; control characters are shown visibly everywhere.

pub mod digest;
pub mod render;

use crate::domain::money::fmt_money_grouped;
use crate::domain::notice::{Notification, Severity};
use crate::domain::time::fmt_time;
use crate::safe;
use rust_decimal::Decimal;

/// Where `check --notify` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// ptudesk's own JSON array (docs/outputs.md#check-json).
    Webhook(String),
    /// A Slack incoming webhook: `text` and Block Kit `blocks`.
    Slack(String),
    /// A Teams Workflows (Power Automate) webhook: an Adaptive Card.
    Teams(String),
    /// Mail to these addresses, through the config's `[smtp]` server.
    Email(Vec<String>),
}

/// Why a `--notify` channel was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error(
        "--notify: expected webhook:URL, slack:URL, teams:URL or email:ADDRESS[,ADDRESS...], got {0:?}"
    )]
    Shape(String),
    #[error("--notify {kind}: expected an http:// or https:// URL, got {url:?}")]
    NotHttp { kind: String, url: String },
    #[error("--notify {kind}: {url:?} is not a URL")]
    NotUrl { kind: String, url: String },
    #[error(
        "--notify email: expected addresses such as finops@example.com separated by commas, got {0:?}"
    )]
    Address(String),
}

/// `http(s)://host...`, with a host.
fn check_url(kind: &str, url: &str) -> Result<(), ChannelError> {
    let lower = url.to_ascii_lowercase();
    let (kind, given) = (kind.to_string(), url.to_string());
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(ChannelError::NotHttp { kind, url: given });
    }
    match url.parse::<ureq::http::Uri>() {
        Ok(u) if u.host().is_some_and(|h| !h.is_empty()) => Ok(()),
        _ => Err(ChannelError::NotUrl { kind, url: given }),
    }
}

impl Channel {
    /// `webhook:URL`, `slack:URL`, `teams:URL` or `email:ADDRESS[,ADDRESS...]`.
    pub fn parse(s: &str) -> Result<Channel, ChannelError> {
        let Some((kind, rest)) = s.split_once(':') else {
            return Err(ChannelError::Shape(s.to_string()));
        };
        match kind {
            "webhook" | "slack" | "teams" => {
                check_url(kind, rest)?;
                Ok(match kind {
                    "webhook" => Channel::Webhook(rest.to_string()),
                    "slack" => Channel::Slack(rest.to_string()),
                    _ => Channel::Teams(rest.to_string()),
                })
            }
            "email" => {
                let mut to = Vec::new();
                for a in rest.split(',').map(str::trim) {
                    if a.parse::<lettre::Address>().is_err() {
                        return Err(ChannelError::Address(a.to_string()));
                    }
                    let a = a.to_ascii_lowercase();
                    if !to.contains(&a) {
                        to.push(a);
                    }
                }
                to.sort();
                Ok(Channel::Email(to))
            }
            _ => Err(ChannelError::Shape(s.to_string())),
        }
    }

    /// What the store remembers deliveries under: the channel as given
    /// (an email channel's addresses sorted, lower case, once each).
    pub fn key(&self) -> String {
        match self {
            Channel::Webhook(u) => format!("webhook:{u}"),
            Channel::Slack(u) => format!("slack:{u}"),
            Channel::Teams(u) => format!("teams:{u}"),
            Channel::Email(to) => format!("email:{}", to.join(",")),
        }
    }

    /// The channel in messages: a URL's scheme and host only (a webhook's
    /// path is its secret), an email channel's addresses.
    pub fn label(&self) -> String {
        let site = |u: &str| match u.parse::<ureq::http::Uri>() {
            Ok(uri) => format!(
                "{}://{}/…",
                uri.scheme_str().unwrap_or("http"),
                uri.authority().map_or("", |a| a.as_str())
            ),
            Err(_) => "(bad URL)".to_string(),
        };
        match self {
            Channel::Webhook(u) => format!("webhook {}", site(u)),
            Channel::Slack(u) => format!("slack {}", site(u)),
            Channel::Teams(u) => format!("teams {}", site(u)),
            Channel::Email(to) => format!("email {}", to.join(", ")),
        }
    }
}

/// One notification as a message shows it: a head and lines, all plain
/// text (escaped by each format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub severity: Severity,
    /// "CRITICAL", or "FIXED" for a digest's fixed notification.
    pub tag: String,
    /// kind and subject: "reservation_expiring  res-eastus".
    pub head: String,
    pub lines: Vec<String>,
}

impl Item {
    /// The item as plain text: head, then its lines.
    pub fn text(&self) -> String {
        let mut s = format!("{}  {}", self.tag, self.head);
        for l in &self.lines {
            s.push('\n');
            s.push_str(l);
        }
        s
    }
}

/// A part of a message: a heading (a digest's "New", "Worse", "Fixed"),
/// its items, and what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: Option<String>,
    pub items: Vec<Item>,
    /// "and 7 more ... in all" when the list was cut.
    pub more: Option<String>,
}

/// One message: a subject line, a summary, and sections. The subject,
/// summary, headings and `more` lines are ptudesk's own words and figures;
/// items carry the estate's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub subject: String,
    pub summary: String,
    pub sections: Vec<Section>,
}

pub fn dollars(d: Decimal) -> String {
    format!("${}", fmt_money_grouped(d))
}

/// "the next 30 days".
pub fn over(horizon: chrono::Duration) -> String {
    format!("the next {}", crate::alerts::horizon_words(horizon))
}

/// Critical first, then the costliest, then by id (a stable order).
pub fn order(list: &mut [&Notification]) {
    list.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.cost_impact.cmp(&a.cost_impact))
            .then(a.id.cmp(&b.id))
    });
}

/// "2 critical, 3 warning, 1 info".
pub fn counts<'a>(severities: impl Iterator<Item = &'a Severity>) -> String {
    let mut n = [0usize; 3];
    for s in severities {
        n[*s as usize] += 1;
    }
    let parts: Vec<String> = [Severity::Critical, Severity::Warning, Severity::Info]
        .iter()
        .filter(|s| n[**s as usize] > 0)
        .map(|s| format!("{} {}", n[*s as usize], s.name()))
        .collect();
    parts.join(", ")
}

/// A notification's lines: what happens when, to what, what it costs, the
/// first remedy, and the commands that take its id.
pub fn item(n: &Notification, horizon: chrono::Duration) -> Item {
    let mut lines = vec![
        format!("When: {}", fmt_time(n.at)),
        format!("What: {}", safe::plain(&n.message)),
        format!(
            "Costs {} over {} ({} a day)",
            dollars(n.cost_impact),
            over(horizon),
            dollars(n.cost_per_day)
        ),
    ];
    match n.remedies.first() {
        Some(r) if r.saving_lifetime > Decimal::ZERO => lines.push(format!(
            "First remedy: {} (saves {} over the lifetime)",
            safe::plain(&r.summary),
            dollars(r.saving_lifetime)
        )),
        Some(r) => lines.push(format!("First remedy: {}", safe::plain(&r.summary))),
        None if !n.action.is_empty() => lines.push(format!("To do: {}", safe::plain(&n.action))),
        None => {}
    }
    lines.push(format!(
        "Id {}: `ptudesk fix {}` to act, `ptudesk ack {}` to silence",
        n.id, n.id, n.id
    ));
    Item {
        severity: n.severity,
        tag: n.severity.name().to_uppercase(),
        head: format!("{}  {}", n.kind, safe::plain(&n.subject)),
        lines,
    }
}

/// The first `cap` of an ordered list as items, and the line saying what
/// was left out: "and 7 more (2 warning, 5 info) costing $1,200.00;
/// $9,800.00 in all".
pub fn cut(
    list: &[&Notification],
    cap: usize,
    horizon: chrono::Duration,
) -> (Vec<Item>, Option<String>) {
    let items = list.iter().take(cap).map(|n| item(n, horizon)).collect();
    let rest = &list[cap.min(list.len())..];
    let more = (!rest.is_empty()).then(|| {
        let left: Decimal = rest.iter().map(|n| n.cost_impact).sum();
        let total: Decimal = list.iter().map(|n| n.cost_impact).sum();
        format!(
            "and {} more ({}) costing {}; {} in all over {}",
            rest.len(),
            counts(rest.iter().map(|n| &n.severity)),
            dollars(left),
            dollars(total),
            over(horizon)
        )
    });
    (items, more)
}

/// The message of one run: the notifications not sent to the channel
/// before, at most `cap` of them shown.
pub fn run_report(batch: &[Notification], horizon: chrono::Duration, cap: usize) -> Report {
    let mut list: Vec<&Notification> = batch.iter().collect();
    order(&mut list);
    let total: Decimal = list.iter().map(|n| n.cost_impact).sum();
    let per_day: Decimal = list.iter().map(|n| n.cost_per_day).sum();
    let (items, more) = cut(&list, cap, horizon);
    Report {
        subject: format!(
            "ptudesk: {} new notification{} ({}), {} at stake",
            list.len(),
            if list.len() == 1 { "" } else { "s" },
            counts(list.iter().map(|n| &n.severity)),
            dollars(total)
        ),
        summary: format!(
            "{} over {}, {} a day from now on.",
            dollars(total),
            over(horizon),
            dollars(per_day)
        ),
        sections: vec![Section {
            heading: None,
            items,
            more,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn n(i: usize, severity: Severity, cost: i64) -> Notification {
        Notification {
            id: format!("{i:016x}"),
            kind: "hourly_overage",
            severity,
            subject: format!("dep-{i}"),
            at: chrono::Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap(),
            message: "m".into(),
            cost_impact: Decimal::from(cost),
            level: Decimal::from(cost),
            action: String::new(),
            cost_per_day: Decimal::ONE,
            remedies: vec![],
        }
    }

    #[test]
    fn a_long_list_is_cut_to_the_most_severe_and_costliest_with_the_total() {
        // 30 notifications: a cheap critical, costly warnings, infos.
        let mut list = vec![n(0, Severity::Critical, 5)];
        list.extend((1..20).map(|i| n(i, Severity::Warning, 100 * i as i64)));
        list.extend((20..30).map(|i| n(i, Severity::Info, 10_000)));
        let r = run_report(&list, chrono::Duration::days(30), 20);
        let s = &r.sections[0];
        assert_eq!(s.items.len(), 20);
        assert_eq!(s.items[0].tag, "CRITICAL", "critical first, however cheap");
        assert_eq!(
            s.items[1].head, "hourly_overage  dep-19",
            "then the costliest"
        );
        assert!(s.items[1..20].iter().all(|i| i.tag == "WARNING"));
        // Left out: 10 infos at 10,000; in all 5 + 100 * (1 + ... + 19) + 100,000.
        assert_eq!(
            s.more.as_deref(),
            Some(
                "and 10 more (10 info) costing $100,000.00; $119,005.00 in all over the next 30 days"
            )
        );
        assert!(
            r.subject
                .contains("30 new notifications (1 critical, 19 warning, 10 info)")
        );
        assert!(r.subject.ends_with("$119,005.00 at stake"), "{}", r.subject);
        assert!(
            s.items[0]
                .lines
                .iter()
                .any(|l| l == "Costs $5.00 over the next 30 days ($1.00 a day)")
        );
        // Short enough: nothing cut.
        let r = run_report(&list[..3], chrono::Duration::days(30), 20);
        assert_eq!(r.sections[0].items.len(), 3);
        assert_eq!(r.sections[0].more, None);
    }

    #[test]
    fn channels_parse_and_name_themselves_without_their_secret() {
        let c = Channel::parse("slack:https://hooks.slack.com/services/T0/B0/secret").unwrap();
        assert_eq!(
            c.key(),
            "slack:https://hooks.slack.com/services/T0/B0/secret"
        );
        assert_eq!(c.label(), "slack https://hooks.slack.com/…");
        let c = Channel::parse("email:B@example.com, a@example.com,b@example.com").unwrap();
        assert_eq!(c.key(), "email:a@example.com,b@example.com");
        assert_eq!(
            Channel::parse("webhook:http://127.0.0.1:9/x").unwrap(),
            Channel::Webhook("http://127.0.0.1:9/x".into())
        );
        for bad in [
            "slack",
            "slack:hooks.slack.com/x",
            "teams:ftp://x/y",
            "email:",
            "email:a@example.com,not an address",
            "pager:123",
        ] {
            assert!(Channel::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_refused_channel_says_which_part_and_what_was_expected() {
        let said = |s: &str| Channel::parse(s).unwrap_err().to_string();
        assert_eq!(
            said("slack"),
            "--notify: expected webhook:URL, slack:URL, teams:URL or email:ADDRESS[,ADDRESS...], got \"slack\""
        );
        assert_eq!(
            said("teams:ftp://x/y"),
            "--notify teams: expected an http:// or https:// URL, got \"ftp://x/y\""
        );
        assert_eq!(
            said("webhook:http://"),
            "--notify webhook: \"http://\" is not a URL"
        );
        assert_eq!(
            Channel::parse("email:a@example.com, nobody"),
            Err(ChannelError::Address("nobody".into()))
        );
    }
}
