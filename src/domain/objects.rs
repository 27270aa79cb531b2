//! An estate as a set of keyed objects (what the store's tables and its
//! audit log hold), and back.

use crate::domain::Estate;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// The kinds of object the store keeps, one table each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Setting,
    BillingAccount,
    ManagementGroup,
    Price,
    Quota,
    Resource,
    Deployment,
    Commitment,
    Reservation,
    ManagedCompute,
    ModelCapacity,
}

impl Kind {
    /// In dependency order: parents before the objects that refer to them.
    pub const ALL: [Kind; 11] = [
        Kind::Setting,
        Kind::BillingAccount,
        Kind::ManagementGroup,
        Kind::Price,
        Kind::Quota,
        Kind::Resource,
        Kind::Deployment,
        Kind::Commitment,
        Kind::Reservation,
        Kind::ManagedCompute,
        Kind::ModelCapacity,
    ];

    pub fn table(self) -> &'static str {
        match self {
            Kind::Setting => "settings",
            Kind::BillingAccount => "billing_accounts",
            Kind::ManagementGroup => "management_groups",
            Kind::Price => "prices",
            Kind::Quota => "quotas",
            Kind::Resource => "resources",
            Kind::Deployment => "deployments",
            Kind::Commitment => "commitments",
            Kind::Reservation => "reservations",
            Kind::ManagedCompute => "managed_compute",
            Kind::ModelCapacity => "model_capacities",
        }
    }

    /// The word used in summaries and the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Setting => "setting",
            Kind::BillingAccount => "billing account",
            Kind::ManagementGroup => "management group",
            Kind::Price => "price",
            Kind::Quota => "quota",
            Kind::Resource => "resource",
            Kind::Deployment => "deployment",
            Kind::Commitment => "commitment",
            Kind::Reservation => "reservation",
            Kind::ManagedCompute => "managed compute",
            Kind::ModelCapacity => "model capacity",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Kind::Setting => "settings",
            Kind::BillingAccount => "billing accounts",
            Kind::ManagementGroup => "management groups",
            Kind::Price => "prices",
            Kind::Quota => "quotas",
            Kind::Resource => "resources",
            Kind::Deployment => "deployments",
            Kind::Commitment => "commitments",
            Kind::Reservation => "reservations",
            Kind::ManagedCompute => "managed compute",
            Kind::ModelCapacity => "model capacities",
        }
    }

    pub fn from_table(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.table() == s)
    }

    /// Objects of this kind refer to a resource (a foreign key).
    pub fn refers_to_resource(self) -> bool {
        matches!(self, Kind::Deployment | Kind::Commitment)
    }
}

/// One stored object: its JSON document and its place in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub ord: i64,
    pub doc: String,
}

/// All objects of an estate by (kind, key).
pub type Objects = BTreeMap<(Kind, String), Object>;

fn doc<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain objects serialize")
}

fn put<T: Serialize>(out: &mut Objects, kind: Kind, items: &[T], key: impl Fn(&T) -> String) {
    for (i, item) in items.iter().enumerate() {
        out.insert(
            (kind, key(item)),
            Object {
                ord: i as i64,
                doc: doc(item),
            },
        );
    }
}

/// The key of a price row.
pub fn price_key(region: &str, sku: crate::domain::Sku) -> String {
    format!("{region}|{}", sku.azure_name())
}

/// The key of a quota row.
pub fn quota_key(q: &crate::domain::Quota) -> String {
    let mut key = format!("{}|{}|{}", q.subscription, q.region, q.sku.azure_name());
    if let Some(m) = &q.model {
        key.push_str(&format!(
            "|{m}|{}",
            q.version.as_deref().unwrap_or_default()
        ));
    }
    key
}

/// An estate as objects.
pub fn objects(e: &Estate) -> Objects {
    let mut out = Objects::new();
    out.insert(
        (Kind::Setting, CURRENCY.into()),
        Object {
            ord: 0,
            doc: doc(&e.currency),
        },
    );
    put(&mut out, Kind::BillingAccount, &e.billing_accounts, |b| {
        b.id.clone()
    });
    put(&mut out, Kind::ManagementGroup, &e.management_groups, |m| {
        m.id.clone()
    });
    put(&mut out, Kind::Price, &e.prices, |p| {
        price_key(&p.region, p.sku)
    });
    put(&mut out, Kind::Quota, &e.quotas, quota_key);
    put(&mut out, Kind::Resource, &e.resources, |r| r.id.clone());
    put(&mut out, Kind::Deployment, &e.deployments, |d| d.id.clone());
    put(&mut out, Kind::Commitment, &e.commitments, |c| c.id.clone());
    put(&mut out, Kind::Reservation, &e.reservations, |r| {
        r.id.clone()
    });
    put(&mut out, Kind::ManagedCompute, &e.managed_compute, |m| {
        m.id.clone()
    });
    put(
        &mut out,
        Kind::ModelCapacity,
        &e.model_capacities,
        crate::domain::ModelCapacity::key,
    );
    out
}

/// A stored object that does not read back as its kind: `stored
/// deployment "d1" does not read back: missing field ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub kind: Kind,
    pub key: String,
    /// What the JSON reader said.
    pub message: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let Unreadable { kind, key, message } = self;
        if *kind == Kind::Setting && key == CURRENCY {
            write!(f, "stored currency does not read back: {message}")
        } else {
            write!(
                f,
                "stored {} {key:?} does not read back: {message}",
                kind.name()
            )
        }
    }
}

