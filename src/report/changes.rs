//! What changed between two states of the store, in the words a FinOps
//! engineer uses: renewal settings flipped, PTUs added, scopes changed,
//! deployments resized, accounts deleted and purged. A change whose
//! instant is an estimate (an import or sync saw it, Azure recorded no
//! time: the snapshot's `approximate` flags) says "(time approximate)".

use crate::domain::objects::{Kind, Objects};
use crate::domain::time::{Time, fmt_time};
use crate::domain::{
    BillingAccount, Commitment, CommitmentRenewal, Deployment, ManagedCompute, ManagementGroup,
    PriceRow, Quota, Reservation, ReservationRenewal, Resource,
};

fn renewal_text(r: &CommitmentRenewal) -> String {
    match r {
        CommitmentRenewal::Autorenew => "autorenew".into(),
        CommitmentRenewal::AutorenewLower(p) => format!("autorenew at {p} PTU"),
        CommitmentRenewal::None => "don't renew".into(),
    }
}

fn res_renewal_text(r: &ReservationRenewal) -> String {
    match r {
        ReservationRenewal::None => "don't renew".into(),
        ReservationRenewal::Autorenew => "autorenew".into(),
        ReservationRenewal::Replace { ptu, term, .. } => {
            let mut s = "replace".to_string();
            if let Some(p) = ptu {
                s.push_str(&format!(" with {p} PTU"));
            }
            if let Some(t) = term {
                s.push_str(&format!(" for {}", t.code()));
            }
            s
        }
    }
}

/// " (time approximate)" when the instant is an estimate.
fn approx(approximate: bool) -> &'static str {
    if approximate {
        " (time approximate)"
    } else {
        ""
    }
}

fn parse<T: serde::de::DeserializeOwned>(doc: &str) -> Option<T> {
    serde_json::from_str(doc).ok()
}

fn deployment_lines(
    id: &str,
    before: Option<Deployment>,
    after: Option<Deployment>,
) -> Vec<String> {
    match (before, after) {
        (None, Some(a)) => {
            let mut v = vec![format!(
                "deployment {id} added: {} {} {} at {} PTU, created {}",
                a.model,
                a.version,
                a.sku.label(),
                a.sizes[0].ptu,
                fmt_time(a.created())
            )];
            v.extend(a.sizes.iter().skip(1).map(|s| {
                format!(
                    "deployment {id} resized to {} PTU at {}",
                    s.ptu,
                    fmt_time(s.at)
                )
            }));
            v
        }
        (Some(_), None) => vec![format!("deployment {id} removed from the store")],
        (Some(b), Some(a)) => {
            let mut v = Vec::new();
            for s in a.sizes.iter().filter(|s| !b.sizes.contains(s)) {
                let from = a.ptu_at(s.at - chrono::Duration::nanoseconds(1));
                v.push(format!(
                    "deployment {id} resized {from} -> {} PTU at {}{}",
                    s.ptu,
                    fmt_time(s.at),
                    approx(s.approximate)
                ));
            }
            if (a.deleted, a.deleted_approximate) != (b.deleted, b.deleted_approximate) {
                match a.deleted {
                    Some(d) => v.push(format!(
                        "deployment {id} deleted at {}{}",
                        fmt_time(d),
                        approx(a.deleted_approximate)
                    )),
                    None => v.push(format!("deployment {id} no longer deleted")),
                }
            }
            if (a.model.as_str(), a.version.as_str()) != (b.model.as_str(), b.version.as_str()) {
                v.push(format!(
                    "deployment {id} model {} {} -> {} {}",
                    b.model, b.version, a.model, a.version
                ));
            }
            if v.is_empty() {
                v.push(format!("deployment {id} changed"));
            }
            v
        }
        (None, None) => vec![],
    }
}

fn commitment_lines(
    id: &str,
    before: Option<Commitment>,
    after: Option<Commitment>,
) -> Vec<String> {
    match (before, after) {
        (None, Some(a)) => {
            // The setting as bought, then each change it already carries.
            let later: String = a
                .renewal_changes
                .iter()
                .map(|ch| {
                    format!(
                        ", {} from {}{}",
                        renewal_text(&ch.renewal),
                        fmt_time(ch.at),
                        approx(ch.approximate)
                    )
                })
                .collect();
            vec![format!(
                "commitment {id} added: {} PTU on {} from {}, {}{later}",
                a.ptu,
                a.resource,
                fmt_time(a.start),
                renewal_text(&a.renewal)
            )]
        }
        (Some(_), None) => vec![format!("commitment {id} removed from the store")],
        (Some(b), Some(a)) => {
            let mut v = Vec::new();
            for ad in a.additions.iter().filter(|x| !b.additions.contains(x)) {
                v.push(format!(
                    "commitment {id}: +{} PTU added at {}{}",
                    ad.ptu,
                    fmt_time(ad.at),
                    approx(ad.approximate)
                ));
            }
            for ch in a
                .renewal_changes
                .iter()
                .filter(|x| !b.renewal_changes.contains(x))
            {
                let was = a
                    .renewal_changes
                    .iter()
                    .take_while(|x| x.at < ch.at)
                    .last()
                    .map_or(a.renewal, |x| x.renewal);
                v.push(format!(
                    "commitment {id}: renewal flipped {} -> {} at {}{}",
                    renewal_text(&was),
                    renewal_text(&ch.renewal),
                    fmt_time(ch.at),
                    approx(ch.approximate)
                ));
            }
            if a.renewal != b.renewal {
                v.push(format!(
                    "commitment {id}: renewal {} -> {}",
                    renewal_text(&b.renewal),
                    renewal_text(&a.renewal)
                ));
            }
            if a.ptu != b.ptu || a.start != b.start || a.price != b.price {
                v.push(format!(
                    "commitment {id}: purchase changed ({} PTU from {})",
                    a.ptu,
                    fmt_time(a.start)
                ));
            }
            if v.is_empty() {
                v.push(format!("commitment {id} changed"));
            }
            v
        }
        (None, None) => vec![],
    }
}

