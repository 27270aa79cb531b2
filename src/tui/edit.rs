//! The edit forms' glue: what a form offers to choose from. The edit itself
//! ([`crate::domain::plan::Edit`]) is priced by the planner's what-if
//! ([`crate::planner::preview`]) and saved by [`crate::ops::save_edit`].

use crate::domain::{Estate, Scope};
/// Every scope a reservation in this estate could take, in a stable order.
pub fn scopes(e: &Estate) -> Vec<Scope> {
    let mut out = Vec::new();
    for b in &e.billing_accounts {
        out.push(Scope::Shared {
            billing_account: b.id.clone(),
        });
    }
    for m in &e.management_groups {
        out.push(Scope::ManagementGroup {
            management_group: m.id.clone(),
        });
    }
    let mut subs: Vec<&str> = e
        .resources
        .iter()
        .map(|r| r.subscription.as_str())
        .collect();
    for b in &e.billing_accounts {
        subs.extend(b.subscriptions.iter().map(String::as_str));
    }
    subs.sort_unstable();
    subs.dedup();
    for s in &subs {
        out.push(Scope::Subscription {
            subscription: s.to_string(),
        });
    }
    let mut rgs: Vec<(&str, &str)> = e
        .resources
        .iter()
        .map(|r| (r.subscription.as_str(), r.resource_group.as_str()))
        .collect();
    rgs.sort_unstable();
    rgs.dedup();
    for (s, g) in rgs {
        out.push(Scope::ResourceGroup {
            subscription: s.into(),
            resource_group: g.into(),
        });
    }
    out
}

/// A fresh reservation id: `res-new-1`, `res-new-2`, ...
pub fn new_reservation_id(e: &Estate) -> String {
    (1..)
        .map(|n| format!("res-new-{n}"))
        .find(|id| e.reservations.iter().all(|r| &r.id != id))
        .expect("some id is free")
}
