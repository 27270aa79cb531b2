//! Semantic validation of an estate: everything the JSON types cannot say.
//! The first problem found is reported with its JSON path and what was
//! expected (docs/formats.md#errors). Notifications, not errors: deployments
//! over quota, sizes off a model's step, models a commitment does not support.

use super::terms::{self, TermError};
use super::time::{Time, fmt_time};
use super::{Estate, Scope};
use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt;

/// One problem in an estate: where (a JSON path from the document root) and
/// what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for Invalid {}

/// The largest PTU count accepted anywhere (keeps exact arithmetic far from
/// its limits).
pub const MAX_PTU: i64 = 1_000_000;
/// The largest price accepted per PTU.
pub const MAX_PRICE: i64 = 1_000_000_000;

fn bad(path: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        path: path.into(),
        message: message.into(),
    }
}

fn earliest() -> Time {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap()
}

fn latest() -> Time {
    Utc.with_ymd_and_hms(2200, 1, 1, 0, 0, 0).unwrap()
}

fn check_time(path: impl Fn() -> String, t: Time) -> Result<(), Invalid> {
    if t < earliest() || t >= latest() {
        return Err(bad(
            path(),
            format!("expected a time between 2000 and 2200, got {}", fmt_time(t)),
        ));
    }
    Ok(())
}

fn check_id(path: impl Fn() -> String, id: &str) -> Result<(), Invalid> {
    if id.trim().is_empty() {
        return Err(bad(path(), "expected a non-empty id"));
    }
    check_len(&path, id)
}

/// The longest text an estate holds in one field (ids, names, models,
/// versions, regions): far above any Azure name, far below a denial of
/// service.
pub const MAX_TEXT_CHARS: usize = 1024;

/// Azure allows six levels of management groups below the root.
pub const MAX_MG_DEPTH: usize = 6;

fn check_len(path: impl Fn() -> String, s: &str) -> Result<(), Invalid> {
    if s.len() <= MAX_TEXT_CHARS {
        return Ok(());
    }
    let n = s.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(bad(
            path(),
            format!("expected at most {MAX_TEXT_CHARS} characters, got {n}"),
        ));
    }
    Ok(())
}

/// Every text field of the estate's billing accounts, management groups,
/// prices, quotas and resources within [`MAX_TEXT_CHARS`].
fn check_lengths_head(e: &Estate) -> Result<(), Invalid> {
    for (i, b) in e.billing_accounts.iter().enumerate() {
        check_len(|| format!("$.billing_accounts[{i}].id"), &b.id)?;
        for (j, s) in b.subscriptions.iter().enumerate() {
            check_len(|| format!("$.billing_accounts[{i}].subscriptions[{j}]"), s)?;
        }
    }
    for (i, m) in e.management_groups.iter().enumerate() {
        check_len(|| format!("$.management_groups[{i}].id"), &m.id)?;
        for (j, s) in m.subscriptions.iter().enumerate() {
            check_len(|| format!("$.management_groups[{i}].subscriptions[{j}]"), s)?;
        }
    }
    for (i, p) in e.prices.iter().enumerate() {
        check_len(|| format!("$.prices[{i}].region"), &p.region)?;
    }
    for (i, q) in e.quotas.iter().enumerate() {
        check_len(|| format!("$.quotas[{i}].subscription"), &q.subscription)?;
        check_len(|| format!("$.quotas[{i}].region"), &q.region)?;
    }
    for (i, r) in e.resources.iter().enumerate() {
        for (f, v) in [
            ("id", &r.id),
            ("subscription", &r.subscription),
            ("resource_group", &r.resource_group),
            ("region", &r.region),
        ] {
            check_len(|| format!("$.resources[{i}].{f}"), v)?;
        }
    }
    Ok(())
}

/// Every text field of the deployments within [`MAX_TEXT_CHARS`].
fn check_deployment_lengths(deployments: &[super::Deployment]) -> Result<(), Invalid> {
    for (i, d) in deployments.iter().enumerate() {
        for (f, v) in [
            ("id", &d.id),
            ("resource", &d.resource),
            ("model", &d.model),
            ("version", &d.version),
        ] {
            check_len(|| format!("$.deployments[{i}].{f}"), v)?;
        }
    }
    Ok(())
}

/// Every text field of the commitments, reservations and managed compute
/// within [`MAX_TEXT_CHARS`].
fn check_lengths_tail(e: &Estate) -> Result<(), Invalid> {
    for (i, c) in e.commitments.iter().enumerate() {
        check_len(|| format!("$.commitments[{i}].id"), &c.id)?;
        check_len(|| format!("$.commitments[{i}].resource"), &c.resource)?;
    }
    for (i, r) in e.reservations.iter().enumerate() {
        for (f, v) in [("id", &r.id), ("name", &r.name), ("region", &r.region)] {
            check_len(|| format!("$.reservations[{i}].{f}"), v)?;
        }
    }
    for (i, m) in e.managed_compute.iter().enumerate() {
        for (f, v) in [
            ("id", &m.id),
            ("subscription", &m.subscription),
            ("region", &m.region),
            ("vm_sku", &m.vm_sku),
        ] {
            check_len(|| format!("$.managed_compute[{i}].{f}"), v)?;
        }
    }
    Ok(())
}

fn check_region(path: impl Fn() -> String, region: &str) -> Result<(), Invalid> {
    if region.is_empty()
        || !region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(bad(
            path(),
            format!(
                "expected an Azure short region name such as eastus2 (lowercase, no spaces), got {region:?}"
            ),
        ));
    }
    Ok(())
}

fn check_ptu(path: impl Fn() -> String, ptu: i64) -> Result<(), Invalid> {
    if ptu <= 0 {
        return Err(bad(
            path(),
            format!("expected a positive number of PTU, got {ptu}"),
        ));
    }
    if ptu > MAX_PTU {
        return Err(bad(
            path(),
            format!("expected at most {MAX_PTU} PTU, got {ptu}"),
        ));
    }
    Ok(())
}

