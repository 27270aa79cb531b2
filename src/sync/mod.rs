//! `ptudesk sync`: the live estate, read through the user's own `az login`
//! (ptudesk stores no credentials and makes no network calls of its own),
//! imported in one transaction exactly as `ptudesk import` would, with the
//! instants Azure recorded put back into the history ([`history`]).
//!
//! Everything az answers is read and parsed first; only then is the store
//! touched, in one transaction. Any failure before that (az missing, not
//! logged in, a command failing, answering garbage or not answering in
//! time) writes nothing. A subscription the signed-in identity may not read
//! is skipped, said so, and the rest carries on.
//!
//! The commands, in order ([`commands`] lists them for the README):
//!
//! 1. `az account list`: the subscriptions (all enabled ones, or those named).
//! 2. Per subscription: `az cognitiveservices account list`; per Azure
//!    OpenAI / AI Services account, its `deployment list` and
//!    `commitment-plan list`; the top-level (shared) commitment plans and
//!    their account associations through `az rest` (az has no command for
//!    them); `az cognitiveservices usage list` per region with accounts.
//!    Only when an account the store holds is gone from the account list:
//!    `az cognitiveservices account list-deleted` (soft-deleted accounts
//!    with their deletion and scheduled purge dates). Per model and version
//!    the subscription's provisioned deployments run: the service capacity
//!    Azure has for it in every region (`modelCapacities` through `az
//!    rest`), dated with the sync's instant. A refused or failing capacity
//!    call is a note, not a stop: the store keeps the capacity it last read,
//!    with its date.
//! 3. Once, through `az rest` on Microsoft.Capacity's documented
//!    endpoints (the `az reservations` commands live in an extension a fresh
//!    az install lacks): the reservation orders, and each order's
//!    reservations. Where they can't be read (no permission, a failing
//!    call), the sync stops and writes nothing, unless told to import the
//!    rest (`allow_partial`): then the store marks the estate's reservations
//!    unknown from that sync until one reads them again.
//! 4. Only for what changed since the store last knew it:
//!    `az monitor activity-log list` per deployment, commitment plan, or
//!    account gone (and not soft-deleted).
//!
//! How each change is dated, and what a vanished account becomes, is in
//! [`history`].
//!
//! Every command gets `--output json` and a time limit; a command still
//! running at the limit is killed with everything it started.

pub mod az;
pub mod history;

use crate::domain::objects::{self, Delta, Kind};
use crate::domain::time::{Time, fmt_time};
use crate::domain::{Estate, Unexpected};
use crate::ingest::InputError;
use crate::ingest::azure::{self, COMMITMENT_PLANS_API, plan_associations_command};
use crate::ingest::batch::{Format, Placement, Skipped};
use crate::ingest::merge::{FileBatch, merge};
use crate::store::{Store, StoreError};
use az::{Az, AzError, AzOutput};
use history::{Dated, Evidence, Listed, SoftDeleted};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::OsString;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The API version of the `modelCapacities` calls made through `az rest`.
pub const MODEL_CAPACITIES_API: &str = "2024-10-01";

/// The API version of the Microsoft.Capacity (reservations) calls made through `az rest`.
pub const RESERVATIONS_API: &str = "2022-11-01";

/// How far back Azure keeps the activity log.
pub const ACTIVITY_LOG_DAYS: i64 = 90;

/// The most activity-log events asked for per object.
const MAX_EVENTS: &str = "1000";

/// The audit-log source of the changes a sync records.
pub const SOURCE: &str = "sync";

/// What to sync, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Subscription ids or names; empty: every enabled subscription `az account list` shows.
    pub subscriptions: Vec<String>,
    /// Work out what would change; write nothing.
    pub dry_run: bool,
    /// The time limit of each az command.
    pub timeout: Duration,
    /// The Azure CLI program (`az`).
    pub program: OsString,
    /// Reservations that can't be read don't stop the sync: the rest is
    /// imported and the store marks the estate's reservations unknown.
    pub allow_partial: bool,
}

/// The time limit of each az command when neither `--timeout` nor the
/// settings file says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for Options {
    fn default() -> Self {
        Options {
            subscriptions: vec![],
            dry_run: false,
            timeout: DEFAULT_TIMEOUT,
            program: az::default_program(),
            allow_partial: false,
        }
    }
}

/// A time limit as `--timeout` and the settings file write it: `60s`, or
/// any duration `ptudesk` reads (`5m`, `1h`); more than zero.
pub fn parse_timeout(s: &str) -> Result<Duration, Unexpected> {
    let t = s.trim();
    let wrong = |what| Unexpected::quoted(what, s);
    let d = match t.strip_suffix('s') {
        Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            let secs: u64 = n
                .parse()
                .map_err(|_| wrong("a duration such as 60s or 5m"))?;
            Duration::from_secs(secs)
        }
        _ => crate::domain::time::parse_duration_arg(t)
            .map_err(|_| wrong("a duration such as 60s or 5m"))?
            .to_std()
            .map_err(|_| wrong("a positive duration"))?,
    };
    if d.is_zero() {
        return Err(wrong("a duration above zero"));
    }
    Ok(d)
}

/// A subscription left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedSubscription {
    pub id: String,
    pub name: String,
    pub why: String,
    /// Left out because Azure refused to show it (not because it is disabled).
    pub denied: bool,
}