fn reservation_lines(
    id: &str,
    before: Option<Reservation>,
    after: Option<Reservation>,
) -> Vec<String> {
    match (before, after) {
        (None, Some(a)) => {
            let mut later: Vec<(Time, String)> = a
                .scope_changes
                .iter()
                .map(|ch| {
                    (
                        ch.at,
                        format!(
                            "scope {} from {}{}",
                            ch.scope,
                            fmt_time(ch.at),
                            approx(ch.approximate)
                        ),
                    )
                })
                .collect();
            later.extend(a.renewal_changes.iter().map(|ch| {
                (
                    ch.at,
                    format!(
                        "{} from {}{}",
                        res_renewal_text(&ch.renewal),
                        fmt_time(ch.at),
                        approx(ch.approximate)
                    ),
                )
            }));
            later.sort_by_key(|x| x.0);
            let later: String = later.iter().map(|x| format!(", {}", x.1)).collect();
            vec![format!(
                "reservation {id} added: {} PTU {} in {}, {} {}, from {}, scope {}, {}{later}",
                a.ptu,
                a.sku.label(),
                a.region,
                a.term.code(),
                a.billing.code(),
                fmt_time(a.start),
                a.scope,
                res_renewal_text(&a.renewal)
            )]
        }
        (Some(_), None) => vec![format!("reservation {id} removed from the store")],
        (Some(b), Some(a)) => {
            let mut v = Vec::new();
            for ch in a
                .scope_changes
                .iter()
                .filter(|x| !b.scope_changes.contains(x))
            {
                let was =
                    crate::domain::terms::scope_at(&a, ch.at - chrono::Duration::nanoseconds(1))
                        .clone();
                v.push(format!(
                    "reservation {id}: scope changed {was} -> {} at {}{}",
                    ch.scope,
                    fmt_time(ch.at),
                    approx(ch.approximate)
                ));
            }
            for ch in a
                .renewal_changes
                .iter()
                .filter(|x| !b.renewal_changes.contains(x))
            {
                let was = a
                    .renewal_changes
                    .iter()
                    .take_while(|x| x.at < ch.at)
                    .last()
                    .map_or_else(|| a.renewal.clone(), |x| x.renewal.clone());
                v.push(format!(
                    "reservation {id}: renewal flipped {} -> {} at {}{}",
                    res_renewal_text(&was),
                    res_renewal_text(&ch.renewal),
                    fmt_time(ch.at),
                    approx(ch.approximate)
                ));
            }
            if (a.refunded_at, a.refunded_approximate) != (b.refunded_at, b.refunded_approximate) {
                match a.refunded_at {
                    Some(t) => v.push(format!(
                        "reservation {id}: refunded at {}{}",
                        fmt_time(t),
                        approx(a.refunded_approximate)
                    )),
                    None => v.push(format!("reservation {id}: refund withdrawn")),
                }
            }
            if a.scope != b.scope {
                v.push(format!(
                    "reservation {id}: purchase scope {} -> {}",
                    b.scope, a.scope
                ));
            }
            if a.renewal != b.renewal {
                v.push(format!(
                    "reservation {id}: renewal {} -> {}",
                    res_renewal_text(&b.renewal),
                    res_renewal_text(&a.renewal)
                ));
            }
            // The purchase itself, field by field (a plan re-dates or resizes it).
            let mut bought = Vec::new();
            if a.ptu != b.ptu {
                bought.push(format!("{} -> {} PTU", b.ptu, a.ptu));
            }
            if a.start != b.start {
                bought.push(format!(
                    "start {} -> {}",
                    fmt_time(b.start),
                    fmt_time(a.start)
                ));
            }
            if a.term != b.term {
                bought.push(format!("term {} -> {}", b.term.code(), a.term.code()));
            }
            if a.billing != b.billing {
                bought.push(format!(
                    "billing {} -> {}",
                    b.billing.code(),
                    a.billing.code()
                ));
            }
            if a.price != b.price {
                bought.push("its own price".to_string());
            }
            if !bought.is_empty() {
                v.push(format!(
                    "reservation {id}: purchase changed: {}",
                    bought.join(", ")
                ));
            }
            if v.is_empty() {
                v.push(format!("reservation {id} changed"));
            }
            v
        }
        (None, None) => vec![],
    }
}