fn check_ptu_50(path: impl Fn() -> String, ptu: i64) -> Result<(), Invalid> {
    check_ptu(&path, ptu)?;
    if ptu % 50 != 0 {
        return Err(bad(
            path(),
            format!("expected a multiple of 50 PTU (commitments come in 50-PTU steps), got {ptu}"),
        ));
    }
    Ok(())
}

fn check_price(path: impl Fn() -> String, p: Decimal) -> Result<(), Invalid> {
    if p.is_sign_negative() && !p.is_zero() {
        return Err(bad(
            path(),
            format!("expected a price of zero or more, got {p}"),
        ));
    }
    if p > Decimal::from(MAX_PRICE) {
        return Err(bad(
            path(),
            format!("expected a price of at most {MAX_PRICE}, got {p}"),
        ));
    }
    Ok(())
}

/// Checks that `times` never go back; with `strict` (`what` names the
/// entries, e.g. "sizes"), that no two are equal either.
fn check_order(
    path: impl Fn(usize) -> String,
    times: &[Time],
    strict: Option<&str>,
) -> Result<(), Invalid> {
    for (i, w) in times.windows(2).enumerate() {
        if w[1] < w[0] {
            return Err(bad(
                path(i + 1),
                format!(
                    "expected entries in time order: {} comes after {}",
                    fmt_time(w[1]),
                    fmt_time(w[0])
                ),
            ));
        }
        if let Some(what) = strict
            && w[1] == w[0]
        {
            return Err(bad(
                path(i + 1),
                format!(
                    "expected entries in time order, each after the one before: two {what} at the same instant {}",
                    fmt_time(w[1])
                ),
            ));
        }
    }
    Ok(())
}

fn unique<'a>(what: &str, list: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), Invalid> {
    let mut seen = HashSet::default();
    for (i, id) in ids.enumerate() {
        check_id(|| format!("$.{list}[{i}].id"), id)?;
        if !seen.insert(id) {
            return Err(bad(
                format!("$.{list}[{i}].id"),
                format!("expected unique {what} ids; {id:?} appears twice"),
            ));
        }
    }
    Ok(())
}

fn term_error(prefix: &str, e: TermError) -> Invalid {
    bad(format!("{prefix}.{}", e.path), e.message)
}

/// Management-group ancestry: the group and all its ancestors.
fn ancestors<'a>(known: &'a dyn Known, id: &'a str) -> Vec<&'a str> {
    let mut v = vec![id];
    let mut cur = id;
    while let Some(p) = known.parent(cur) {
        if v.contains(&p) {
            break;
        }
        v.push(p);
        cur = p;
    }
    v
}

/// Checks an estate; the first problem is returned.
pub fn validate(e: &Estate) -> Result<(), Invalid> {
    check_lengths_head(e)?;
    check_deployment_lengths(&e.deployments)?;
    check_lengths_tail(e)?;
    check_ids_head(e)?;
    unique(
        "deployment",
        "deployments",
        e.deployments.iter().map(|d| d.id.as_str()),
    )?;
    check_instrument_ids(e)?;
    let refs = check_refs(e)?;
    let resource = |id: &str| refs.resources.get(id).copied();
    check_deployments(&e.deployments, &resource)?;
    check_commitments(e, &resource, latest_mention(e))?;
    check_reservations_and_compute(e, &refs)
}

/// What a reservation's scopes are checked against: the subscriptions the
/// estate names, its management groups and their parents.
trait Known {
    fn subscription(&self, s: &str) -> bool;
    fn management_group(&self, m: &str) -> bool;
    /// The group's parent, if it has one.
    fn parent(&self, m: &str) -> Option<&str>;
}

impl Known for Refs<'_> {
    fn subscription(&self, s: &str) -> bool {
        self.known_subs.contains(s)
    }
    fn management_group(&self, m: &str) -> bool {
        self.mg_ids.contains(m)
    }
    fn parent(&self, m: &str) -> Option<&str> {
        self.parents.get(m).copied().flatten()
    }
}

/// [`Refs`]' subscriptions, management groups and parents, kept.
struct KnownOwned {
    subscriptions: HashSet<String>,
    management_groups: HashSet<String>,
    parents: HashMap<String, Option<String>>,
}

impl KnownOwned {
    fn of(refs: &Refs) -> KnownOwned {
        KnownOwned {
            subscriptions: refs.known_subs.iter().map(|s| s.to_string()).collect(),
            management_groups: refs.mg_ids.iter().map(|s| s.to_string()).collect(),
            parents: refs
                .parents
                .iter()
                .map(|(m, p)| (m.to_string(), p.map(str::to_string)))
                .collect(),
        }
    }
}

impl Known for KnownOwned {
    fn subscription(&self, s: &str) -> bool {
        self.subscriptions.contains(s)
    }
    fn management_group(&self, m: &str) -> bool {
        self.management_groups.contains(m)
    }
    fn parent(&self, m: &str) -> Option<&str> {
        self.parents.get(m).and_then(|p| p.as_deref())
    }
}

/// An estate's objects but its deployments, checked once, against which
/// sets of deployments are checked: [`Frame::valid_with`] some deployments
/// is whether the estate holding them beside those objects is valid
/// ([`validate`] finds no problem in it). Every check but the deployments'
/// own and the commitments' reads no deployment; the commitments' reads
/// only the latest instant they mention.
pub struct Frame {
    /// The estate, without deployments.
    estate: Estate,
    /// Each resource's index in `estate.resources` by id (the last of an
    /// id, as [`validate`] keeps them).
    resources: HashMap<String, usize>,
    /// Whether the checks that read no deployment pass (the commitments'
    /// aside).
    valid: bool,
    /// The subscriptions, management groups and parents reservations'
    /// scopes are checked against, when the checks that read neither
    /// deployments, commitments nor reservations pass.
    known: Option<KnownOwned>,
    /// The latest instant the estate mentions.
    latest: Time,
    /// Whether the commitments pass, per latest instant mentioned.
    commitments: std::sync::Mutex<Vec<(Time, bool)>>,
}