impl std::error::Error for Unreadable {}

/// The setting that holds the estate's currency.
const CURRENCY: &str = "currency";

fn take<T: DeserializeOwned>(objs: &Objects, kind: Kind) -> Result<Vec<T>, Unreadable> {
    let mut items: Vec<(&Object, &String)> = objs
        .range((kind, String::new())..)
        .take_while(|((k, _), _)| *k == kind)
        .map(|((_, key), o)| (o, key))
        .collect();
    items.sort_by(|a, b| a.0.ord.cmp(&b.0.ord).then(a.1.cmp(b.1)));
    items
        .into_iter()
        .map(|(o, key)| {
            serde_json::from_str(&o.doc).map_err(|e| Unreadable {
                kind,
                key: key.clone(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// Objects as an estate (lists in their stored order).
pub fn estate(objs: &Objects) -> Result<Estate, Unreadable> {
    let currency = match objs.get(&(Kind::Setting, CURRENCY.into())) {
        Some(o) => serde_json::from_str(&o.doc).map_err(|e| Unreadable {
            kind: Kind::Setting,
            key: CURRENCY.into(),
            message: e.to_string(),
        })?,
        None => "USD".to_string(),
    };
    Ok(Estate {
        schema: crate::domain::SchemaTag,
        currency,
        billing_accounts: take(objs, Kind::BillingAccount)?,
        management_groups: take(objs, Kind::ManagementGroup)?,
        prices: take(objs, Kind::Price)?,
        quotas: take(objs, Kind::Quota)?,
        resources: take(objs, Kind::Resource)?,
        deployments: take(objs, Kind::Deployment)?,
        commitments: take(objs, Kind::Commitment)?,
        reservations: take(objs, Kind::Reservation)?,
        managed_compute: take(objs, Kind::ManagedCompute)?,
        model_capacities: take(objs, Kind::ModelCapacity)?,
    })
}

/// One object's change between two estates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub kind: Kind,
    pub key: String,
    pub before: Option<Object>,
    pub after: Option<Object>,
}

/// What differs from `old` to `new`, object by object. An object that only
/// moved in its list is not a change.
pub fn diff(old: &Objects, new: &Objects) -> Vec<Delta> {
    let mut out = Vec::new();
    for (k, o) in old {
        match new.get(k) {
            None => out.push(Delta {
                kind: k.0,
                key: k.1.clone(),
                before: Some(o.clone()),
                after: None,
            }),
            Some(n) if n.doc != o.doc => out.push(Delta {
                kind: k.0,
                key: k.1.clone(),
                before: Some(o.clone()),
                after: Some(n.clone()),
            }),
            _ => {}
        }
    }
    for (k, n) in new {
        if !old.contains_key(k) {
            out.push(Delta {
                kind: k.0,
                key: k.1.clone(),
                before: None,
                after: Some(n.clone()),
            });
        }
    }
    out.sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    out
}

/// Counts of a change per kind: (added, changed, removed).
pub fn counts(deltas: &[Delta]) -> BTreeMap<Kind, (usize, usize, usize)> {
    let mut m: BTreeMap<Kind, (usize, usize, usize)> = BTreeMap::new();
    for d in deltas {
        let e = m.entry(d.kind).or_default();
        match (&d.before, &d.after) {
            (None, Some(_)) => e.0 += 1,
            (Some(_), Some(_)) => e.1 += 1,
            (Some(_), None) => e.2 += 1,
            (None, None) => {}
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estate_round_trips_through_objects_in_order() {
        let e = crate::demo::estate(crate::domain::time::parse_time_arg("2026-11-22").unwrap());
        let objs = objects(&e);
        assert_eq!(estate(&objs).unwrap(), e);
        let mut changed = e.clone();
        changed.deployments[0].sizes[0].ptu += 50;
        changed.resources.pop();
        let d = diff(&objs, &objects(&changed));
        assert_eq!(d.len(), 2);
        assert_eq!(counts(&d)[&Kind::Deployment], (0, 1, 0));
        assert_eq!(counts(&d)[&Kind::Resource], (0, 0, 1));
    }

    #[test]
    fn an_object_that_does_not_read_back_is_named_by_kind_and_key() {
        let e = crate::demo::estate(crate::domain::time::parse_time_arg("2026-11-22").unwrap());
        let mut objs = objects(&e);
        let key = e.deployments[0].id.clone();
        objs.get_mut(&(Kind::Deployment, key.clone())).unwrap().doc = "{}".into();
        let err = estate(&objs).unwrap_err();
        assert_eq!(
            (err.kind, err.key.as_str()),
            (Kind::Deployment, key.as_str())
        );
        let head = format!("stored deployment {key:?} does not read back: ");
        assert!(err.to_string().starts_with(&head), "{err}");

        let mut objs = objects(&e);
        objs.insert(
            (Kind::Setting, CURRENCY.into()),
            Object {
                ord: 0,
                doc: "7".into(),
            },
        );
        let err = estate(&objs).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("stored currency does not read back: "),
            "{err}"
        );
    }
}
