//! Deterministic synthetic estates (`ptudesk generate`).
//!
//! [`generate`] builds a plausible enterprise estate of `scale` deployments,
//! dated around a base instant, that always passes
//! [`validate`](crate::domain::validate::validate):
//!
//! - 2-3 billing accounts and a management-group tree (a root, 3-5
//!   business-unit groups, 2-3 leaf groups under each: `prod`, `nonprod`,
//!   sometimes `sandbox`); about `scale / 25` subscriptions (at least 2), most
//!   in a leaf group, a few directly in a business-unit group or in none.
//! - 8-10 real Azure regions; one or more of those without a Data Zone
//!   (uksouth, japaneast, australiaeast, canadaeast) host only Regional
//!   deployments.
//! - About `scale / 4` Azure OpenAI resources (at least 1), each in one
//!   subscription, resource group and region, and exactly `scale` deployments
//!   on them of all three SKUs, with real model names and versions: Regional
//!   sizes in 50-PTU steps (25 for mini/nano models on resources without a
//!   commitment), Global and Data Zone from 15 in steps of 5. Deployments are
//!   created over the 12 months before the base (about one in twelve after
//!   it: a plan), some resized 1-3 times (some at odd minutes and seconds),
//!   some deleted (before or after the base); a few resources are deleted and
//!   some of those purged.
//! - Commitments on a third of the resources with Regional deployments
//!   (Regional deployments there mostly use the models a commitment supports):
//!   all three renewal modes, renewal changes, additions within the first
//!   term, negotiated prices, starts on every day of the month (the 29th to
//!   31st included), and sometimes an earlier expired commitment on the same
//!   resource.
//! - About `scale / 20` reservations (at least one when there is a
//!   deployment): every scope type, both terms and billing plans, renewal
//!   none / autorenew / replace, scope changes at odd instants, refunds within
//!   the first term, future purchases, negotiated prices, renewal changes, and
//!   Global reservations in regions that only have Regional deployments
//!   (matching no deployment).
//! - Managed-compute entries (about `scale / 100`, at least one from scale 20).
//! - One price row per (region, SKU) in use, exact decimals, and one quota per
//!   (subscription, region, SKU) deployed, mostly with headroom, a few at or
//!   below the deployed total.
//!
//! That is the default shape, [`Profile::Spread`]. [`Profile::Concentrated`]
//! puts the capacity in a few places, as real estates do: two regions
//! (eastus2, swedencentral), 4-6 subscriptions in pairs of two billing
//! accounts under one management group each (so management-group scopes
//! span billing accounts), about `scale / 10` resources, every deployment
//! resized 2-5 times at odd instants in the 30 days before the base, and
//! about `scale / 20` reservations, nine in ten shared or scoped to a
//! management group. Commitments, managed compute, prices and quotas follow
//! the same rules as above.
//!
//! Decisions: the generator draws only integers from a `ChaCha8Rng` seeded
//! with the seed (never floats, never a hash map's order), so the same
//! `(scale, seed, base)` gives the same estate on every machine. Dates hang
//! off the UTC midnight of the base's day; a base outside 2002-2196 is
//! clamped into it so every instant stays within validation's 2000-2200.
//! Only leaf management groups (pairwise unrelated) are used as reservation
//! scopes, so no two management-group scopes ever nest. Commitments are never
//! put on resources that get deleted, and additions fall in a commitment's
//! first term only.