impl Frame {
    /// The frame of `e`'s objects but its deployments (dropped unread).
    pub fn new(mut e: Estate) -> Frame {
        e.deployments = Vec::new();
        let known = (|| {
            check_lengths_head(&e)?;
            check_ids_head(&e)?;
            check_refs(&e).map(|refs| KnownOwned::of(&refs))
        })()
        .ok();
        let valid = known.as_ref().is_some_and(|known| {
            check_lengths_tail(&e).is_ok()
                && check_instrument_ids(&e).is_ok()
                && check_reservations_and_compute(&e, known).is_ok()
        });
        let mut resources = HashMap::default();
        for (i, r) in e.resources.iter().enumerate() {
            resources.insert(r.id.clone(), i);
        }
        let latest = latest_mention(&e);
        Frame {
            estate: e,
            resources,
            valid,
            known,
            latest,
            commitments: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The frame of `e`'s objects but its deployments (not copied).
    pub fn of(e: &Estate) -> Frame {
        Frame::new(Estate {
            schema: e.schema,
            currency: e.currency.clone(),
            billing_accounts: e.billing_accounts.clone(),
            management_groups: e.management_groups.clone(),
            prices: e.prices.clone(),
            quotas: e.quotas.clone(),
            resources: e.resources.clone(),
            deployments: Vec::new(),
            commitments: e.commitments.clone(),
            reservations: e.reservations.clone(),
            managed_compute: e.managed_compute.clone(),
            model_capacities: e.model_capacities.clone(),
        })
    }

    /// Whether the estate of the frame's objects and `deployments` is valid.
    pub fn valid_with(&self, deployments: &[super::Deployment]) -> bool {
        if !self.valid {
            return false;
        }
        let resource = |id: &str| self.resources.get(id).map(|&i| &self.estate.resources[i]);
        let own = check_deployment_lengths(deployments)
            .and_then(|()| {
                unique(
                    "deployment",
                    "deployments",
                    deployments.iter().map(|d| d.id.as_str()),
                )
            })
            .and_then(|()| check_deployments(deployments, &resource));
        if own.is_err() {
            return false;
        }
        // The instants `Estate::for_each_time` visits of a deployment.
        let latest = deployments
            .iter()
            .flat_map(|d| d.sizes.iter().map(|s| s.at).chain(d.deleted))
            .fold(self.latest, Time::max);
        let known = {
            let memo = self.commitments.lock().unwrap_or_else(|e| e.into_inner());
            memo.iter().find(|x| x.0 == latest).map(|x| x.1)
        };
        known.unwrap_or_else(|| {
            let ok = check_commitments(&self.estate, &resource, latest).is_ok();
            let mut memo = self.commitments.lock().unwrap_or_else(|e| e.into_inner());
            memo.push((latest, ok));
            ok
        })
    }

    /// Whether `v` is valid, `v` holding the frame's currency, billing
    /// accounts, management groups, prices, resources and managed compute
    /// (and no quotas or service capacities) beside any deployments,
    /// commitments and reservations: those checked, the rest's verdict
    /// the frame's.
    pub fn valid_with_instruments(&self, v: &Estate) -> bool {
        debug_assert!(
            v.currency == self.estate.currency
                && v.billing_accounts == self.estate.billing_accounts
                && v.management_groups == self.estate.management_groups
                && v.prices == self.estate.prices
                && v.resources == self.estate.resources
                && v.managed_compute == self.estate.managed_compute
                && v.quotas.is_empty()
                && v.model_capacities.is_empty()
                && self.estate.quotas.is_empty()
                && self.estate.model_capacities.is_empty(),
            "an estate of the frame's objects"
        );
        let Some(known) = &self.known else {
            return false;
        };
        let resource = |id: &str| self.resources.get(id).map(|&i| &self.estate.resources[i]);
        check_deployment_lengths(&v.deployments).is_ok()
            && check_lengths_tail(v).is_ok()
            && unique(
                "deployment",
                "deployments",
                v.deployments.iter().map(|d| d.id.as_str()),
            )
            .is_ok()
            && check_instrument_ids(v).is_ok()
            && check_deployments(&v.deployments, &resource).is_ok()
            && check_commitments(v, &resource, latest_mention(v)).is_ok()
            && check_reservations_and_compute(v, known).is_ok()
    }
}

/// Whether two estates hold the same objects but, perhaps, deployments:
/// then a [`Frame::of`] one judges the other's deployments as [`validate`]
/// judges the other.
pub fn same_but_deployments(a: &Estate, b: &Estate) -> bool {
    a.schema == b.schema
        && a.currency == b.currency
        && a.billing_accounts == b.billing_accounts
        && a.management_groups == b.management_groups
        && a.prices == b.prices
        && a.quotas == b.quotas
        && a.resources == b.resources
        && a.commitments == b.commitments
        && a.reservations == b.reservations
        && a.managed_compute == b.managed_compute
        && a.model_capacities == b.model_capacities
}

/// The currency, and the billing accounts', management groups' and
/// resources' ids unique.
fn check_ids_head(e: &Estate) -> Result<(), Invalid> {
    if e.currency.len() != 3 || !e.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(bad(
            "$.currency",
            format!(
                "expected an ISO 4217 currency code such as USD, got {:?}",
                e.currency
            ),
        ));
    }

    unique(
        "billing account",
        "billing_accounts",
        e.billing_accounts.iter().map(|b| b.id.as_str()),
    )?;
    unique(
        "management group",
        "management_groups",
        e.management_groups.iter().map(|m| m.id.as_str()),
    )?;
    unique(
        "resource",
        "resources",
        e.resources.iter().map(|r| r.id.as_str()),
    )?;
    Ok(())
}

/// What the checks after the deployments' own look objects up in.
struct Refs<'e> {
    resources: HashMap<&'e str, &'e super::Resource>,
    known_subs: HashSet<&'e str>,
    mg_ids: HashSet<&'e str>,
    parents: HashMap<&'e str, Option<&'e str>>,
}