/// "deleted at T, purged at T (time approximate)" for a resource.
fn resource_gone(r: &Resource) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(t) = r.deleted {
        v.push(format!(
            "deleted at {}{}",
            fmt_time(t),
            approx(r.deleted_approximate)
        ));
    }
    if let Some(t) = r.purged {
        v.push(format!(
            "purged at {}{}",
            fmt_time(t),
            approx(r.purged_approximate)
        ));
    }
    v
}

fn resource_lines(id: &str, before: Option<Resource>, after: Option<Resource>) -> Vec<String> {
    let place = |r: &Resource| format!("{} / {} in {}", r.subscription, r.resource_group, r.region);
    match (before, after) {
        (None, Some(a)) => {
            let mut s = format!("resource {id} added: {}", place(&a));
            for g in resource_gone(&a) {
                s.push_str(&format!(", {g}"));
            }
            vec![s]
        }
        (Some(_), None) => vec![format!("resource {id} removed from the store")],
        (Some(b), Some(a)) => {
            let mut v = Vec::new();
            if place(&a) != place(&b) {
                v.push(format!("resource {id}: {} -> {}", place(&b), place(&a)));
            }
            let gone = |r: &Resource| {
                (
                    r.deleted,
                    r.deleted_approximate,
                    r.purged,
                    r.purged_approximate,
                )
            };
            if gone(&a) != gone(&b) {
                match resource_gone(&a) {
                    g if g.is_empty() => v.push(format!("resource {id} no longer deleted")),
                    g => v.push(format!("resource {id} {}", g.join(", "))),
                }
            }
            if v.is_empty() {
                v.push(format!("resource {id} changed"));
            }
            v
        }
        (None, None) => vec![],
    }
}

fn simple<T: serde::de::DeserializeOwned>(
    kind: Kind,
    key: &str,
    before: Option<&str>,
    after: Option<&str>,
    describe: impl Fn(&T) -> String,
) -> Vec<String> {
    let (b, a) = (before.and_then(parse::<T>), after.and_then(parse::<T>));
    match (b, a) {
        (None, Some(a)) => vec![format!("{} {key} added: {}", kind.name(), describe(&a))],
        (Some(_), None) => vec![format!("{} {key} removed from the store", kind.name())],
        (Some(b), Some(a)) => vec![format!(
            "{} {key}: {} -> {}",
            kind.name(),
            describe(&b),
            describe(&a)
        )],
        (None, None) => vec![],
    }
}

/// The changes from `old` to `new`, one line each, grouped by kind.
pub fn describe(old: &Objects, new: &Objects) -> Vec<String> {
    let mut lines = Vec::new();
    for d in crate::domain::objects::diff(old, new) {
        let (b, a) = (
            d.before.as_ref().map(|o| o.doc.as_str()),
            d.after.as_ref().map(|o| o.doc.as_str()),
        );
        let key = d.key.as_str();
        let more = match d.kind {
            Kind::Deployment => deployment_lines(key, b.and_then(parse), a.and_then(parse)),
            Kind::Commitment => commitment_lines(key, b.and_then(parse), a.and_then(parse)),
            Kind::Reservation => reservation_lines(key, b.and_then(parse), a.and_then(parse)),
            Kind::Resource => resource_lines(key, b.and_then(parse), a.and_then(parse)),
            Kind::Quota => simple(d.kind, key, b, a, |q: &Quota| {
                format!("limit {} PTU", q.limit)
            }),
            Kind::Price => simple(d.kind, key, b, a, |p: &PriceRow| {
                let mut parts = Vec::new();
                for (n, v) in [
                    ("hourly", p.hourly),
                    ("reservation_month", p.reservation_month),
                    ("reservation_year", p.reservation_year),
                    ("commitment_month", p.commitment_month),
                ] {
                    if let Some(v) = v {
                        parts.push(format!("{n} {v}"));
                    }
                }
                parts.join(", ")
            }),
            Kind::BillingAccount => simple(d.kind, key, b, a, |x: &BillingAccount| {
                format!("{} subscriptions", x.subscriptions.len())
            }),
            Kind::ManagementGroup => simple(d.kind, key, b, a, |x: &ManagementGroup| {
                format!(
                    "parent {}, {} subscriptions",
                    x.parent.as_deref().unwrap_or("none"),
                    x.subscriptions.len()
                )
            }),
            Kind::ManagedCompute => simple(d.kind, key, b, a, |m: &ManagedCompute| {
                format!("{} x {} in {}", m.instances, m.vm_sku, m.region)
            }),
            Kind::ModelCapacity => simple(d.kind, key, b, a, |c: &crate::domain::ModelCapacity| {
                format!("{} PTU available as of {}", c.available, fmt_time(c.as_of))
            }),
            Kind::Setting => simple(d.kind, key, b, a, |s: &String| s.clone()),
        };
        lines.extend(more);
    }
    lines
}