use crate::domain::time::{Time, add_months, day_start, days_in_month, month_start};
use crate::domain::{
    Addition, Billing, BillingAccount, COMMITMENT_MODELS, Commitment, CommitmentRenewal,
    CommitmentRenewalChange, Deployment, Estate, ManagedCompute, ManagementGroup, PriceRow, Quota,
    Reservation, ReservationRenewal, ReservationRenewalChange, Resource, Scope, ScopeChange, Size,
    Sku, Term,
};
use chrono::{Datelike, Duration, TimeZone, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// The regions the generator uses: (short name, has a Data Zone, popularity).
const REGIONS: [(&str, bool, u64); 10] = [
    ("eastus", true, 3),
    ("eastus2", true, 4),
    ("westus", true, 2),
    ("westus3", true, 2),
    ("swedencentral", true, 3),
    ("francecentral", true, 2),
    ("uksouth", false, 2),
    ("japaneast", false, 2),
    ("australiaeast", false, 2),
    ("canadaeast", false, 2),
];

/// Current models: (name, version, mini/nano: Regional in 25-PTU steps).
const MODELS: &[(&str, &str, bool)] = &[
    ("gpt-4o", "2024-11-20", false),
    ("gpt-4o", "2024-08-06", false),
    ("gpt-4o-mini", "2024-07-18", true),
    ("gpt-4.1", "2025-04-14", false),
    ("gpt-4.1-mini", "2025-04-14", true),
    ("gpt-4.1-nano", "2025-04-14", true),
    ("o3", "2025-04-16", false),
    ("o4-mini", "2025-04-16", true),
    ("gpt-5", "2025-08-07", false),
    ("gpt-5-mini", "2025-08-07", true),
];

/// Models that a commitment does not support, deployed on committed resources
/// anyway now and then (legal: a notification, not an error).
const UNSUPPORTED_ON_COMMITMENT: &[(&str, &str)] = &[
    ("gpt-4.1", "2025-04-14"),
    ("o3", "2025-04-16"),
    ("gpt-5", "2025-08-07"),
    ("gpt-4o", "2024-11-20"),
];

const COMPANIES: &[&str] = &[
    "contoso",
    "fabrikam",
    "northwind",
    "tailspin",
    "woodgrove",
    "adatum",
];
const BUSINESS_UNITS: &[&str] = &[
    "retail",
    "finance",
    "research",
    "platform",
    "marketing",
    "support",
    "legal",
    "health",
];
const BILLING_SUFFIXES: [&str; 3] = ["ea", "mca", "labs"];
const WORKLOADS: &[&str] = &[
    "chat",
    "search",
    "agents",
    "copilot",
    "docs",
    "analytics",
    "support",
    "rag",
    "summarize",
    "translate",
];

/// Managed-compute VM sizes: (VM SKU, GPUs per instance, cents per hour).
const VMS: &[(&str, i64, i64)] = &[
    ("Standard_NC24ads_A100_v4", 1, 367),
    ("Standard_NC48ads_A100_v4", 2, 735),
    ("Standard_NC96ads_A100_v4", 4, 1469),
    ("Standard_ND96amsr_A100_v4", 8, 3277),
    ("Standard_NC40ads_H100_v5", 1, 698),
    ("Standard_NC80adis_H100_v5", 2, 1396),
];
const PARTNER_MODELS: &[&str] = &[
    "cohere-command-r-plus",
    "mistral-large",
    "llama-3-70b",
    "jais-30b",
    "phi-3-medium",
    "nemotron-70b",
];
/// Publisher surcharges per GPU-hour, in cents.
const SURCHARGES: &[i64] = &[0, 50, 150, 210, 350];

/// The shape of a synthetic estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Many regions and subscriptions, most deployments never resized, every
    /// scope type about as often (the shape described at the top).
    #[default]
    Spread,
    /// PTU capacity in a few places: two regions, a handful of subscriptions
    /// (their number does not grow with the scale), about ten deployments
    /// per resource, each resized two to five times at odd minutes in the
    /// 30 days before the base, and most reservations shared or scoped to a
    /// management group (whose subscriptions may lie in several billing
    /// accounts).
    Concentrated,
}

/// A synthetic estate with `scale` deployments, dated around `base`, the same
/// for the same (scale, seed, base) on every machine.
pub fn generate(scale: usize, seed: u64, base: Time) -> Estate {
    generate_profile(scale, seed, base, Profile::Spread)
}

/// A synthetic estate of the given shape: the same for the same (scale,
/// seed, base, profile) on every machine; [`Profile::Spread`] is
/// [`generate`].
pub fn generate_profile(scale: usize, seed: u64, base: Time, profile: Profile) -> Estate {
    let mut b = Builder::new(scale, seed, base);
    b.profile = profile;
    b.build()
}

/// The seeded generator, drawing integers only.
struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.rng.random_range(0..n)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    /// True with probability `num / den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    fn pick<'a, T>(&mut self, s: &'a [T]) -> &'a T {
        &s[self.index(s.len())]
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.index(i + 1);
            v.swap(i, j);
        }
    }

    /// A time of day: a whole hour half the time, else hours and minutes,
    /// and sometimes seconds too (10:17:30).
    fn time_of_day(&mut self) -> Duration {
        let h = self.range(0, 23);
        match self.below(10) {
            0..=4 => Duration::hours(h),
            5..=7 => Duration::hours(h) + Duration::minutes(self.range(1, 59)),
            _ => {
                Duration::hours(h)
                    + Duration::minutes(self.range(0, 59))
                    + Duration::seconds(self.range(1, 59))
            }
        }
    }

    /// A time of day that is never a whole hour.
    fn odd_time_of_day(&mut self) -> Duration {
        Duration::hours(self.range(0, 23))
            + Duration::minutes(self.range(1, 59))
            + Duration::seconds(self.range(0, 59))
    }

    /// `days` days after the midnight `day`, at a random time of day.
    fn on_day(&mut self, day: Time, days: i64) -> Time {
        day + Duration::days(days) + self.time_of_day()
    }

    /// An instant in the month `months_back` months before `anchor`'s month,
    /// on `day` or any day (clamped to the month's end), at a whole hour
    /// most of the time.
    fn day_in_month(&mut self, anchor: Time, months_back: i32, day: Option<i64>) -> Time {
        let m = add_months(month_start(anchor), -months_back);
        let dim = days_in_month(m.year(), m.month()) as i64;
        let day = day.unwrap_or_else(|| self.range(1, 31)).min(dim);
        let tod = if self.chance(3, 4) {
            Duration::hours(self.range(0, 23))
        } else {
            self.time_of_day()
        };
        m + Duration::days(day - 1) + tod
    }

    /// Cents scaled by a percentage (exact integer arithmetic).
    fn pct_of(&mut self, cents: i64, lo: i64, hi: i64) -> i64 {
        cents * self.range(lo, hi) / 100
    }
}