/// The commitments', reservations' and managed compute's ids unique, and
/// no reservation's id a commitment's or a renewed term's.
fn check_instrument_ids(e: &Estate) -> Result<(), Invalid> {
    unique(
        "commitment",
        "commitments",
        e.commitments.iter().map(|c| c.id.as_str()),
    )?;
    unique(
        "reservation",
        "reservations",
        e.reservations.iter().map(|r| r.id.as_str()),
    )?;
    unique(
        "managed compute",
        "managed_compute",
        e.managed_compute.iter().map(|m| m.id.as_str()),
    )?;
    let commitment_ids: HashSet<&str> = e.commitments.iter().map(|c| c.id.as_str()).collect();
    for (i, r) in e.reservations.iter().enumerate() {
        if commitment_ids.contains(r.id.as_str()) {
            return Err(bad(
                format!("$.reservations[{i}].id"),
                format!(
                    "expected an id no commitment uses; {:?} is also a commitment",
                    r.id
                ),
            ));
        }
        if super::terms::renewal_of(&r.id).is_some() {
            return Err(bad(
                format!("$.reservations[{i}].id"),
                format!(
                    "expected an id not ending in /r<N> (renewed terms are named so), got {:?}",
                    r.id
                ),
            ));
        }
    }
    Ok(())
}

/// Subscriptions, management groups, prices, resources, quotas and
/// service capacities.
fn check_refs(e: &Estate) -> Result<Refs<'_>, Invalid> {
    // Subscriptions: each in at most one billing account and one management group.
    let mut known_subs: HashSet<&str> = HashSet::default();
    let mut sub_ba: HashMap<&str, &str> = HashMap::default();
    for (i, b) in e.billing_accounts.iter().enumerate() {
        for (j, s) in b.subscriptions.iter().enumerate() {
            check_id(|| format!("$.billing_accounts[{i}].subscriptions[{j}]"), s)?;
            if let Some(other) = sub_ba.insert(s, &b.id) {
                return Err(bad(
                    format!("$.billing_accounts[{i}].subscriptions[{j}]"),
                    format!(
                        "expected a subscription in one billing account only; {s:?} is also in {other:?}"
                    ),
                ));
            }
            known_subs.insert(s);
        }
    }
    let mg_ids: HashSet<&str> = e.management_groups.iter().map(|m| m.id.as_str()).collect();
    let mut parents: HashMap<&str, Option<&str>> = HashMap::default();
    let mut sub_mg: HashMap<&str, &str> = HashMap::default();
    for (i, m) in e.management_groups.iter().enumerate() {
        if let Some(p) = &m.parent
            && !mg_ids.contains(p.as_str())
        {
            return Err(bad(
                format!("$.management_groups[{i}].parent"),
                format!("expected the id of a management group in this file, got {p:?}"),
            ));
        }
        parents.insert(&m.id, m.parent.as_deref());
        for (j, s) in m.subscriptions.iter().enumerate() {
            check_id(|| format!("$.management_groups[{i}].subscriptions[{j}]"), s)?;
            if let Some(other) = sub_mg.insert(s, &m.id) {
                return Err(bad(
                    format!("$.management_groups[{i}].subscriptions[{j}]"),
                    format!(
                        "expected a subscription in one management group only; {s:?} is also in {other:?}"
                    ),
                ));
            }
            known_subs.insert(s);
        }
    }
    // At most MAX_MG_DEPTH parents above any group: each walk stops after
    // that many steps, so the check is linear in the number of groups.
    for (i, m) in e.management_groups.iter().enumerate() {
        let mut chain = vec![m.id.as_str()];
        let mut cur = parents.get(m.id.as_str()).copied().flatten();
        while let Some(c) = cur {
            if chain.contains(&c) {
                return Err(bad(
                    format!("$.management_groups[{i}].parent"),
                    format!(
                        "expected a tree of management groups; {:?} is its own ancestor",
                        m.id
                    ),
                ));
            }
            chain.push(c);
            if chain.len() > MAX_MG_DEPTH + 1 {
                let shown: Vec<&str> = chain.iter().rev().copied().collect();
                return Err(bad(
                    format!("$.management_groups[{i}].parent"),
                    format!(
                        "expected at most {MAX_MG_DEPTH} levels of management groups below the top one (Azure's limit); {:?} is deeper: {} ...",
                        m.id,
                        shown.join(" > ")
                    ),
                ));
            }
            cur = parents.get(c).copied().flatten();
        }
    }

    // Prices.
    let mut price_keys = HashSet::default();
    for (i, p) in e.prices.iter().enumerate() {
        if p.region != "*" {
            check_region(|| format!("$.prices[{i}].region"), &p.region)?;
        }
        if !price_keys.insert((p.region.as_str(), p.sku)) {
            return Err(bad(
                format!("$.prices[{i}]"),
                format!(
                    "expected one price row per region and SKU; {} {} appears twice",
                    p.region, p.sku
                ),
            ));
        }
        for (field, v) in [
            ("hourly", p.hourly),
            ("reservation_month", p.reservation_month),
            ("reservation_year", p.reservation_year),
            ("commitment_month", p.commitment_month),
        ] {
            if let Some(v) = v {
                check_price(|| format!("$.prices[{i}].{field}"), v)?;
            }
        }
    }

    // Resources.
    let mut resources = HashMap::default();
    for (i, r) in e.resources.iter().enumerate() {
        check_id(|| format!("$.resources[{i}].subscription"), &r.subscription)?;
        check_id(
            || format!("$.resources[{i}].resource_group"),
            &r.resource_group,
        )?;
        check_region(|| format!("$.resources[{i}].region"), &r.region)?;
        known_subs.insert(&r.subscription);
        if let Some(d) = r.deleted {
            check_time(|| format!("$.resources[{i}].deleted"), d)?;
        }
        if let Some(p) = r.purged {
            check_time(|| format!("$.resources[{i}].purged"), p)?;
            if let Some(d) = r.deleted
                && p < d
            {
                return Err(bad(
                    format!("$.resources[{i}].purged"),
                    format!(
                        "expected an instant at or after its deletion {}",
                        fmt_time(d)
                    ),
                ));
            }
        }
        resources.insert(r.id.as_str(), r);
    }
    for m in &e.managed_compute {
        known_subs.insert(&m.subscription);
    }

    for (i, q) in e.quotas.iter().enumerate() {
        check_id(|| format!("$.quotas[{i}].subscription"), &q.subscription)?;
        check_region(|| format!("$.quotas[{i}].region"), &q.region)?;
        if q.limit < 0 || q.limit > MAX_PTU {
            return Err(bad(
                format!("$.quotas[{i}].limit"),
                format!("expected a quota of 0 to {MAX_PTU} PTU, got {}", q.limit),
            ));
        }
        match (&q.model, &q.version) {
            (Some(m), _) if m.trim().is_empty() => {
                return Err(bad(
                    format!("$.quotas[{i}].model"),
                    "expected a model name, got an empty one",
                ));
            }
            (Some(_), Some(v)) if v.trim().is_empty() => {
                return Err(bad(
                    format!("$.quotas[{i}].version"),
                    "expected a model version, got an empty one",
                ));
            }
            (Some(_), None) => {
                return Err(bad(
                    format!("$.quotas[{i}].version"),
                    "missing: a model-specific quota names its model's version too",
                ));
            }
            (None, Some(_)) => {
                return Err(bad(
                    format!("$.quotas[{i}].model"),
                    "missing: a quota with a version names its model too",
                ));
            }
            _ => {}
        }
    }
    let mut quota_keys = HashSet::default();
    for (i, q) in e.quotas.iter().enumerate() {
        if !quota_keys.insert(q.subject()) {
            return Err(bad(
                format!("$.quotas[{i}]"),
                format!(
                    "expected one quota per subscription, region and SKU (and model and version for a model-specific one); {} appears twice",
                    q.subject()
                ),
            ));
        }
    }

    let mut capacity_keys = HashSet::default();
    for (i, c) in e.model_capacities.iter().enumerate() {
        let p = format!("$.model_capacities[{i}]");
        check_region(|| format!("{p}.region"), &c.region)?;
        check_id(|| format!("{p}.model"), &c.model)?;
        check_id(|| format!("{p}.version"), &c.version)?;
        if c.available < 0 || c.available > MAX_PTU {
            return Err(bad(
                format!("{p}.available"),
                format!(
                    "expected a capacity of 0 to {MAX_PTU} PTU, got {}",
                    c.available
                ),
            ));
        }
        if !capacity_keys.insert(c.key()) {
            return Err(bad(
                p,
                format!(
                    "expected one capacity per region, SKU, model and version; {} {} {} {} appears twice",
                    c.region, c.sku, c.model, c.version
                ),
            ));
        }
    }

    Ok(Refs {
        resources,
        known_subs,
        mg_ids,
        parents,
    })
}

