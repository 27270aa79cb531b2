//! Notifications and their remedies for people (80 columns: `check`,
//! `fix`) and for scripts (JSON, docs/outputs.md#check-json, which the
//! webhooks and `check --notify` send too).

use super::{fit, wrap};
use crate::domain::money::{fmt_money, fmt_money_grouped};
use crate::domain::notice::Notification;
use crate::domain::plan::Remedy;
use crate::domain::time::fmt_time;
use serde::Serialize;
use std::fmt::Write;

/// The JSON form of a notification (docs/outputs.md#check-json).
#[derive(Serialize)]
pub struct JsonNotification<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub severity: &'a str,
    pub subject: &'a str,
    pub at: String,
    pub message: &'a str,
    pub cost_impact: String,
    pub cost_per_day: String,
    pub action: &'a str,
    pub remedies: Vec<JsonRemedy<'a>>,
}

/// One change a remedy makes: a plan step's shape, with the object it changes.
#[derive(Serialize)]
pub struct JsonChange<'a> {
    /// `null` for a change with no date of its own (dropping a planned
    /// purchase, withdrawing a refund, recovering an account).
    pub at: Option<String>,
    pub action: std::borrow::Cow<'a, str>,
    pub object: String,
}

/// The JSON form of a remedy (docs/outputs.md#check-json).
#[derive(Serialize)]
pub struct JsonRemedy<'a> {
    pub kind: &'static str,
    pub summary: &'a str,
    pub changes: Vec<JsonChange<'a>>,
    pub objects: Vec<String>,
    pub saving_lifetime: String,
    pub saving_horizon: String,
    pub cost_per_day: String,
    pub committed_after_horizon: String,
    pub lifetime: crate::domain::plan::Lifetime,
    pub safe: bool,
    pub why_not: Option<&'a str>,
}

pub fn json_remedy(r: &Remedy) -> JsonRemedy<'_> {
    let objects = r.objects();
    // The one object a change changes (a remedy's objects are its
    // changes' objects, each once).
    let object =
        |c: &crate::domain::plan::Edit| crate::planner::remedies::edit_object(c).to_string();
    // A remedy drafted change by change has one step per change; a plan's
    // option words its steps its own way, so its changes are described
    // from the edits themselves.
    let changes = if r.steps.len() == r.changes.len() {
        r.steps
            .iter()
            .zip(&r.changes)
            .map(|(s, c)| JsonChange {
                at: Some(fmt_time(s.at)),
                action: std::borrow::Cow::Borrowed(s.action.as_str()),
                object: object(c),
            })
            .collect()
    } else {
        r.changes
            .iter()
            .map(|c| JsonChange {
                at: c.at().map(fmt_time),
                action: std::borrow::Cow::Owned(c.describe()),
                object: object(c),
            })
            .collect()
    };
    JsonRemedy {
        kind: r.kind.name(),
        summary: &r.summary,
        changes,
        objects,
        saving_lifetime: fmt_money(r.saving_lifetime),
        saving_horizon: fmt_money(r.saving_horizon),
        cost_per_day: fmt_money(r.cost_per_day),
        committed_after_horizon: fmt_money(r.committed_after_horizon),
        lifetime: r.lifetime,
        safe: r.safe,
        why_not: r.why_not.as_deref(),
    }
}

pub fn to_json(list: &[Notification]) -> String {
    let items: Vec<JsonNotification> = list
        .iter()
        .map(|n| JsonNotification {
            id: &n.id,
            kind: n.kind,
            severity: n.severity.name(),
            subject: &n.subject,
            at: fmt_time(n.at),
            message: &n.message,
            cost_impact: fmt_money(n.cost_impact),
            cost_per_day: fmt_money(n.cost_per_day),
            action: &n.action,
            remedies: n.remedies.iter().map(json_remedy).collect(),
        })
        .collect();
    let mut s = crate::safe::json_safe(serde_json::to_string_pretty(&items).expect("serializes"));
    s.push('\n');
    s
}

/// Notifications for people, 80 columns.
pub fn to_text(list: &[Notification], silenced: usize) -> String {
    let mut s = String::new();
    if list.is_empty() {
        s.push_str("No notifications.");
    } else {
        let _ = write!(
            s,
            "{} notification{}",
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        );
    }
    if silenced > 0 {
        let _ = write!(s, " ({silenced} silenced; `ptudesk ack --list`)");
    }
    s.push('\n');
    for n in list {
        s.push('\n');
        let cost = format!(
            "${}",
            crate::domain::money::fmt_money_grouped(n.cost_impact)
        );
        let lead = format!("{:<9}{}  ", n.severity.name().to_uppercase(), n.kind);
        let room = 80usize
            .saturating_sub(lead.chars().count() + cost.len() + 1)
            .max(12);
        let head = format!("{lead}{}", fit(&n.subject, room));
        let _ = writeln!(
            s,
            "{head}{:>width$}",
            cost,
            width = 80usize
                .saturating_sub(head.chars().count())
                .max(cost.len() + 1)
        );
        for line in wrap(&n.message, "  ", 80) {
            let _ = writeln!(s, "{line}");
        }
        for line in wrap(&format!("-> {}", n.action), "  ", 80) {
            let _ = writeln!(s, "{line}");
        }
        if let Some(r) = n.remedies.first()
            && (r.saving_lifetime != rust_decimal::Decimal::ZERO || n.remedies.len() > 1)
        {
            let _ = writeln!(
                s,
                "   saves ${} over the lifetime ({}), ${} over the horizon",
                fmt_money_grouped(r.saving_lifetime),
                r.lifetime.describe(),
                fmt_money_grouped(r.saving_horizon)
            );
        }
        let more = if n.remedies.len() > 1 {
            format!("; {} remedies: `ptudesk fix {}`", n.remedies.len(), n.id)
        } else {
            format!("; `ptudesk fix {}`", n.id)
        };
        let _ = writeln!(s, "  id {}  at {}{more}", n.id, fmt_time(n.at));
    }
    s
}