/// What a sync did (or, with `dry_run`, would do).
#[derive(Debug, Clone)]
pub struct SyncReport {
    pub store: PathBuf,
    pub dry_run: bool,
    /// The change recorded in the audit log; None when nothing changed (or a dry run).
    pub change: Option<i64>,
    /// Object by object, what changed (or would change).
    pub deltas: Vec<Delta>,
    /// Every object Azure showed (for the "unchanged" counts).
    pub mentioned: BTreeSet<(Kind, String)>,
    /// Items not imported, and why.
    pub skipped: Vec<Skipped>,
    /// Subscriptions synced: (id, name).
    pub subscriptions: Vec<(String, String)>,
    pub skipped_subscriptions: Vec<SkippedSubscription>,
    /// Other things worth saying (parts Azure would not show, accounts gone).
    pub notes: Vec<String>,
    /// Changes dated from Azure's records, or at the sync time.
    pub dated: Vec<Dated>,
    /// The az command lines run, in order.
    pub commands: Vec<String>,
    /// What became of the reservations.
    pub reservations: ReservationsRead,
}

/// Whether a sync read the reservations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservationsRead {
    /// Read; `cleared`: the store had marked them unknown since then, and
    /// no longer does.
    Read { cleared: Option<Time> },
    /// Not read (`allow_partial`): the store marks them unknown since
    /// `since` (this sync, or an earlier one that could not read them either).
    Unread {
        command: String,
        why: String,
        since: Time,
    },
}

/// Why a sync stopped. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "az (the Azure CLI) is not installed or not on PATH: install it (https://learn.microsoft.com/cli/azure/install-azure-cli), then run `az login`"
    )]
    NotInstalled,
    #[error("not logged in to Azure: run `az login` (`{command}` said: {message})")]
    NotLoggedIn { command: String, message: String },
    #[error(
        "`{command}` did not answer within {} s: it was stopped, and nothing was written (the limit is --timeout, or `timeout` under [sync] in the settings file)",
        .limit.as_secs_f64()
    )]
    Timeout { command: String, limit: Duration },
    #[error("`{command}` failed{}: {message}; nothing was written", exit_text(*.code))]
    Failed {
        command: String,
        code: Option<i32>,
        message: String,
    },
    #[error("{0}; nothing was written")]
    Input(InputError),
    #[error("{0}; nothing was written")]
    Subscriptions(String),
    #[error(
        "the reservations could not be read: `{command}`: {why}; nothing was written (`ptudesk sync --allow-partial` imports the rest and marks the store's reservations unknown, which `ptudesk check` reports, until a sync reads them)"
    )]
    Reservations { command: String, why: String },
    #[error("{0}")]
    Az(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ops(crate::ops::OpsError),
}

impl From<crate::ops::OpsError> for SyncError {
    /// The store's and the files' errors keep their own words (a bad
    /// answer from Azure says nothing was written).
    fn from(e: crate::ops::OpsError) -> SyncError {
        use crate::ops::OpsError;
        match e {
            OpsError::Store(e) => SyncError::Store(e),
            OpsError::Input(e) => SyncError::Input(e),
            e => SyncError::Ops(e),
        }
    }
}

fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(c) => format!(" (exit {c})"),
        None => " (killed by a signal)".into(),
    }
}

impl From<AzError> for SyncError {
    fn from(e: AzError) -> SyncError {
        match e {
            AzError::NotInstalled => SyncError::NotInstalled,
            AzError::Spawn { message } => SyncError::Az(message),
            AzError::NotLoggedIn { command, message } => {
                SyncError::NotLoggedIn { command, message }
            }
            AzError::Timeout { command, limit } => SyncError::Timeout { command, limit },
            AzError::Denied { command, message } => SyncError::Failed {
                command,
                code: Some(1),
                message,
            },
            AzError::Failed {
                command,
                code,
                message,
            } => SyncError::Failed {
                command,
                code,
                message,
            },
        }
    }
}

/// The most pages read of one `az rest` list.
const MAX_PAGES: usize = 100;

/// Why an `az rest` list gave no usable answer.
enum RestFailure {
    Az(AzError),
    Input(InputError),
    /// More than [`MAX_PAGES`] pages: the command line of the last.
    TooMany(String),
}

/// A part of the estate Azure would not show: the command, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub command: String,
    pub why: String,
}

impl RestFailure {
    /// What could not be read, or (az missing, signed out) why the sync stops.
    fn unreadable(self) -> Result<Unreadable, SyncError> {
        let (command, why) = match self {
            RestFailure::Az(AzError::Denied { command, message }) => {
                (command, format!("no permission ({message})"))
            }
            RestFailure::Az(AzError::Failed {
                command,
                code,
                message,
            }) => (command, format!("it failed{}: {message}", exit_text(code))),
            RestFailure::Az(AzError::Timeout { command, limit }) => (
                command,
                format!(
                    "it did not answer within {} s and was stopped (the limit is --timeout, or `timeout` under [sync] in the settings file)",
                    limit.as_secs_f64()
                ),
            ),
            RestFailure::Az(e) => return Err(e.into()),
            RestFailure::Input(e) => {
                let why = match &e.path {
                    Some(p) => format!("at {p}: {}", e.message),
                    None => e.message.clone(),
                };
                (e.file, why)
            }
            RestFailure::TooMany(command) => {
                (command, format!("more than {MAX_PAGES} pages: stopped"))
            }
        };
        Ok(Unreadable { command, why })
    }
}

/// Why reading one subscription stopped: a refusal skips the subscription,
/// anything else stops the sync.
enum Halt {
    Denied(String),
    Fatal(SyncError),
}

impl From<AzError> for Halt {
    fn from(e: AzError) -> Halt {
        match e {
            AzError::Denied { message, .. } => Halt::Denied(message),
            other => Halt::Fatal(other.into()),
        }
    }
}

impl From<InputError> for Halt {
    fn from(e: InputError) -> Halt {
        Halt::Fatal(SyncError::Input(e))
    }
}