/// Each deployment's sizes, deletion and resource (`resource` finds a
/// resource by id).
fn check_deployments<'r>(
    deployments: &[super::Deployment],
    resource: &dyn Fn(&str) -> Option<&'r super::Resource>,
) -> Result<(), Invalid> {
    // Deployments.
    for (i, d) in deployments.iter().enumerate() {
        let p = format!("$.deployments[{i}]");
        let Some(res) = resource(d.resource.as_str()) else {
            return Err(bad(
                format!("{p}.resource"),
                format!(
                    "expected the id of a resource in this file, got {:?}",
                    d.resource
                ),
            ));
        };
        if d.sizes.is_empty() {
            return Err(bad(
                format!("{p}.sizes"),
                "expected at least one size: the first one is the creation",
            ));
        }
        for (j, s) in d.sizes.iter().enumerate() {
            check_time(|| format!("{p}.sizes[{j}].at"), s.at)?;
            check_ptu(|| format!("{p}.sizes[{j}].ptu"), s.ptu)?;
        }
        let times: Vec<Time> = d.sizes.iter().map(|s| s.at).collect();
        check_order(|j| format!("{p}.sizes[{j}].at"), &times, Some("sizes"))?;
        if let Some(del) = d.deleted {
            check_time(|| format!("{p}.deleted"), del)?;
            if del <= d.created() {
                return Err(bad(
                    format!("{p}.deleted"),
                    format!(
                        "expected an instant after its creation {}",
                        fmt_time(d.created())
                    ),
                ));
            }
            if let Some(j) = d.sizes.iter().position(|s| s.at >= del) {
                return Err(bad(
                    format!("{p}.sizes[{j}].at"),
                    format!("expected a resize before the deletion at {}", fmt_time(del)),
                ));
            }
        }
        if let Some(gone) = res.deleted.or(res.purged)
            && d.created() >= gone
        {
            return Err(bad(
                format!("{p}.sizes[0].at"),
                format!(
                    "expected a creation before resource {} was deleted at {}",
                    res.id,
                    fmt_time(gone)
                ),
            ));
        }
    }

    Ok(())
}