struct RegionInfo {
    name: &'static str,
    data_zone: bool,
    regional_only: bool,
    weight: u64,
    /// Price level against the list price, in percent.
    pct: i64,
}

struct Sub {
    id: String,
    billing_account: usize,
    /// Index in the management-group list of the leaf group holding it.
    leaf: Option<usize>,
    env: &'static str,
}

struct Res {
    id: String,
    sub: usize,
    resource_group: String,
    region: usize,
    committed: bool,
    /// Index in the deployment list of each of its deployments.
    deployments: Vec<usize>,
}

struct Builder {
    g: Gen,
    scale: usize,
    profile: Profile,
    /// Midnight UTC of the base's day (clamped): every date hangs off it.
    anchor: Time,
    company: &'static str,
    regions: Vec<RegionInfo>,
    estate: Estate,
    subs: Vec<Sub>,
    res: Vec<Res>,
    /// Resource index of each deployment.
    dep_res: Vec<usize>,
}

/// List prices per PTU in cents: (hourly, reservation month, reservation
/// year, commitment month).
fn list_cents(sku: Sku) -> (i64, i64, i64, Option<i64>) {
    match sku {
        Sku::Global => (100, 26_000, 265_200, None),
        Sku::DataZone => (110, 28_600, 291_600, None),
        Sku::Regional => (200, 28_600, 291_600, Some(31_200)),
    }
}