/// `ARGS... --output json`.
fn args(list: &[&str]) -> Vec<String> {
    list.iter()
        .copied()
        .chain(["--output", "json"])
        .map(str::to_string)
        .collect()
}

/// Azure's short region name: "West US 3" -> "westus3".
fn region_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The segment after `key` (compared case-insensitively) in an ARM id.
fn segment<'s>(id: &'s str, key: &str) -> Option<&'s str> {
    let mut it = id.split('/');
    while let Some(s) = it.next() {
        if s.eq_ignore_ascii_case(key) {
            return it.next().filter(|v| !v.is_empty());
        }
    }
    None
}

fn str_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// A member of `properties`, or of the item itself.
fn prop<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get("properties")
        .and_then(|p| p.get(key))
        .or_else(|| v.get(key))
}

/// The items of an az list answer (an array, or ARM's `{"value": [...]}`).
fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(m) => match m.get("value") {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => vec![v],
        },
        _ => vec![],
    }
}

fn parse_value(command: &str, bytes: &[u8]) -> Result<Value, InputError> {
    serde_json::from_slice(bytes).map_err(|e| InputError {
        file: command.to_string(),
        path: None,
        message: format!("not valid JSON: {e}"),
    })
}

/// A subscription as `az account list` shows it.
#[derive(Debug, Clone)]
struct Sub {
    id: String,
    name: String,
}

impl Sub {
    fn label(&self) -> String {
        label(&self.id, &self.name)
    }
}

fn label(id: &str, name: &str) -> String {
    let short: String = id.chars().take(8).collect();
    if name.is_empty() {
        id.to_string()
    } else {
        format!("{name} ({short})")
    }
}

/// An account to read deployments and plans of.
struct Account {
    id: String,
    name: String,
    group: String,
    region: String,
}

/// What one subscription showed.
#[derive(Default)]
struct SubRead {
    batches: Vec<FileBatch>,
    listed: Listed,
    accounts: BTreeSet<String>,
    /// What could not be read without stopping the sync (capacity).
    notes: Vec<String>,
}

/// One sync in progress: az, the progress sink, the commands run.
struct Session<'p, P: FnMut(&str)> {
    az: Az,
    progress: &'p mut P,
    commands: Vec<String>,
    now: Time,
}