/// Each commitment, its terms computed up to two months past `latest`
/// (the latest instant the estate mentions) or its own last mention; one
/// commitment at a time per resource.
fn check_commitments<'r>(
    e: &Estate,
    resource: &dyn Fn(&str) -> Option<&'r super::Resource>,
    latest: Time,
) -> Result<(), Invalid> {
    // Commitments.
    // Per resource: (start, end if it ends, commitment index).
    type Lifetime = (Time, Option<Time>, usize);
    // Each resource's commitments (the overlap reported is the one whose
    // later commitment comes first in the file).
    let mut lifetimes: Vec<Vec<Lifetime>> = Vec::new();
    let mut of_resource: HashMap<&str, usize> = HashMap::default();
    for (i, c) in e.commitments.iter().enumerate() {
        let p = format!("$.commitments[{i}]");
        let Some(res) = resource(c.resource.as_str()) else {
            return Err(bad(
                format!("{p}.resource"),
                format!(
                    "expected the id of a resource in this file, got {:?}",
                    c.resource
                ),
            ));
        };
        check_time(|| format!("{p}.start"), c.start)?;
        if let Some(gone) = res.deleted.or(res.purged)
            && c.start >= gone
        {
            return Err(bad(
                format!("{p}.start"),
                format!(
                    "expected a start before resource {} was deleted at {}",
                    res.id,
                    fmt_time(gone)
                ),
            ));
        }
        check_ptu_50(|| format!("{p}.ptu"), c.ptu)?;
        for (j, a) in c.additions.iter().enumerate() {
            check_time(|| format!("{p}.additions[{j}].at"), a.at)?;
            check_ptu_50(|| format!("{p}.additions[{j}].ptu"), a.ptu)?;
        }
        let times: Vec<Time> = c.additions.iter().map(|a| a.at).collect();
        check_order(|j| format!("{p}.additions[{j}].at"), &times, None)?;
        if let super::CommitmentRenewal::AutorenewLower(n) = c.renewal {
            check_ptu_50(|| format!("{p}.renewal.ptu"), n)?;
        }
        for (j, ch) in c.renewal_changes.iter().enumerate() {
            check_time(|| format!("{p}.renewal_changes[{j}].at"), ch.at)?;
            if ch.at < c.start {
                return Err(bad(
                    format!("{p}.renewal_changes[{j}].at"),
                    format!(
                        "expected an instant at or after the start {}",
                        fmt_time(c.start)
                    ),
                ));
            }
            if let super::CommitmentRenewal::AutorenewLower(n) = ch.renewal {
                check_ptu_50(|| format!("{p}.renewal_changes[{j}].renewal.ptu"), n)?;
            }
        }
        let times: Vec<Time> = c.renewal_changes.iter().map(|a| a.at).collect();
        check_order(|j| format!("{p}.renewal_changes[{j}].at"), &times, None)?;
        if let Some(price) = c.price {
            check_price(|| format!("{p}.price"), price)?;
        }
        let last_mention = [
            Some(c.start),
            c.additions.last().map(|a| a.at),
            c.renewal_changes.last().map(|a| a.at),
        ]
        .into_iter()
        .flatten()
        .max()
        .expect("start");
        let horizon = super::time::add_months(last_mention.max(latest), 2);
        let terms = terms::commitment_terms(c, res.deleted.or(res.purged), horizon)
            .map_err(|err| term_error(&p, err))?;
        let end = terms::commitment_end(&terms, horizon);
        let k = *of_resource.entry(c.resource.as_str()).or_insert_with(|| {
            lifetimes.push(Vec::new());
            lifetimes.len() - 1
        });
        lifetimes[k].push((c.start, end, i));
    }
    let mut overlap: Option<(usize, usize, Time)> = None;
    for list in &mut lifetimes {
        list.sort();
        let first = list.windows(2).find_map(|w| {
            let (_, end_a, a) = w[0];
            let (start_b, _, b) = w[1];
            end_a
                .is_none_or(|end| end > start_b)
                .then_some((b, a, start_b))
        });
        if let Some(x) = first
            && overlap.is_none_or(|o| x.0 < o.0)
        {
            overlap = Some(x);
        }
    }
    if let Some((b, a, start_b)) = overlap {
        return Err(bad(
            format!("$.commitments[{b}].start"),
            format!(
                "expected one commitment at a time on resource {}; {} is still active at {}",
                e.commitments[b].resource,
                e.commitments[a].id,
                fmt_time(start_b)
            ),
        ));
    }

    Ok(())
}