#[derive(Serialize)]
struct JsonFix<'a> {
    id: &'a str,
    kind: &'a str,
    severity: &'a str,
    subject: &'a str,
    message: &'a str,
    cost_impact: String,
    cost_per_day: String,
    remedies: Vec<JsonRemedy<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applied: Option<JsonApplied>,
}

#[derive(Serialize)]
struct JsonApplied {
    remedy: usize,
    change: Option<i64>,
}

/// A notification and its remedies for scripts (`fix --format json`),
/// with the remedy applied (counting from 0) and the change it recorded.
pub fn fix_json(n: &Notification, applied: Option<(usize, Option<i64>)>) -> String {
    let doc = JsonFix {
        id: &n.id,
        kind: n.kind,
        severity: n.severity.name(),
        subject: &n.subject,
        message: &n.message,
        cost_impact: crate::domain::money::fmt_money(n.cost_impact),
        cost_per_day: crate::domain::money::fmt_money(n.cost_per_day),
        remedies: n.remedies.iter().map(json_remedy).collect(),
        applied: applied.map(|(k, change)| JsonApplied {
            remedy: k + 1,
            change,
        }),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("serializes");
    s.push('\n');
    s
}

/// A notification and its remedies for people, 80 columns (`fix`), with
/// the remedy applied (counting from 0) and the change it recorded.
pub fn fix_text(n: &Notification, applied: Option<(usize, Option<i64>)>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} {} ({}): ${} over the horizon, ${} a day",
        n.id,
        n.kind,
        n.subject,
        n.severity.name(),
        fmt_money_grouped(n.cost_impact),
        fmt_money_grouped(n.cost_per_day)
    );
    for l in wrap(&n.message, "  ", 80) {
        let _ = writeln!(s, "{l}");
    }
    if let Some(r) = n.remedies.first() {
        let _ = writeln!(s, "Lifetime: {}", r.lifetime.describe());
    }
    let _ = writeln!(
        s,
        "\nRemedies, safe first, then by saving over the lifetime (rated against doing nothing, amortized):"
    );
    if n.remedies.is_empty() {
        let _ = writeln!(s, "  none known: {}", n.action);
    }
    for (i, r) in n.remedies.iter().enumerate() {
        remedy_lines(&mut s, i + 1, r);
    }
    if let Some((k, change)) = applied {
        s.push('\n');
        let text = match change {
            Some(id) => format!(
                "Applied remedy {} ({}) as change #{id}. `ptudesk undo` reverts it.",
                k + 1,
                n.remedies[k].kind.name()
            ),
            None => format!(
                "Nothing written: the store already holds remedy {}'s changes.",
                k + 1
            ),
        };
        for l in wrap(&text, "", 80) {
            let _ = writeln!(s, "{l}");
        }
    } else if n.remedies.iter().any(|r| !r.changes.is_empty()) {
        let _ = writeln!(
            s,
            "\n`ptudesk fix {} --apply [--remedy N]` writes one into the store.",
            n.id
        );
    }
    s
}

fn remedy_lines(s: &mut String, k: usize, r: &Remedy) {
    let _ = writeln!(
        s,
        "\n{k}. {} ({}){}",
        r.kind.name(),
        if r.safe { "safe" } else { "not safe" },
        r.why_not
            .as_deref()
            .map_or(String::new(), |w| format!(": {w}"))
    );
    for l in wrap(&r.summary, "   ", 80) {
        let _ = writeln!(s, "{l}");
    }
    let _ = writeln!(
        s,
        "   saves ${} over the lifetime, ${} over the horizon; costs ${} a day; commits ${} after the horizon",
        fmt_money_grouped(r.saving_lifetime),
        fmt_money_grouped(r.saving_horizon),
        fmt_money_grouped(r.cost_per_day),
        fmt_money_grouped(r.committed_after_horizon)
    );
    for st in &r.steps {
        for l in wrap(&format!("{}  {}", fmt_time(st.at), st.action), "   - ", 80) {
            let _ = writeln!(s, "{l}");
        }
    }
}