fn money(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

impl Builder {
    fn new(scale: usize, seed: u64, base: Time) -> Builder {
        let lo = Utc.with_ymd_and_hms(2002, 1, 1, 0, 0, 0).unwrap();
        let hi = Utc.with_ymd_and_hms(2196, 1, 1, 0, 0, 0).unwrap();
        let anchor = day_start(base.clamp(lo, hi));
        let mut g = Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
        };
        let company = *g.pick(COMPANIES);
        Builder {
            g,
            scale,
            profile: Profile::Spread,
            anchor,
            company,
            regions: vec![],
            estate: Estate::empty(),
            subs: vec![],
            res: vec![],
            dep_res: vec![],
        }
    }

    fn build(mut self) -> Estate {
        self.regions();
        self.organisation();
        self.resources();
        self.deployments();
        self.resource_deletions();
        self.commitments();
        self.reservations();
        self.managed_compute();
        self.prices();
        self.quotas();
        self.estate
    }

    /// 8-10 of the ten regions, in table order; at least one region without
    /// a Data Zone hosts only Regional deployments.
    fn regions(&mut self) {
        if self.profile == Profile::Concentrated {
            // Two regions with a Data Zone: eastus2 at list price and
            // swedencentral a little above it.
            for (name, pct) in [("eastus2", 100), ("swedencentral", self.g.range(100, 115))] {
                let (_, data_zone, weight) = *REGIONS
                    .iter()
                    .find(|r| r.0 == name)
                    .expect("a listed region");
                self.regions.push(RegionInfo {
                    name,
                    data_zone,
                    regional_only: false,
                    weight,
                    pct,
                });
            }
            return;
        }
        let mut order: Vec<usize> = (0..REGIONS.len()).collect();
        self.g.shuffle(&mut order);
        let n = 8 + self.g.index(3);
        let mut picked = order[..n].to_vec();
        picked.sort_unstable();
        for i in picked {
            let (name, data_zone, weight) = REGIONS[i];
            let pct = if matches!(name, "eastus" | "eastus2") {
                100
            } else {
                self.g.range(100, 115)
            };
            let regional_only = !data_zone && self.g.chance(1, 2);
            self.regions.push(RegionInfo {
                name,
                data_zone,
                regional_only,
                weight,
                pct,
            });
        }
        if !self.regions.iter().any(|r| r.regional_only) {
            let first = self
                .regions
                .iter_mut()
                .find(|r| !r.data_zone)
                .expect("at most two regions are left out, four have no Data Zone");
            first.regional_only = true;
        }
    }

    /// Billing accounts, the management-group tree and the subscriptions.
    fn organisation(&mut self) {
        let company = self.company;
        let n_ba = 2 + self.g.index(2);
        for suffix in &BILLING_SUFFIXES[..n_ba] {
            self.estate.billing_accounts.push(BillingAccount {
                id: format!("ba-{company}-{suffix}"),
                subscriptions: vec![],
            });
        }

        let root = format!("mg-{company}");
        let mgs = &mut self.estate.management_groups;
        mgs.push(ManagementGroup {
            id: root.clone(),
            parent: None,
            subscriptions: vec![],
        });
        let mut units: Vec<&'static str> = BUSINESS_UNITS.to_vec();
        self.g.shuffle(&mut units);
        units.truncate(3 + self.g.index(3));
        // Per unit: (its group's index, its leaves as (index, env)).
        let mut tree: Vec<(usize, Vec<(usize, &'static str)>)> = vec![];
        for bu in &units {
            let bu_index = mgs.len();
            mgs.push(ManagementGroup {
                id: format!("mg-{bu}"),
                parent: Some(root.clone()),
                subscriptions: vec![],
            });
            let mut leaves = vec![];
            let sandbox = self.g.chance(1, 2);
            for env in ["prod", "nonprod", "sandbox"] {
                if env == "sandbox" && !sandbox {
                    continue;
                }
                leaves.push((mgs.len(), env));
                mgs.push(ManagementGroup {
                    id: format!("mg-{bu}-{env}"),
                    parent: Some(format!("mg-{bu}")),
                    subscriptions: vec![],
                });
            }
            tree.push((bu_index, leaves));
        }

        let n_subs = match self.profile {
            Profile::Spread => ((self.scale + 12) / 25).max(2),
            Profile::Concentrated => 4 + self.g.index(3),
        };
        for i in 0..n_subs {
            if self.profile == Profile::Concentrated {
                // Pairs of subscriptions of different billing accounts in
                // one business unit's `prod` group: management-group scopes
                // that span billing accounts.
                let unit = (i / 2) % units.len();
                let (leaf, env) = tree[unit].1[0];
                let id = format!("sub-{}-{env}-{i:03}", units[unit]);
                let billing_account = i % n_ba;
                self.estate.billing_accounts[billing_account]
                    .subscriptions
                    .push(id.clone());
                self.estate.management_groups[leaf]
                    .subscriptions
                    .push(id.clone());
                self.subs.push(Sub {
                    id,
                    billing_account,
                    leaf: Some(leaf),
                    env,
                });
                continue;
            }
            let unit = if i < units.len() {
                i
            } else {
                self.g.index(units.len())
            };
            let bu = units[unit];
            let (bu_index, leaves) = &tree[unit];
            let (id, group, leaf, env) = match self.g.below(20) {
                0 => (format!("sub-legacy-{i:03}"), None, None, "legacy"),
                1 => (
                    format!("sub-{bu}-shared-{i:03}"),
                    Some(*bu_index),
                    None,
                    "shared",
                ),
                _ => {
                    let (leaf, env) = *self.g.pick(leaves);
                    (
                        format!("sub-{bu}-{env}-{i:03}"),
                        Some(leaf),
                        Some(leaf),
                        env,
                    )
                }
            };
            let billing_account = if i < n_ba { i } else { self.g.index(n_ba) };
            self.estate.billing_accounts[billing_account]
                .subscriptions
                .push(id.clone());
            if let Some(m) = group {
                self.estate.management_groups[m]
                    .subscriptions
                    .push(id.clone());
            }
            self.subs.push(Sub {
                id,
                billing_account,
                leaf,
                env,
            });
        }
    }

    fn resources(&mut self) {
        let n_res = match self.profile {
            Profile::Spread => (self.scale / 4).max(1),
            Profile::Concentrated => (self.scale / 10).max(1),
        };
        let total_weight: u64 = self.regions.iter().map(|r| r.weight).sum();
        for i in 0..n_res {
            let sub = if i < self.subs.len() {
                i
            } else {
                self.g.index(self.subs.len())
            };
            let mut w = self.g.below(total_weight);
            let region = self
                .regions
                .iter()
                .position(|r| {
                    if w < r.weight {
                        true
                    } else {
                        w -= r.weight;
                        false
                    }
                })
                .expect("weights add up");
            let workload = *self.g.pick(WORKLOADS);
            let env = self.subs[sub].env;
            let region_name = self.regions[region].name;
            let resource_group = format!("rg-{workload}-{env}");
            let id = format!("oai-{workload}-{region_name}-{i:04}");
            self.estate.resources.push(Resource {
                id: id.clone(),
                subscription: self.subs[sub].id.clone(),
                resource_group: resource_group.clone(),
                region: region_name.to_string(),
                deleted: None,
                purged: None,
                deleted_approximate: false,
                purged_approximate: false,
            });
            self.res.push(Res {
                id,
                sub,
                resource_group,
                region,
                committed: false,
                deployments: vec![],
            });
        }
    }

    /// A random size for a SKU: Regional in `step` steps (50, or 25 for
    /// mini models without a commitment), Global and Data Zone 15 + 5k.
    fn size(&mut self, sku: Sku, step: i64) -> i64 {
        match sku {
            Sku::Regional => {
                let k = if self.g.chance(1, 15) {
                    self.g.range(10, 24)
                } else {
                    self.g.range(1, 8)
                };
                k * step
            }
            Sku::Global | Sku::DataZone => {
                if self.g.chance(1, 15) {
                    15 + 5 * self.g.range(40, 120)
                } else {
                    15 + 5 * self.g.range(0, 37)
                }
            }
        }
    }

    fn deployments(&mut self) {
        let n_res = self.res.len();
        let mut counts = vec![0usize; n_res];
        for j in 0..self.scale {
            let r = if j < n_res { j } else { self.g.index(n_res) };
            counts[r] += 1;
        }
        // SKUs first: commitments go to resources with Regional deployments.
        let mut skus: Vec<Vec<Sku>> = Vec::with_capacity(n_res);
        for (r, &count) in counts.iter().enumerate() {
            let region = &self.regions[self.res[r].region];
            let (regional_only, data_zone) = (region.regional_only, region.data_zone);
            let list = (0..count)
                .map(|_| {
                    let x = self.g.below(100);
                    if regional_only || x < 45 {
                        Sku::Regional
                    } else if data_zone && x < 65 {
                        Sku::DataZone
                    } else {
                        Sku::Global
                    }
                })
                .collect();
            skus.push(list);
        }
        let offset = self.g.index(3);
        let mut pos = 0;
        for (r, list) in skus.iter().enumerate() {
            if list.contains(&Sku::Regional) {
                self.res[r].committed = (pos + offset).is_multiple_of(3);
                pos += 1;
            }
        }

        for (r, list) in skus.into_iter().enumerate() {
            for (k, sku) in list.into_iter().enumerate() {
                let committed = self.res[r].committed;
                let (model, version, step) = match sku {
                    Sku::Regional if committed => {
                        let (m, v) = if self.g.chance(9, 10) {
                            *self.g.pick(COMMITMENT_MODELS)
                        } else {
                            *self.g.pick(UNSUPPORTED_ON_COMMITMENT)
                        };
                        (m, v, 50)
                    }
                    Sku::Regional => {
                        let (m, v, mini) = *self.g.pick(MODELS);
                        (m, v, if mini { 25 } else { 50 })
                    }
                    Sku::Global | Sku::DataZone => {
                        let (m, v, _) = *self.g.pick(MODELS);
                        (m, v, 5)
                    }
                };
                if self.profile == Profile::Concentrated {
                    let dep = self.concentrated_deployment(r, k, sku, model, version, step);
                    self.res[r].deployments.push(self.estate.deployments.len());
                    self.dep_res.push(r);
                    self.estate.deployments.push(dep);
                    continue;
                }
                let created = if self.g.chance(1, 12) {
                    let days = self.g.range(1, 60);
                    self.g.on_day(self.anchor, days)
                } else {
                    let days = self.g.range(1, 365);
                    self.g.on_day(self.anchor, -days)
                };
                let mut sizes = vec![Size {
                    at: created,
                    ptu: self.size(sku, step),
                    approximate: false,
                }];
                let resizes = match self.g.below(10) {
                    0..=5 => 0,
                    6 | 7 => 1,
                    8 => 2,
                    _ => 3,
                };
                for _ in 0..resizes {
                    let prev = sizes.last().expect("created");
                    let (prev_at, prev_ptu) = (prev.at, prev.ptu);
                    let days = self.g.range(1, 60);
                    let at = self.g.on_day(day_start(prev_at), days);
                    let mut ptu = self.size(sku, step);
                    if ptu == prev_ptu {
                        ptu += if sku == Sku::Regional { step } else { 5 };
                    }
                    sizes.push(Size {
                        at,
                        ptu,
                        approximate: false,
                    });
                }
                let deleted = if self.g.chance(1, 8) {
                    let last = sizes.last().expect("created").at;
                    let days = self.g.range(1, 90);
                    Some(self.g.on_day(day_start(last), days))
                } else {
                    None
                };
                let id = format!("{}/{}-{}", self.res[r].id, model, k + 1);
                self.res[r].deployments.push(self.estate.deployments.len());
                self.dep_res.push(r);
                self.estate.deployments.push(Deployment {
                    id,
                    resource: self.res[r].id.clone(),
                    model: model.to_string(),
                    version: version.to_string(),
                    sku,
                    sizes,
                    deleted,
                    deleted_approximate: false,
                });
            }
        }
    }

    /// A deployment of the concentrated profile: created 31-365 days before
    /// the base, resized 2-5 times at odd instants in the 30 days before it,
    /// one in ten deleted 1-20 days after its last resize.
    fn concentrated_deployment(
        &mut self,
        r: usize,
        k: usize,
        sku: Sku,
        model: &str,
        version: &str,
        step: i64,
    ) -> Deployment {
        let back = self.g.range(31, 365);
        let created = self.g.on_day(self.anchor, -back);
        let mut sizes = vec![Size {
            at: created,
            ptu: self.size(sku, step),
            approximate: false,
        }];
        let n = self.g.range(2, 5);
        let mut ats: Vec<Time> = (0..n)
            .map(|_| {
                let days = self.g.range(1, 30);
                self.anchor - Duration::days(days) + self.g.odd_time_of_day()
            })
            .collect();
        ats.sort_unstable();
        ats.dedup();
        for at in ats {
            let prev = sizes.last().expect("created").ptu;
            let mut ptu = self.size(sku, step);
            if ptu == prev {
                ptu += if sku == Sku::Regional { step } else { 5 };
            }
            sizes.push(Size {
                at,
                ptu,
                approximate: false,
            });
        }
        let deleted = if self.g.chance(1, 10) {
            let last = sizes.last().expect("created").at;
            let days = self.g.range(1, 20);
            Some(self.g.on_day(day_start(last), days))
        } else {
            None
        };
        Deployment {
            id: format!("{}/{}-{}", self.res[r].id, model, k + 1),
            resource: self.res[r].id.clone(),
            model: model.to_string(),
            version: version.to_string(),
            sku,
            sizes,
            deleted,
            deleted_approximate: false,
        }
    }

    /// About one in thirty resources without a commitment is deleted after
    /// the last event of its deployments; half of those are purged too.
    fn resource_deletions(&mut self) {
        let offset = self.g.index(30);
        let mut pos = 0;
        for r in 0..self.res.len() {
            if self.res[r].committed || self.res[r].deployments.is_empty() {
                continue;
            }
            pos += 1;
            if !(pos + offset).is_multiple_of(30) {
                continue;
            }
            let last = self.res[r]
                .deployments
                .iter()
                .map(|&d| {
                    let d = &self.estate.deployments[d];
                    d.deleted.unwrap_or(d.sizes.last().expect("created").at)
                })
                .max()
                .expect("has deployments");
            let days = self.g.range(1, 20);
            let deleted = self.g.on_day(day_start(last), days);
            // Every other deleted resource is purged as well.
            let purged = if (pos + offset).is_multiple_of(60) {
                Some(deleted + Duration::days(self.g.range(1, 14)))
            } else {
                None
            };
            let resource = &mut self.estate.resources[r];
            resource.deleted = Some(deleted);
            resource.purged = purged;
        }
    }

    fn region_pct(&self, region: usize) -> i64 {
        self.regions[region].pct
    }

    /// 1-2 additions at whole minutes strictly inside the first term.
    fn additions(&mut self, start: Time) -> Vec<Addition> {
        let end = add_months(start, 1);
        let minutes = (end - start).num_minutes();
        let n = 1 + self.g.index(2);
        let mut ats: Vec<i64> = (0..n).map(|_| self.g.range(60, minutes - 60)).collect();
        ats.sort_unstable();
        ats.into_iter()
            .map(|m| Addition {
                at: start + Duration::minutes(m),
                ptu: 50 * self.g.range(1, 4),
                approximate: false,
            })
            .collect()
    }

    fn commitments(&mut self) {
        let offsets: Vec<usize> = (0..6).map(|_| self.g.index(60)).collect();
        let mut ordinal = 0;
        for r in 0..self.res.len() {
            if !self.res[r].committed {
                continue;
            }
            let c = ordinal;
            ordinal += 1;
            let rot = |k: usize, m: usize| (c + offsets[k]).is_multiple_of(m);
            let res_id = self.res[r].id.clone();
            let pct = self.region_pct(self.res[r].region);
            let list = list_cents(Sku::Regional).3.expect("regional commitments");
            let mut n = 1;

            // Sometimes an earlier commitment that expired without renewal.
            if rot(0, 5) {
                let back = self.g.range(8, 14) as i32;
                let start = self.g.day_in_month(self.anchor, back, None);
                let additions = if self.g.chance(1, 2) {
                    self.additions(start)
                } else {
                    vec![]
                };
                self.estate.commitments.push(Commitment {
                    id: format!("cp-{res_id}-{n}"),
                    resource: res_id.clone(),
                    start,
                    ptu: 50 * self.g.range(1, 6),
                    additions,
                    renewal: CommitmentRenewal::None,
                    renewal_changes: vec![],
                    price: None,
                });
                n += 1;
            }

            // One in four starts on the 29th, 30th or 31st, in a month that
            // has that day (any five months in a row have a 31-day one).
            let slot = (c + offsets[5]) % 12;
            let day = (slot < 3).then_some(29 + slot as i64);
            let months: Vec<i32> = (1..=5)
                .filter(|&b| {
                    let m = add_months(month_start(self.anchor), -b);
                    day.is_none_or(|d| days_in_month(m.year(), m.month()) as i64 >= d)
                })
                .collect();
            let back = *self.g.pick(&months);
            let start = self.g.day_in_month(self.anchor, back, day);
            let ptu = 50 * self.g.range(1, 8);
            let additions = if rot(1, 3) {
                self.additions(start)
            } else {
                vec![]
            };
            let at_end = ptu + additions.iter().map(|a| a.ptu).sum::<i64>();
            let renewal = match (c + offsets[2]) % 3 {
                0 => CommitmentRenewal::Autorenew,
                1 => {
                    let top = (at_end / 50 - 1).max(1);
                    CommitmentRenewal::AutorenewLower(50 * self.g.range(1, top))
                }
                _ => CommitmentRenewal::None,
            };
            let mut renewal_changes = vec![];
            if rot(3, 4) {
                let mut at = start;
                let mut current = renewal;
                for _ in 0..1 + self.g.index(2) {
                    let days = self.g.range(1, 40);
                    at = self.g.on_day(day_start(at), days);
                    // 50 PTU is never above the PTU in force at an expiry.
                    let choices = [
                        CommitmentRenewal::None,
                        CommitmentRenewal::Autorenew,
                        CommitmentRenewal::AutorenewLower(50),
                    ];
                    let options: Vec<CommitmentRenewal> =
                        choices.into_iter().filter(|x| *x != current).collect();
                    current = *self.g.pick(&options);
                    renewal_changes.push(CommitmentRenewalChange {
                        at,
                        renewal: current,
                        approximate: false,
                    });
                }
            }
            let price = if rot(4, 5) {
                Some(money(self.g.pct_of(list * pct / 100, 80, 95)))
            } else {
                None
            };
            self.estate.commitments.push(Commitment {
                id: format!("cp-{res_id}-{n}"),
                resource: res_id,
                start,
                ptu,
                additions,
                renewal,
                renewal_changes,
                price,
            });
        }
    }

    /// The scopes a reservation aimed at resource `r` might take, by type:
    /// resource group, subscription, management group (the subscription's
    /// leaf group, else its subscription), shared.
    fn scope_of(&self, r: usize, kind: usize) -> Scope {
        let res = &self.res[r];
        let sub = &self.subs[res.sub];
        match kind {
            0 => Scope::ResourceGroup {
                subscription: sub.id.clone(),
                resource_group: res.resource_group.clone(),
            },
            2 if sub.leaf.is_some() => Scope::ManagementGroup {
                management_group: self.estate.management_groups[sub.leaf.expect("checked")]
                    .id
                    .clone(),
            },
            3 => Scope::Shared {
                billing_account: self.estate.billing_accounts[sub.billing_account].id.clone(),
            },
            _ => Scope::Subscription {
                subscription: sub.id.clone(),
            },
        }
    }

    fn reservations(&mut self) {
        if self.estate.deployments.is_empty() {
            return;
        }
        let n = self.scale.div_ceil(20);
        // Resources in regions that only have Regional deployments.
        let regional_only: Vec<usize> = (0..self.res.len())
            .filter(|&r| self.regions[self.res[r].region].regional_only)
            .collect();
        let offsets: Vec<usize> = (0..7).map(|_| self.g.index(100)).collect();
        for i in 0..n {
            let rot = |k: usize, m: usize| (i + offsets[k]).is_multiple_of(m);
            let mismatch = rot(0, 13) && !regional_only.is_empty();
            let (r, sku) = if mismatch {
                (*self.g.pick(&regional_only), Sku::Global)
            } else {
                let d = self.g.index(self.estate.deployments.len());
                (self.dep_res[d], self.estate.deployments[d].sku)
            };
            let region = self.res[r].region;
            let region_name = self.regions[region].name;
            let kind = match self.profile {
                Profile::Spread => (i + offsets[1]) % 4,
                // Mostly shared (the portal's default) or a management group.
                Profile::Concentrated => match self.g.below(20) {
                    0 => 0,
                    1 | 2 => 1,
                    3..=10 => 2,
                    _ => 3,
                },
            };
            let scope = self.scope_of(r, kind);
            let term = if self.g.chance(2, 5) {
                Term::OneMonth
            } else {
                Term::OneYear
            };
            let billing = if self.g.chance(1, 2) {
                Billing::Upfront
            } else {
                Billing::Monthly
            };
            let ptu = match sku {
                Sku::Regional => 50 * self.g.range(1, 6),
                _ => 5 * self.g.range(3, 40),
            };
            let future = rot(2, 9);
            let start = if future {
                let days = self.g.range(1, 45);
                self.g.on_day(self.anchor, days)
            } else {
                let back = match term {
                    Term::OneMonth => self.g.range(1, 80),
                    Term::OneYear => self.g.range(1, 330),
                };
                self.g.on_day(self.anchor, -back)
            };
            let name = format!("{region_name} {} {} {}", sku.label(), term.code(), i + 1);

            let mut scope_changes = vec![];
            if rot(3, 5) {
                let mut at = start;
                let mut current = kind;
                for _ in 0..1 + self.g.index(2) {
                    let days = self.g.range(0, 20);
                    let next = day_start(at) + Duration::days(days) + self.g.odd_time_of_day();
                    // Never before the previous change (or the purchase), and
                    // never at a whole hour.
                    at = if next > at {
                        next
                    } else {
                        at + Duration::minutes(self.g.range(61, 600))
                            + Duration::seconds(self.g.range(1, 59))
                    };
                    current = (current + 1 + self.g.index(3)) % 4;
                    scope_changes.push(ScopeChange {
                        at,
                        scope: self.scope_of(r, current),
                        approximate: false,
                    });
                }
            }

            let renewal = match self.g.below(3) {
                0 => ReservationRenewal::None,
                1 => ReservationRenewal::Autorenew,
                _ => self.replacement(sku, term, &name),
            };
            let mut renewal_changes = vec![];
            if rot(4, 8) {
                let days = self.g.range(1, 25);
                let at = self.g.on_day(day_start(start), days);
                let renewal = if matches!(renewal, ReservationRenewal::None) {
                    ReservationRenewal::Autorenew
                } else {
                    ReservationRenewal::None
                };
                renewal_changes.push(ReservationRenewalChange {
                    at,
                    renewal,
                    approximate: false,
                });
            }
            // Within the first term: every term lasts at least 28 days.
            let refunded_at = if rot(5, 12) && !future {
                let days = self.g.range(1, 25);
                Some(day_start(start) + Duration::days(days) + self.g.odd_time_of_day())
            } else {
                None
            };
            let price = if rot(6, 6) {
                let (_, month, year, _) = list_cents(sku);
                let list = match term {
                    Term::OneMonth => month,
                    Term::OneYear => year,
                } * self.region_pct(region)
                    / 100;
                Some(money(self.g.pct_of(list, 85, 98)))
            } else {
                None
            };
            self.estate.reservations.push(Reservation {
                id: format!("res-{:04}", i + 1),
                name,
                region: region_name.to_string(),
                sku,
                ptu,
                term,
                billing,
                start,
                scope,
                scope_changes,
                renewal,
                renewal_changes,
                refunded_at,
                refunded_approximate: false,
                // A refund before the estate's present happened: Azure reported it.
                refunded_reported: refunded_at.is_some(),
                moved_at: None,
                effective_from: None,
                price,
            });
        }
    }

    /// A replacement purchase with some of its attributes changed.
    fn replacement(&mut self, sku: Sku, term: Term, name: &str) -> ReservationRenewal {
        let mut ptu = if self.g.chance(1, 2) {
            Some(match sku {
                Sku::Regional => 50 * self.g.range(1, 8),
                _ => 5 * self.g.range(3, 50),
            })
        } else {
            None
        };
        let term = if self.g.chance(1, 2) {
            Some(match term {
                Term::OneMonth => Term::OneYear,
                Term::OneYear => Term::OneMonth,
            })
        } else {
            None
        };
        let billing = if self.g.chance(1, 3) {
            Some(*self.g.pick(&[Billing::Upfront, Billing::Monthly]))
        } else {
            None
        };
        let name = if self.g.chance(1, 3) {
            Some(format!("{name} (renewed)"))
        } else {
            None
        };
        if ptu.is_none() && term.is_none() && billing.is_none() && name.is_none() {
            ptu = Some(match sku {
                Sku::Regional => 100,
                _ => 50,
            });
        }
        ReservationRenewal::Replace {
            ptu,
            term,
            billing,
            name,
        }
    }

    fn managed_compute(&mut self) {
        let n = if self.scale >= 20 {
            (self.scale / 100).max(1)
        } else {
            0
        };
        for i in 0..n {
            let model = *self.g.pick(PARTNER_MODELS);
            let (vm_sku, gpus, vm_cents) = *self.g.pick(VMS);
            let sub = self.g.index(self.subs.len());
            let region = self.g.index(self.regions.len());
            let start = if self.g.chance(1, 6) {
                let days = self.g.range(1, 30);
                self.g.on_day(self.anchor, days)
            } else {
                let days = self.g.range(1, 300);
                self.g.on_day(self.anchor, -days)
            };
            let end = if self.g.chance(1, 3) {
                let days = self.g.range(1, 120);
                Some(self.g.on_day(day_start(start), days))
            } else {
                None
            };
            let surcharge = *self.g.pick(SURCHARGES);
            self.estate.managed_compute.push(ManagedCompute {
                id: format!("mc-{model}-{:03}", i + 1),
                subscription: self.subs[sub].id.clone(),
                region: self.regions[region].name.to_string(),
                vm_sku: vm_sku.to_string(),
                instances: self.g.range(1, 4),
                gpus_per_instance: gpus,
                vm_hourly: money(vm_cents),
                surcharge_gpu_hourly: money(surcharge),
                start,
                end,
            });
        }
    }

    /// One row per (region, SKU) that a deployment or a reservation uses.
    fn prices(&mut self) {
        let index = |name: &str| {
            self.regions
                .iter()
                .position(|r| r.name == name)
                .expect("a generated region")
        };
        let mut used: BTreeSet<(usize, Sku)> = BTreeSet::new();
        for (d, &r) in self.estate.deployments.iter().zip(&self.dep_res) {
            used.insert((self.res[r].region, d.sku));
        }
        for r in &self.estate.reservations {
            used.insert((index(&r.region), r.sku));
        }
        for (region, sku) in used {
            let pct = self.regions[region].pct;
            let (hourly, month, year, commitment) = list_cents(sku);
            let verified = if self.g.chance(1, 3) {
                Some(true)
            } else {
                None
            };
            self.estate.prices.push(PriceRow {
                region: self.regions[region].name.to_string(),
                sku,
                hourly: Some(money(hourly * pct / 100)),
                reservation_month: Some(money(month * pct / 100)),
                reservation_year: Some(money(year * pct / 100)),
                commitment_month: commitment.map(|c| money(c * pct / 100)),
                verified,
                source: None,
                as_of: None,
            });
        }
    }

    /// One quota per (subscription, region, SKU) deployed: mostly with
    /// headroom over the sum of the deployments' largest sizes, one in twelve
    /// exactly at it, one in twelve below it.
    fn quotas(&mut self) {
        let mut totals: BTreeMap<(usize, usize, Sku), i64> = BTreeMap::new();
        for (d, &r) in self.estate.deployments.iter().zip(&self.dep_res) {
            let peak = d.sizes.iter().map(|s| s.ptu).max().expect("created");
            *totals
                .entry((self.res[r].sub, self.res[r].region, d.sku))
                .or_default() += peak;
        }
        for ((sub, region, sku), total) in totals {
            let step = if sku == Sku::Regional { 50 } else { 5 };
            let limit = match self.g.below(12) {
                0 => total * 3 / 4 / step * step,
                1 => total,
                _ => {
                    let padded = self.g.pct_of(total, 120, 250);
                    (padded / 100 + 1) * 100
                }
            };
            self.estate.quotas.push(Quota {
                subscription: self.subs[sub].id.clone(),
                region: self.regions[region].name.to_string(),
                sku,
                // Within what validation takes (a large concentrated estate
                // deploys more than that in one subscription).
                limit: limit.min(crate::domain::validate::MAX_PTU),
                model: None,
                version: None,
            });
        }
    }
}