/// Each reservation (its scopes against `refs`, its terms, management-group
/// scopes never nested while both are in force) and managed compute.
fn check_reservations_and_compute(e: &Estate, known: &dyn Known) -> Result<(), Invalid> {
    // Reservations.
    let check_scope = |path: &str, s: &Scope| -> Result<(), Invalid> {
        match s {
            Scope::ResourceGroup {
                subscription,
                resource_group,
            } => {
                check_id(|| format!("{path}.resource_group"), resource_group)?;
                if !known.subscription(subscription) {
                    return Err(bad(
                        format!("{path}.subscription"),
                        format!("expected a subscription named in this file, got {subscription:?}"),
                    ));
                }
            }
            Scope::Subscription { subscription } => {
                if !known.subscription(subscription) {
                    return Err(bad(
                        format!("{path}.subscription"),
                        format!("expected a subscription named in this file, got {subscription:?}"),
                    ));
                }
            }
            Scope::ManagementGroup { management_group } => {
                if !known.management_group(management_group) {
                    return Err(bad(
                        format!("{path}.management_group"),
                        format!(
                            "expected the id of a management group in this file, got {management_group:?}"
                        ),
                    ));
                }
            }
            Scope::Shared { billing_account } => {
                if !e.billing_accounts.iter().any(|b| &b.id == billing_account) {
                    return Err(bad(
                        format!("{path}.billing_account"),
                        format!(
                            "expected the id of a billing account in this file, got {billing_account:?}"
                        ),
                    ));
                }
            }
        }
        Ok(())
    };
    // (reservation index, management group, from, to) for the nesting check.
    let mut mg_spans: Vec<(usize, &str, Time, Option<Time>)> = Vec::new();
    for (i, r) in e.reservations.iter().enumerate() {
        let p = format!("$.reservations[{i}]");
        check_region(|| format!("{p}.region"), &r.region)?;
        check_ptu(|| format!("{p}.ptu"), r.ptu)?;
        check_time(|| format!("{p}.start"), r.start)?;
        check_scope(&format!("{p}.scope"), &r.scope)?;
        for (j, ch) in r.scope_changes.iter().enumerate() {
            check_time(|| format!("{p}.scope_changes[{j}].at"), ch.at)?;
            if ch.at < r.start {
                return Err(bad(
                    format!("{p}.scope_changes[{j}].at"),
                    format!(
                        "expected an instant at or after the start {}",
                        fmt_time(r.start)
                    ),
                ));
            }
            check_scope(&format!("{p}.scope_changes[{j}].scope"), &ch.scope)?;
        }
        let times: Vec<Time> = r.scope_changes.iter().map(|a| a.at).collect();
        check_order(|j| format!("{p}.scope_changes[{j}].at"), &times, None)?;
        let check_renewal = |path: String, rn: &super::ReservationRenewal| -> Result<(), Invalid> {
            if let super::ReservationRenewal::Replace { ptu: Some(n), .. } = rn {
                check_ptu(|| format!("{path}.ptu"), *n)?;
            }
            Ok(())
        };
        check_renewal(format!("{p}.renewal"), &r.renewal)?;
        for (j, ch) in r.renewal_changes.iter().enumerate() {
            check_time(|| format!("{p}.renewal_changes[{j}].at"), ch.at)?;
            if ch.at < r.start {
                return Err(bad(
                    format!("{p}.renewal_changes[{j}].at"),
                    format!(
                        "expected an instant at or after the start {}",
                        fmt_time(r.start)
                    ),
                ));
            }
            check_renewal(format!("{p}.renewal_changes[{j}].renewal"), &ch.renewal)?;
        }
        let times: Vec<Time> = r.renewal_changes.iter().map(|a| a.at).collect();
        check_order(|j| format!("{p}.renewal_changes[{j}].at"), &times, None)?;
        if let Some(t) = r.refunded_at {
            check_time(|| format!("{p}.refunded_at"), t)?;
        }
        if let Some(t) = r.moved_at {
            check_time(|| format!("{p}.moved_at"), t)?;
        }
        if let Some(t) = r.effective_from {
            check_time(|| format!("{p}.effective_from"), t)?;
        }
        if let Some(price) = r.price {
            check_price(|| format!("{p}.price"), price)?;
        }
        let terms = terms::reservation_terms(r, r.start).map_err(|err| term_error(&p, err))?;
        // The instant the reservation stops for sure, if it does.
        let end = {
            let last = terms.last().expect("one term");
            if last.refunded_at.is_some() || last.moved_at.is_some() {
                last.refunded_at.or(last.moved_at)
            } else if matches!(r.renewal, super::ReservationRenewal::None)
                && r.renewal_changes.is_empty()
            {
                Some(last.end)
            } else {
                None
            }
        };
        let timeline = terms::scope_timeline(r);
        for (k, (from, scope)) in timeline.iter().enumerate() {
            if let Scope::ManagementGroup { management_group } = scope {
                let to = timeline.get(k + 1).map(|x| x.0).or(end);
                mg_spans.push((i, management_group, *from, to));
            }
        }
    }
    // Only spans of groups that contain or lie in another group used as a
    // scope can clash: each group's ancestry is read once, and the pairs
    // are walked in the same order over those spans alone.
    let groups: Vec<&str> = {
        let mut g: Vec<&str> = mg_spans.iter().map(|s| s.1).collect();
        g.sort_unstable();
        g.dedup();
        g
    };
    let lines: HashMap<&str, Vec<&str>> =
        groups.iter().map(|&g| (g, ancestors(known, g))).collect();
    let nested = |a: &str, b: &str| lines[a].contains(&b) || lines[b].contains(&a);
    let clashing: HashSet<&str> = groups
        .iter()
        .filter(|&&a| groups.iter().any(|&b| a != b && nested(a, b)))
        .copied()
        .collect();
    mg_spans.retain(|s| clashing.contains(s.1));
    for (x, a) in mg_spans.iter().enumerate() {
        for b in &mg_spans[x + 1..] {
            if a.1 == b.1 {
                continue;
            }
            let overlap = a.3.is_none_or(|end| end > b.2) && b.3.is_none_or(|end| end > a.2);
            if overlap && nested(a.1, b.1) {
                let (later, earlier) = if b.2 >= a.2 { (b, a) } else { (a, b) };
                return Err(bad(
                    format!("$.reservations[{}].scope", later.0),
                    format!(
                        "expected a management group that neither contains nor lies in {:?}, which reservation {} already uses as its scope (Azure refuses nested management-group scopes)",
                        earlier.1, e.reservations[earlier.0].id
                    ),
                ));
            }
        }
    }

    // Managed compute.
    for (i, m) in e.managed_compute.iter().enumerate() {
        let p = format!("$.managed_compute[{i}]");
        check_id(|| format!("{p}.subscription"), &m.subscription)?;
        check_region(|| format!("{p}.region"), &m.region)?;
        if m.instances <= 0 || m.instances > 10_000 {
            return Err(bad(
                format!("{p}.instances"),
                format!("expected 1 to 10000 instances, got {}", m.instances),
            ));
        }
        if m.gpus_per_instance < 0 || m.gpus_per_instance > 64 {
            return Err(bad(
                format!("{p}.gpus_per_instance"),
                format!(
                    "expected 0 to 64 GPUs per instance, got {}",
                    m.gpus_per_instance
                ),
            ));
        }
        check_price(|| format!("{p}.vm_hourly"), m.vm_hourly)?;
        check_price(
            || format!("{p}.surcharge_gpu_hourly"),
            m.surcharge_gpu_hourly,
        )?;
        check_time(|| format!("{p}.start"), m.start)?;
        if let Some(end) = m.end {
            check_time(|| format!("{p}.end"), end)?;
            if end <= m.start {
                return Err(bad(
                    format!("{p}.end"),
                    format!("expected an instant after the start {}", fmt_time(m.start)),
                ));
            }
        }
    }
    Ok(())
}