impl<P: FnMut(&str)> Session<'_, P> {
    fn say(&mut self, msg: &str) {
        (self.progress)(msg);
    }

    fn call(&mut self, args: Vec<String>) -> Result<(String, AzOutput), AzError> {
        let line = az::display(&args);
        self.commands.push(line.clone());
        let out = self.az.run(&args)?;
        Ok((line, out))
    }

    /// Runs a list command and parses its answer as `format`.
    fn batch(
        &mut self,
        args: Vec<String>,
        format: Format,
        placement: &Placement,
    ) -> Result<(FileBatch, Value), Halt> {
        let (line, out) = self.call(args)?;
        let batch = azure::parse(&line, &out.stdout, format, placement, self.now)?;
        let raw = parse_value(&line, &out.stdout)?;
        Ok((FileBatch { file: line, batch }, raw))
    }

    /// `az rest` GET of an ARM list of `format`, following `nextLink`.
    fn rest_pages(
        &mut self,
        url: String,
        format: Format,
    ) -> Result<Vec<(FileBatch, Value)>, RestFailure> {
        let mut pages = Vec::new();
        let mut next = Some(url);
        while let Some(url) = next.take() {
            let a = args(&["rest", "--method", "get", "--url", &url]);
            if pages.len() >= MAX_PAGES {
                return Err(RestFailure::TooMany(az::display(&a)));
            }
            let (line, out) = self.call(a).map_err(RestFailure::Az)?;
            let batch = azure::parse(&line, &out.stdout, format, &Placement::default(), self.now)
                .map_err(RestFailure::Input)?;
            let raw = parse_value(&line, &out.stdout).map_err(RestFailure::Input)?;
            next = str_of(&raw, "nextLink")
                .filter(|l| !l.is_empty())
                .map(str::to_string);
            pages.push((FileBatch { file: line, batch }, raw));
        }
        Ok(pages)
    }

    /// `az rest` GET of an ARM list of commitment plans or their account
    /// associations, following `nextLink`.
    fn rest_list(&mut self, url: String) -> Result<Vec<(FileBatch, Value)>, Halt> {
        self.rest_pages(url, Format::CommitmentPlans)
            .map_err(|e| match e {
                RestFailure::Az(e) => e.into(),
                RestFailure::Input(e) => e.into(),
                RestFailure::TooMany(line) => Halt::Fatal(SyncError::Az(format!(
                    "more than {MAX_PAGES} pages from `{line}`: stopped"
                ))),
            })
    }

    fn subscriptions(
        &mut self,
        wanted: &[String],
        skipped: &mut Vec<SkippedSubscription>,
    ) -> Result<Vec<Sub>, SyncError> {
        self.say("subscriptions: az account list");
        let (line, out) = self.call(args(&["account", "list"]))?;
        let v = parse_value(&line, &out.stdout).map_err(SyncError::Input)?;
        let Value::Array(list) = &v else {
            return Err(SyncError::Input(InputError {
                file: line,
                path: None,
                message: "expected a list of subscriptions (a JSON array)".into(),
            }));
        };
        if list.is_empty() {
            if az::asks_for_login(&out.stderr) {
                return Err(SyncError::NotLoggedIn {
                    command: line,
                    message: out.stderr.trim().to_string(),
                });
            }
            return Err(SyncError::Subscriptions(
                "az account list shows no subscription: sign in with `az login` to an account that can see some".into(),
            ));
        }
        let mut all = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let Some(id) = str_of(s, "id").filter(|x| !x.is_empty()) else {
                return Err(SyncError::Input(InputError {
                    file: line,
                    path: Some(format!("$[{i}].id")),
                    message: "missing: expected the subscription id".into(),
                }));
            };
            let name = str_of(s, "name").unwrap_or_default().to_string();
            let state = str_of(s, "state").unwrap_or("Enabled").to_string();
            if !all
                .iter()
                .any(|(x, _, _): &(Sub, String, usize)| x.id.eq_ignore_ascii_case(id))
            {
                all.push((
                    Sub {
                        id: id.to_ascii_lowercase(),
                        name,
                    },
                    state,
                    i,
                ));
            }
        }
        if wanted.is_empty() {
            let mut subs = Vec::new();
            for (s, state, _) in all {
                if state.eq_ignore_ascii_case("Disabled") || state.eq_ignore_ascii_case("Deleted") {
                    skipped.push(SkippedSubscription {
                        why: format!("its state is {state}"),
                        id: s.id,
                        name: s.name,
                        denied: false,
                    });
                } else {
                    subs.push(s);
                }
            }
            if subs.is_empty() {
                return Err(SyncError::Subscriptions(
                    "az account list shows no enabled subscription".into(),
                ));
            }
            return Ok(subs);
        }
        let mut subs: Vec<Sub> = Vec::new();
        for w in wanted {
            let w = w.trim();
            let found = all
                .iter()
                .find(|(s, _, _)| s.id.eq_ignore_ascii_case(w))
                .or_else(|| all.iter().find(|(s, _, _)| s.name == w))
                .or_else(|| all.iter().find(|(s, _, _)| s.name.eq_ignore_ascii_case(w)));
            match found {
                Some((s, _, _)) if !subs.iter().any(|x| x.id == s.id) => subs.push(s.clone()),
                Some(_) => {}
                None => {
                    let known: Vec<String> = all.iter().map(|(s, _, _)| s.label()).collect();
                    return Err(SyncError::Subscriptions(format!(
                        "subscription {w:?} is not one az can see (az account list shows {})",
                        known.join(", ")
                    )));
                }
            }
        }
        Ok(subs)
    }

    /// Reads one subscription. `purged`: accounts the store holds as
    /// purged (account id -> purge instant); one Azure lists again is a new
    /// account under the old name, left out with a reason (the store keeps
    /// the purged one's history, which a new account can't continue).
    fn read_subscription(
        &mut self,
        sub: &Sub,
        purged: &BTreeMap<String, Time>,
    ) -> Result<SubRead, Halt> {
        let tag = sub.label();
        let mut read = SubRead::default();
        let id = sub.id.as_str();
        let here = Placement::default();

        self.say(&format!("{tag}: accounts"));
        let (mut fb, raw) = self.batch(
            args(&["cognitiveservices", "account", "list", "--subscription", id]),
            Format::Accounts,
            &here,
        )?;
        let mut recreated = Vec::new();
        fb.batch.resources.retain(|r| match purged.get(&r.id) {
            Some(at) => {
                recreated.push(Skipped::new(
                    format!("account {}", r.id),
                    format!(
                        "it was purged at {}; an account recreated under the same name is not tracked",
                        fmt_time(*at)
                    ),
                ));
                false
            }
            None => true,
        });
        fb.batch.skipped.extend(recreated);
        read.accounts
            .extend(fb.batch.resources.iter().map(|r| r.id.clone()));
        read.batches.push(fb);
        let mut accounts = Vec::new();
        for item in items(&raw) {
            let Some(arm) = str_of(item, "id") else {
                continue;
            };
            if purged.contains_key(&arm.trim_end_matches('/').to_ascii_lowercase()) {
                continue;
            }
            // Deployments and provisioned commitment plans live on Azure
            // OpenAI and AI Services accounts only.
            let kind = str_of(item, "kind").unwrap_or("OpenAI");
            if !kind.eq_ignore_ascii_case("OpenAI") && !kind.eq_ignore_ascii_case("AIServices") {
                continue;
            }
            let name = str_of(item, "name")
                .map(str::to_string)
                .unwrap_or_else(|| arm.rsplit('/').next().unwrap_or(arm).to_string());
            let group = str_of(item, "resourceGroup")
                .or_else(|| segment(arm, "resourceGroups"))
                .unwrap_or_default()
                .to_string();
            accounts.push(Account {
                id: arm.trim_end_matches('/').to_ascii_lowercase(),
                name,
                group,
                region: region_name(str_of(item, "location").unwrap_or_default()),
            });
        }

        for a in &accounts {
            let scope = [
                "--name",
                a.name.as_str(),
                "--resource-group",
                a.group.as_str(),
                "--subscription",
                id,
            ];
            self.say(&format!("{tag}: deployments of {}", a.name));
            let mut list = vec!["cognitiveservices", "account", "deployment", "list"];
            list.extend(scope);
            let (fb, _) = self.batch(args(&list), Format::Deployments, &here)?;
            read.listed.insert(
                a.id.clone(),
                fb.batch.deployments.iter().map(|d| d.id.clone()).collect(),
            );
            read.batches.push(fb);
            self.say(&format!("{tag}: commitment plans of {}", a.name));
            let mut list = vec!["cognitiveservices", "account", "commitment-plan", "list"];
            list.extend(scope);
            let (fb, _) = self.batch(args(&list), Format::CommitmentPlans, &here)?;
            read.batches.push(fb);
        }

        if !accounts.is_empty() {
            self.say(&format!("{tag}: shared commitment plans"));
            let url = format!(
                "/subscriptions/{id}/providers/Microsoft.CognitiveServices/commitmentPlans?api-version={COMMITMENT_PLANS_API}"
            );
            let pages = self.rest_list(url)?;
            let mut plans = Vec::new();
            for (fb, raw) in pages {
                for item in items(&raw) {
                    let provisioned = prop(item, "hostingModel")
                        .and_then(Value::as_str)
                        .is_some_and(|h| h.eq_ignore_ascii_case("ProvisionedWeb"));
                    if let (true, Some(plan)) = (provisioned, str_of(item, "id")) {
                        plans.push(plan.trim_end_matches('/').to_string());
                    }
                }
                read.batches.push(fb);
            }
            for plan in plans {
                self.say(&format!(
                    "{tag}: accounts of shared plan {}",
                    plan.rsplit('/').next().unwrap_or(&plan)
                ));
                let url = format!("{plan}/accountAssociations?api-version={COMMITMENT_PLANS_API}");
                for (fb, _) in self.rest_list(url)? {
                    read.batches.push(fb);
                }
            }
        }

        for fb in &mut read.batches {
            fb.batch
                .plan_associations
                .retain(|(_, account)| !purged.contains_key(account));
        }

        let regions: BTreeSet<&str> = accounts
            .iter()
            .map(|a| a.region.as_str())
            .filter(|r| !r.is_empty())
            .collect();
        for region in regions {
            self.say(&format!("{tag}: quota in {region}"));
            let placement = Placement {
                subscription: Some(id.to_string()),
                region: Some(region.to_string()),
                at: None,
            };
            let (fb, _) = self.batch(
                args(&[
                    "cognitiveservices",
                    "usage",
                    "list",
                    "--location",
                    region,
                    "--subscription",
                    id,
                ]),
                Format::Usages,
                &placement,
            )?;
            read.batches.push(fb);
        }
        self.model_capacities(sub, &mut read)?;
        Ok(read)
    }

    /// The service capacity Azure has, in every region, for each model and
    /// version the subscription's provisioned deployments run. Dated with the sync's instant. A refused, failing or
    /// silent call is noted and the sync carries on; az missing or signed
    /// out, or an answer that is not a capacity list, stops it.
    fn model_capacities(&mut self, sub: &Sub, read: &mut SubRead) -> Result<(), Halt> {
        let models: BTreeSet<(String, String)> = read
            .batches
            .iter()
            .flat_map(|fb| &fb.batch.deployments)
            .filter(|d| !d.model.is_empty() && !d.version.is_empty())
            .map(|d| (d.model.clone(), d.version.clone()))
            .collect();
        let tag = sub.label();
        for (model, version) in models {
            self.say(&format!("{tag}: service capacity for {model} {version}"));
            let url = model_capacities_url(&sub.id, &model, &version);
            match self.rest_pages(url, Format::ModelCapacities) {
                Ok(pages) => read.batches.extend(pages.into_iter().map(|(fb, _)| fb)),
                Err(RestFailure::Input(e)) => return Err(e.into()),
                Err(RestFailure::Az(
                    e @ (AzError::Denied { .. } | AzError::Failed { .. } | AzError::Timeout { .. }),
                )) => read.notes.push(format!(
                    "service capacity for {model} {version} not read under {tag}: {}; the store keeps the capacity it last read, with its date",
                    SyncError::from(e)
                )),
                Err(RestFailure::Az(e)) => return Err(Halt::Fatal(e.into())),
                Err(RestFailure::TooMany(line)) => read.notes.push(format!(
                    "service capacity for {model} {version}: more than {MAX_PAGES} pages from `{line}`: the pages read are kept"
                )),
            }
        }
        Ok(())
    }

    /// Reservation orders and their reservations (tenant-wide, through
    /// `az rest`), with each reservation's `lastUpdatedDateTime`. What could
    /// not be read is returned (the pages read before it are kept in
    /// `batches`); az missing or signed out stops the sync.
    fn reservations(
        &mut self,
        batches: &mut Vec<FileBatch>,
        evidence: &mut Evidence,
    ) -> Result<Option<Unreadable>, SyncError> {
        self.say("reservations: orders");
        let url = format!(
            "/providers/Microsoft.Capacity/reservationOrders?api-version={RESERVATIONS_API}"
        );
        let pages = match self.rest_pages(url, Format::Reservations) {
            Ok(p) => p,
            Err(e) => return e.unreadable().map(Some),
        };
        let mut names = Vec::new();
        for (fb, raw) in pages {
            for o in items(&raw) {
                let name = str_of(o, "name")
                    .filter(|n| !n.contains('/'))
                    .or_else(|| str_of(o, "id").and_then(|i| i.rsplit('/').next()));
                if let Some(n) = name.filter(|n| !n.is_empty()) {
                    names.push(n.to_string());
                }
            }
            batches.push(fb);
        }
        for order in names {
            self.say(&format!("reservations: order {order}"));
            let url = format!(
                "/providers/Microsoft.Capacity/reservationOrders/{order}/reservations?api-version={RESERVATIONS_API}"
            );
            let pages = match self.rest_pages(url, Format::Reservations) {
                Ok(p) => p,
                Err(e) => return e.unreadable().map(Some),
            };
            for (fb, raw) in pages {
                for r in items(&raw) {
                    let (Some(id), Some(t)) = (
                        str_of(r, "id"),
                        prop(r, "lastUpdatedDateTime")
                            .and_then(Value::as_str)
                            .and_then(parse_azure_time),
                    ) else {
                        continue;
                    };
                    evidence
                        .reservation_updates
                        .insert(id.trim_end_matches('/').to_ascii_lowercase(), t);
                }
                batches.push(fb);
            }
        }
        Ok(None)
    }

    /// `az cognitiveservices account list-deleted`: the subscription's
    /// soft-deleted accounts, by the id each had; None when Azure won't
    /// show them (said in a note: their purge stays unknown).
    fn deleted_accounts(
        &mut self,
        sub: &Sub,
        notes: &mut Vec<String>,
    ) -> Result<Option<BTreeMap<String, SoftDeleted>>, SyncError> {
        let tag = sub.label();
        self.say(&format!("{tag}: deleted accounts"));
        let a = args(&[
            "cognitiveservices",
            "account",
            "list-deleted",
            "--subscription",
            &sub.id,
        ]);
        let (line, out) = match self.call(a) {
            Ok(x) => x,
            Err(AzError::Denied { message, .. }) => {
                notes.push(format!(
                    "the deleted accounts of {tag} are not readable ({message}): an account gone from its list is taken as deleted, its purge time unknown (its deployments are taken as billing until a sync can read them)"
                ));
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let raw = parse_value(&line, &out.stdout).map_err(SyncError::Input)?;
        let bad = |path: String, message: &str| {
            SyncError::Input(InputError {
                file: line.clone(),
                path: Some(path),
                message: message.to_string(),
            })
        };
        if !matches!(raw, Value::Array(_) | Value::Object(_)) {
            return Err(bad(
                "$".into(),
                "expected a list of deleted accounts (a JSON array)",
            ));
        }
        let mut found = BTreeMap::new();
        for (i, item) in items(&raw).into_iter().enumerate() {
            let Some(id) = str_of(item, "id").and_then(history::account_of_deleted) else {
                return Err(bad(
                    format!("$[{i}].id"),
                    "expected a deleted account's id (/subscriptions/SUB/providers/Microsoft.CognitiveServices/locations/REGION/resourceGroups/RG/deletedAccounts/NAME)",
                ));
            };
            let time = |key: &str| -> Result<Option<Time>, SyncError> {
                match prop(item, key) {
                    None | Some(Value::Null) => Ok(None),
                    Some(v) => v
                        .as_str()
                        .and_then(parse_azure_time)
                        .map(Some)
                        .ok_or_else(|| {
                            bad(
                                format!("$[{i}].properties.{key}"),
                                "expected an RFC 3339 time",
                            )
                        }),
                }
            };
            let soft = SoftDeleted {
                deleted: time("deletionDate")?,
                purge: time("scheduledPurgeDate")?,
            };
            found.insert(id, soft);
        }
        Ok(Some(found))
    }

    /// Asks the activity log when the objects in `lookups` changed.
    fn activity(
        &mut self,
        lookups: &[history::Lookup],
        evidence: &mut Evidence,
        notes: &mut Vec<String>,
    ) -> Result<(), SyncError> {
        let now = self.now;
        let oldest = now - chrono::Duration::days(ACTIVITY_LOG_DAYS);
        let mut unreadable: HashSet<String> = HashSet::new();
        for l in lookups {
            let Some(sub) = segment(&l.id, "subscriptions").map(str::to_string) else {
                continue;
            };
            let start = l.after.max(oldest);
            if start >= now || unreadable.contains(&sub) {
                continue;
            }
            self.say(&format!("activity log: {}", history::short(&l.id)));
            let stamp = |t: Time| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let a = args(&[
                "monitor",
                "activity-log",
                "list",
                "--resource-id",
                &l.id,
                "--start-time",
                &stamp(start),
                "--end-time",
                &stamp(now),
                "--max-events",
                MAX_EVENTS,
                "--subscription",
                &sub,
            ]);
            match self.call(a) {
                Ok((line, out)) => {
                    let (w, d) =
                        history::activity(&line, &out.stdout, &l.id).map_err(SyncError::Input)?;
                    evidence.writes.entry(l.id.clone()).or_default().extend(w);
                    evidence.deletes.entry(l.id.clone()).or_default().extend(d);
                }
                Err(AzError::Denied { message, .. }) => {
                    notes.push(format!(
                        "the activity log of subscription {sub} is not readable ({message}): its changes are dated at the sync time"
                    ));
                    unreadable.insert(sub);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

fn parse_azure_time(s: &str) -> Option<Time> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// Runs a sync into the store at `store` (created on the first sync that
/// changes something; never with `dry_run`). `progress` hears one line per
/// step ("contoso-prod (aaaaaaaa): deployments of aoai-east"), on the
/// thread that calls `run`. Blocking: a terminal app runs it on a thread of
/// its own (everything it takes and returns is `Send`), forwards the steps
/// to its status bar through a channel, and reloads once it returns;
/// [`SyncReport::text`] is the summary `ptudesk sync` prints.
pub fn run(
    store: &Path,
    options: &Options,
    now: Time,
    mut progress: impl FnMut(&str),
) -> Result<SyncReport, SyncError> {
    // The store as it is, read only: a missing store is an empty one.
    let existing = if store.exists() {
        Some(Store::open_existing(store)?)
    } else {
        None
    };
    let current = match &existing {
        Some(s) => s.load()?,
        None => Estate::empty(),
    };

    let mut session = Session {
        az: Az {
            program: options.program.clone(),
            timeout: options.timeout,
        },
        progress: &mut progress,
        commands: Vec::new(),
        now,
    };
    let mut skipped_subs = Vec::new();
    let mut notes = Vec::new();
    let subs = session.subscriptions(&options.subscriptions, &mut skipped_subs)?;

    let mut batches = Vec::new();
    let mut listed = Listed::new();
    let mut synced = Vec::new();
    let mut evidence = Evidence::default();
    let purged: BTreeMap<String, Time> = current
        .resources
        .iter()
        .filter_map(|r| r.purged.filter(|p| *p <= now).map(|p| (r.id.clone(), p)))
        .collect();
    for sub in &subs {
        match session.read_subscription(sub, &purged) {
            Ok(read) => {
                let unlisted = |r: &&crate::domain::Resource| {
                    !read.accounts.contains(&r.id) && !purged.contains_key(&r.id)
                };
                // Accounts (by ARM id) gone from the list: deleted, and
                // list-deleted says whether they wait for their purge.
                let gone = current
                    .resources
                    .iter()
                    .filter(unlisted)
                    .any(|r| history::account_subscription(&r.id) == Some(sub.id.as_str()));
                if gone {
                    let soft = session.deleted_accounts(sub, &mut notes)?;
                    evidence.soft_deleted.insert(sub.id.clone(), soft);
                }
                // Resources of the user's own making (no ARM id) are left alone.
                for r in current.resources.iter().filter(unlisted).filter(|r| {
                    r.subscription.eq_ignore_ascii_case(&sub.id)
                        && history::account_subscription(&r.id).is_none()
                        && r.deleted.is_none()
                }) {
                    notes.push(format!(
                        "resource {} is in the store under {} but Azure lists no such account: left as it was (its id is not an Azure account id)",
                        r.id,
                        sub.label()
                    ));
                }
                evidence.accounts.insert(sub.id.clone(), read.accounts);
                notes.extend(read.notes);
                batches.extend(read.batches);
                listed.extend(read.listed);
                synced.push((sub.id.clone(), sub.name.clone()));
            }
            Err(Halt::Denied(message)) => skipped_subs.push(SkippedSubscription {
                id: sub.id.clone(),
                name: sub.name.clone(),
                why: format!("no permission ({message})"),
                denied: true,
            }),
            Err(Halt::Fatal(e)) => return Err(e),
        }
    }
    if synced.is_empty() {
        let why: Vec<String> = skipped_subs
            .iter()
            .map(|s| format!("{}: {}", label(&s.id, &s.name), s.why))
            .collect();
        return Err(SyncError::Subscriptions(format!(
            "no subscription could be read ({})",
            why.join("; ")
        )));
    }

    let was_unread = match &existing {
        Some(s) => s.reservations_unread()?,
        None => None,
    };
    let reservations = match session.reservations(&mut batches, &mut evidence)? {
        None => ReservationsRead::Read {
            cleared: was_unread.as_ref().map(|u| u.since),
        },
        Some(u) if options.allow_partial => {
            let since = was_unread.as_ref().map_or(now, |w| w.since);
            notes.push(format!(
                "reservations not read: `{}`: {}; the store marks the estate's reservations unknown since {} (`ptudesk check` says so, and holds back overage they might cover) until a sync reads them",
                u.command,
                u.why,
                fmt_time(since)
            ));
            ReservationsRead::Unread {
                command: u.command,
                why: u.why,
                since,
            }
        }
        Some(u) => {
            return Err(SyncError::Reservations {
                command: u.command,
                why: u.why,
            });
        }
    };
    if let ReservationsRead::Read { cleared: Some(t) } = &reservations {
        notes.push(format!(
            "reservations read again: the store no longer marks them unknown (it did since {})",
            fmt_time(*t)
        ));
    }

    // What changed since the store last knew it, and so what to ask the
    // activity log about (a first sync asks nothing).
    let (merged, _) = merge(&current, &batches, now).map_err(SyncError::Input)?;
    let lookups = history::apply(&current, merged, &listed, &evidence, now).lookups;
    session.activity(&lookups, &mut evidence, &mut notes)?;
    let commands = session.commands;

    type Edited = (Estate, Vec<Skipped>, Vec<Dated>, Vec<String>);
    let edit = |cur: &Estate| -> Result<Edited, InputError> {
        let (merged, skipped) = merge(cur, &batches, now)?;
        let a = history::apply(cur, merged, &listed, &evidence, now);
        Ok((a.estate, skipped, a.dated, a.notes))
    };
    let names: Vec<String> = synced.iter().map(|(i, n)| label(i, n)).collect();
    let mut report = SyncReport {
        store: store.to_path_buf(),
        dry_run: options.dry_run,
        change: None,
        deltas: vec![],
        mentioned: crate::ingest::mentioned(&batches),
        skipped: vec![],
        subscriptions: synced,
        skipped_subscriptions: skipped_subs,
        notes,
        dated: vec![],
        commands,
        reservations,
    };
    if options.dry_run {
        let old = match &existing {
            Some(s) => s.objects()?,
            None => objects::objects(&current),
        };
        let cur = objects::estate(&old).map_err(|e| StoreError::Corrupt {
            path: store.display().to_string(),
            message: e.to_string(),
        })?;
        let (new, skipped, dated, more) = edit(&cur).map_err(SyncError::Input)?;
        crate::domain::validate::validate(&new).map_err(|v| {
            StoreError::Rejected(format!("the change would leave the estate invalid: {v}"))
        })?;
        report.deltas = objects::diff(&old, &objects::objects(&new));
        report.skipped = skipped;
        report.dated = dated;
        report.notes.extend(more);
        return Ok(report);
    }
    drop(existing);
    let mut st = Store::open(store)?;
    let what = format!("sync {}", names.join(", "));
    let unread = match &report.reservations {
        ReservationsRead::Read { .. } => None,
        ReservationsRead::Unread { command, why, .. } => Some(format!("`{command}`: {why}")),
    };
    let marks = [(crate::store::UNREAD_RESERVATIONS, unread)];
    let (written, (skipped, dated, more)) =
        crate::ops::apply_sync(&mut st, SOURCE, &what, &marks, now, |cur| {
            edit(cur).map(|(e, skipped, dated, more)| (e, (skipped, dated, more)))
        })?;
    report.change = written.change;
    report.deltas = written.deltas;
    report.skipped = skipped;
    report.dated = dated;
    report.notes.extend(more);
    Ok(report)
}

impl SyncReport {
    fn names(&self) -> String {
        let names: Vec<String> = self
            .subscriptions
            .iter()
            .map(|(i, n)| label(i, n))
            .collect();
        names.join(", ")
    }

    /// What the sync did, as `ptudesk import` says it (added, changed,
    /// unchanged per kind; skipped, grouped by why), then the subscriptions
    /// skipped, notes, and the changes it dated.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let store = self.store.display();
        let subs = self.names();
        let n = self.subscriptions.len();
        match (self.dry_run, self.change) {
            (true, _) if self.deltas.is_empty() => {
                let _ = writeln!(
                    s,
                    "Dry run: nothing would change in {store}: it already holds what Azure shows for {subs}."
                );
            }
            (true, _) => {
                let _ = writeln!(
                    s,
                    "Dry run: syncing {n} subscription(s) ({subs}) would change {store} as follows; nothing was written:"
                );
            }
            (false, None) => {
                let _ = writeln!(
                    s,
                    "Nothing changed: {store} already holds what Azure shows for {subs}."
                );
            }
            (false, Some(id)) => {
                let _ = writeln!(
                    s,
                    "Synced {n} subscription(s) ({subs}) into {store} (change #{id}):"
                );
            }
        }
        let summary = crate::report::imports::summary(&self.deltas, &self.mentioned, &self.skipped);
        for line in summary.lines() {
            if self.dry_run && line.contains(" added ") {
                let line = line.replacen(" added ", " would add ", 1).replacen(
                    ", changed ",
                    ", would change ",
                    1,
                );
                let _ = writeln!(s, "{line}");
            } else {
                let _ = writeln!(s, "{line}");
            }
        }
        for w in self.warnings() {
            let _ = writeln!(s, "  {w}");
        }
        if !self.dated.is_empty() {
            let head = if self.dry_run {
                "history (would be recorded):"
            } else {
                "history:"
            };
            let _ = writeln!(s, "  {head}");
            for d in &self.dated {
                let _ = writeln!(s, "    {}", d.line());
            }
        }
        s
    }

    /// The subscriptions skipped and the notes, one line each.
    pub fn warnings(&self) -> Vec<String> {
        self.lines(false)
    }

    /// What needs a look: subscriptions Azure refused to show, and the
    /// notes (what `--quiet` still says, on stderr).
    pub fn problems(&self) -> Vec<String> {
        self.lines(true)
    }

    fn lines(&self, denied_only: bool) -> Vec<String> {
        let mut v: Vec<String> = self
            .skipped_subscriptions
            .iter()
            .filter(|x| x.denied || !denied_only)
            .map(|x| format!("subscription {} skipped: {}", label(&x.id, &x.name), x.why))
            .collect();
        v.extend(self.notes.iter().map(|n| format!("note: {n}")));
        v
    }
}

/// The `modelCapacities` URL of one model version in a subscription.
fn model_capacities_url(sub: &str, model: &str, version: &str) -> String {
    format!(
        "/subscriptions/{sub}/providers/Microsoft.CognitiveServices/modelCapacities?api-version={MODEL_CAPACITIES_API}&modelFormat=OpenAI&modelName={model}&modelVersion={version}"
    )
}

/// The az command lines a sync runs, with placeholders, for the README
/// and `ptudesk sync --help`.
pub fn commands() -> Vec<String> {
    let api = COMMITMENT_PLANS_API;
    vec![
        "az account list --output json".into(),
        "az cognitiveservices account list --subscription SUB --output json".into(),
        "az cognitiveservices account deployment list --name ACCOUNT --resource-group RG --subscription SUB --output json".into(),
        "az cognitiveservices account commitment-plan list --name ACCOUNT --resource-group RG --subscription SUB --output json".into(),
        format!("az rest --method get --url '/subscriptions/SUB/providers/Microsoft.CognitiveServices/commitmentPlans?api-version={api}' --output json"),
        plan_associations_command(),
        "az cognitiveservices usage list --location REGION --subscription SUB --output json".into(),
        "az cognitiveservices account list-deleted --subscription SUB --output json".into(),
        format!("az rest --method get --url '{}' --output json", model_capacities_url("SUB", "MODEL", "VERSION")),
        format!("az rest --method get --url '/providers/Microsoft.Capacity/reservationOrders?api-version={RESERVATIONS_API}' --output json"),
        format!("az rest --method get --url '/providers/Microsoft.Capacity/reservationOrders/ORDER/reservations?api-version={RESERVATIONS_API}' --output json"),
        format!("az monitor activity-log list --resource-id ID --start-time T --end-time NOW --max-events {MAX_EVENTS} --subscription SUB --output json"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_can_run_on_a_background_thread() {
        fn send<T: Send>() {}
        send::<Options>();
        send::<SyncReport>();
        send::<SyncError>();
    }

    #[test]
    fn timeouts_read_seconds_minutes_and_hours() {
        assert_eq!(parse_timeout("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_timeout("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_timeout("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("s").is_err());
        assert!(parse_timeout("-5s").is_err());
        assert!(parse_timeout("soon").is_err());
    }

    #[test]
    fn every_command_asks_for_json() {
        assert!(commands().iter().all(|c| c.ends_with("--output json")));
        assert_eq!(
            args(&["account", "list"]),
            ["account", "list", "--output", "json"]
        );
        assert_eq!(region_name("West US 3"), "westus3");
    }
}