/// The latest instant the estate mentions (to bound lifecycle checks).
fn latest_mention(e: &Estate) -> Time {
    let mut t = earliest();
    e.for_each_time(|x| t = t.max(x));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Commitment, Size};
    use crate::generate::{Profile, generate_profile};
    use chrono::Duration;

    /// A frame's verdict on a set of deployments is [`validate`]'s on the
    /// estate holding them, valid or not, whatever makes it so.
    #[test]
    fn a_frame_judges_deployments_as_the_whole_estate_is_judged() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        for profile in [Profile::Spread, Profile::Concentrated] {
            let e = generate_profile(150, 11, base, profile);
            assert!(validate(&e).is_ok(), "{profile:?}");
            let own = e.deployments.clone();
            let frame = Frame::new(e.clone());
            let mut cases: Vec<(&str, Vec<crate::domain::Deployment>)> = Vec::new();
            cases.push(("as they are", own.clone()));
            cases.push(("none", vec![]));
            let mut unknown = own.clone();
            unknown[3].resource = "no-such-resource".into();
            cases.push(("an unknown resource", unknown));
            let mut twice = own.clone();
            twice.push(own[5].clone());
            cases.push(("an id twice", twice));
            let mut late = own.clone();
            let last = late[0].sizes.last().expect("created").clone();
            late[0].sizes.push(Size {
                at: last.at + Duration::days(3000),
                ..last.clone()
            });
            cases.push(("a resize years later", late));
            let mut far = own.clone();
            far[1].deleted = Some(Utc.with_ymd_and_hms(2199, 6, 1, 0, 0, 0).unwrap());
            cases.push(("a deletion far out", far));
            let mut back = own.clone();
            back[2].sizes.insert(0, last.clone());
            back[2].sizes.push(last.clone());
            cases.push(("sizes out of order", back));
            let mut early = own.clone();
            early[4].deleted = Some(early[4].created());
            cases.push(("deleted at creation", early));
            let mut empty = own.clone();
            empty[6].id = " ".into();
            cases.push(("an empty id", empty));
            let mut verdicts = Vec::new();
            for (what, deployments) in cases {
                let mut whole = e.clone();
                whole.deployments = deployments.clone();
                let expected = validate(&whole).is_ok();
                assert_eq!(
                    frame.valid_with(&deployments),
                    expected,
                    "{profile:?}: {what}"
                );
                // Asked again (the commitments' verdict kept).
                assert_eq!(frame.valid_with(&deployments), expected);
                verdicts.push(expected);
            }
            assert!(verdicts.contains(&true) && verdicts.contains(&false));

            // A frame that is invalid itself passes no deployments.
            let mut bad = e.clone();
            bad.reservations[0].ptu = 0;
            assert!(validate(&bad).is_err());
            assert!(!Frame::new(bad).valid_with(&own));
        }
    }

    /// A frame's verdict on an estate of its objects with other
    /// commitments and reservations is [`validate`]'s.
    #[test]
    fn a_frame_judges_instruments_as_the_whole_estate_is_judged() {
        let base = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        for profile in [Profile::Spread, Profile::Concentrated] {
            let mut e = generate_profile(600, 13, base, profile);
            e.quotas.clear();
            e.model_capacities.clear();
            assert!(validate(&e).is_ok(), "{profile:?}");
            let frame = Frame::new(e.clone());
            let mut cases: Vec<(&str, Estate)> = vec![("as it is", e.clone())];
            let mut x = e.clone();
            x.reservations[0].ptu = 0;
            cases.push(("no PTU", x));
            let mut x = e.clone();
            x.reservations[1].scope = Scope::Subscription {
                subscription: "sub-nowhere".into(),
            };
            cases.push(("an unknown subscription", x));
            let mut x = e.clone();
            x.reservations[2].id = x.commitments[0].id.clone();
            cases.push(("a commitment's id", x));
            let mut x = e.clone();
            x.reservations.push(x.reservations[3].clone());
            cases.push(("a reservation twice", x));
            let mut x = e.clone();
            x.reservations.remove(4);
            cases.push(("a reservation removed", x));
            let mut x = e.clone();
            x.reservations[5].refunded_at = Some(base + chrono::Duration::days(3));
            cases.push(("a refund", x));
            let mut x = e.clone();
            x.commitments[1].ptu += 25;
            cases.push(("a commitment off the step", x));
            let mut x = e.clone();
            x.commitments.push(Commitment {
                id: "cp-second".into(),
                ..x.commitments[2].clone()
            });
            cases.push(("two commitments at once on a resource", x));
            let mut x = e.clone();
            x.reservations[6].start = Utc.with_ymd_and_hms(2190, 1, 1, 0, 0, 0).unwrap();
            cases.push(("a reservation far out", x));
            // Nested management-group scopes in force together.
            let child = e
                .management_groups
                .iter()
                .find(|m| m.parent.is_some())
                .expect("a nested group");
            let mut x = e.clone();
            x.reservations[7].scope = Scope::ManagementGroup {
                management_group: child.id.clone(),
            };
            x.reservations[7].scope_changes.clear();
            x.reservations[8].scope = Scope::ManagementGroup {
                management_group: child.parent.clone().expect("a parent"),
            };
            x.reservations[8].scope_changes.clear();
            x.reservations[8].start = x.reservations[7].start;
            cases.push(("nested management groups", x));
            let mut verdicts = Vec::new();
            for (what, x) in &cases {
                let expected = validate(x).is_ok();
                assert_eq!(
                    frame.valid_with_instruments(x),
                    expected,
                    "{profile:?}: {what}"
                );
                verdicts.push(expected);
            }
            assert!(verdicts.contains(&true) && verdicts.iter().filter(|v| !**v).count() >= 5);
        }
    }
}
