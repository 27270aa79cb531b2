//! Azure's own JSON: what the az CLI prints and the Retail Prices API answers.
//!
//! [`detect`] tells a file's [`Format`] from its shape; [`parse`] turns one
//! file into a [`Batch`] of what it observed, with what it left out and why.
//! Accepted shapes: a JSON array of items (az list commands), one object (az
//! show commands), the REST list shape `{"value": [...], "nextLink": ...}`, and
//! the REST spec-example wrapper `{"parameters", "responses": {"200": {"body"}}}`.
//! Numbers are read from their text (never through a float); ids are
//! lowercased ARM ids; regions are Azure short names (`eastus2`).

use super::InputError;
use super::batch::{Batch, Format, ObservedCommitment, ObservedDeployment, Origin, Placement};
use super::batch::{ReservationOrder, Skipped};
use super::batch::{price_key, quota_key};
use super::snapshot::parse_json;
use crate::domain::money::parse_money;
use crate::domain::time::{Time, add_months, fmt_time, midnight};
use crate::domain::validate::MAX_PTU;
use crate::domain::{
    Billing, BillingAccount, ManagementGroup, PriceRow, Quota, Reservation, ReservationRenewal,
    Resource, Scope, Sku, Term,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The format of a JSON document, recognised from its shape (not its file name).
pub fn detect(file: &str, bytes: &[u8]) -> Result<Format, InputError> {
    let bytes = super::decode(file, bytes)?;
    let value: Value = parse_json(file, &bytes)?;
    let p = Parser::new(file);
    match p.root(&value)? {
        Root::Snapshot => Ok(Format::Snapshot),
        Root::Prices { .. } => Ok(Format::RetailPrices),
        Root::Items(items) => p.detect_items(&items),
    }
}

/// The format of a JSON document, or `None` when it is an empty list (`[]`,
/// `{"value": []}`, or a REST example whose body is one): a list of nothing
/// holds nothing to import, whatever it would have listed.
pub fn detect_or_empty(file: &str, bytes: &[u8]) -> Result<Option<Format>, InputError> {
    let bytes = super::decode(file, bytes)?;
    let value: Value = parse_json(file, &bytes)?;
    let p = Parser::new(file);
    match p.root(&value)? {
        Root::Snapshot => Ok(Some(Format::Snapshot)),
        Root::Prices { .. } => Ok(Some(Format::RetailPrices)),
        Root::Items(items) if items.is_empty() => Ok(None),
        Root::Items(items) => p.detect_items(&items).map(Some),
    }
}

/// Parses one file of the given format. `now` is the import instant (for
/// anything only known as "now"); `placement` gives --subscription/--region.
pub fn parse(
    file: &str,
    bytes: &[u8],
    format: Format,
    placement: &Placement,
    now: Time,
) -> Result<Batch, InputError> {
    if format == Format::Snapshot {
        let estate = super::snapshot::parse_part(file, bytes)?;
        return Ok(Batch {
            snapshot: Some(estate),
            ..Default::default()
        });
    }
    let bytes = super::decode(file, bytes)?;
    let value: Value = parse_json(file, &bytes)?;
    let p = Parser::new(file);
    let root = p.root(&value)?;
    let (items, next_page) = match root {
        Root::Snapshot => {
            return Err(p.err(
                None,
                format!(
                    "expected {}, got a ptudesk.snapshot/1 file (it has \"schema\"): import it without --format {}",
                    format_wording(format),
                    format.name()
                ),
            ));
        }
        Root::Prices { items, next_page } if format == Format::RetailPrices => (items, next_page),
        Root::Prices { .. } => {
            return Err(p.err(
                None,
                format!(
                    "expected {}, got an Azure Retail Prices API answer (it has \"Items\")",
                    format_wording(format)
                ),
            ));
        }
        // An empty list holds nothing, in any format (no --subscription needed).
        Root::Items(items) if items.is_empty() => return Ok(Batch::default()),
        Root::Items(items) => (items, None),
    };
    let mut batch = Batch::default();
    match format {
        Format::Snapshot => unreachable!("handled above"),
        Format::Accounts => p.accounts(&items, &mut batch)?,
        Format::Deployments => p.deployments(&items, &mut batch)?,
        Format::CommitmentPlans => p.commitment_plans(&items, &mut batch)?,
        Format::Usages => p.usages(&items, placement, &mut batch)?,
        Format::Reservations => p.reservations(&items, &mut batch)?,
        Format::RetailPrices => p.prices(&items, next_page.as_deref(), now, &mut batch)?,
        Format::ModelCapacities => {
            p.model_capacities(&items, placement.at.unwrap_or(now), &mut batch)?
        }
    }
    Ok(batch)
}

// ---------------------------------------------------------------------------
// Shapes and item kinds

/// A JSON value with its path from the document's root.
#[derive(Debug, Clone)]
struct Node<'a> {
    v: &'a Value,
    path: String,
}

impl<'a> Node<'a> {
    fn new(v: &'a Value, path: String) -> Self {
        Node { v, path }
    }

    /// The member `key` of an object, or `None` when absent or `null`.
    fn get(&self, key: &str) -> Option<Node<'a>> {
        match self.v.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(Node::new(v, self.key_path(key))),
        }
    }

    fn key_path(&self, key: &str) -> String {
        if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key.starts_with(|c: char| c.is_ascii_digit())
        {
            format!("{}.{key}", self.path)
        } else {
            format!("{}[{key:?}]", self.path)
        }
    }

    /// A member of `properties` (ARM's shape), or of the item itself (the
    /// flattened shape some az versions print).
    fn prop(&self, key: &str) -> Option<Node<'a>> {
        self.get("properties")
            .and_then(|p| p.get(key))
            .or_else(|| self.get(key))
    }

    /// The path where a missing member of `properties` would be.
    fn prop_path(&self, key: &str) -> String {
        match self.get("properties") {
            Some(p) => p.key_path(key),
            None => self.key_path(key),
        }
    }

    /// The elements of an array.
    fn elements(&self) -> Vec<Node<'a>> {
        match self.v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| Node::new(v, format!("{}[{i}]", self.path)))
                .collect(),
            _ => vec![],
        }
    }

    fn str(&self) -> Option<&'a str> {
        self.v.as_str()
    }
}

/// What a document holds once its wrappers are taken off.
enum Root<'a> {
    Snapshot,
    /// A Retail Prices API answer.
    Prices {
        items: Vec<Node<'a>>,
        next_page: Option<String>,
    },
    /// az CLI or ARM items (a list, or one object).
    Items(Vec<Node<'a>>),
}

/// What one item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Account,
    Deployment,
    AccountPlan,
    SharedPlan,
    Association,
    Usage,
    Reservation,
    Order,
    Price,
    Capacity,
}

const ARM_TYPES: [(&str, Kind); 8] = [
    ("Microsoft.CognitiveServices/accounts", Kind::Account),
    (
        "Microsoft.CognitiveServices/accounts/deployments",
        Kind::Deployment,
    ),
    (
        "Microsoft.CognitiveServices/accounts/commitmentPlans",
        Kind::AccountPlan,
    ),
    (
        "Microsoft.CognitiveServices/commitmentPlans",
        Kind::SharedPlan,
    ),
    (
        "Microsoft.CognitiveServices/commitmentPlans/accountAssociations",
        Kind::Association,
    ),
    (
        "Microsoft.Capacity/reservationOrders/reservations",
        Kind::Reservation,
    ),
    ("Microsoft.Capacity/reservationOrders", Kind::Order),
    (
        "Microsoft.CognitiveServices/locations/models/skuCapacities",
        Kind::Capacity,
    ),
];

impl Kind {
    fn of(v: &Value) -> Option<Kind> {
        let obj = v.as_object()?;
        let arm = obj.get("type").and_then(Value::as_str).and_then(|t| {
            ARM_TYPES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(t))
                .map(|(_, k)| *k)
        });
        if arm.is_some() {
            return arm;
        }
        let is_usage = obj
            .get("name")
            .and_then(|n| n.get("value"))
            .is_some_and(Value::is_string)
            && obj.contains_key("currentValue")
            && obj.contains_key("limit");
        if is_usage {
            return Some(Kind::Usage);
        }
        let is_capacity = obj
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| p.contains_key("availableCapacity") && p.contains_key("skuName"));
        if is_capacity {
            return Some(Kind::Capacity);
        }
        let is_price = obj.contains_key("retailPrice")
            && (obj.contains_key("skuName") || obj.contains_key("meterName"));
        is_price.then_some(Kind::Price)
    }

    fn format(self) -> Format {
        match self {
            Kind::Account => Format::Accounts,
            Kind::Deployment => Format::Deployments,
            Kind::AccountPlan | Kind::SharedPlan | Kind::Association => Format::CommitmentPlans,
            Kind::Usage => Format::Usages,
            Kind::Reservation | Kind::Order => Format::Reservations,
            Kind::Price => Format::RetailPrices,
            Kind::Capacity => Format::ModelCapacities,
        }
    }
}

/// How a format is described in messages.
fn format_wording(f: Format) -> &'static str {
    match f {
        Format::Snapshot => "a ptudesk.snapshot/1 file",
        Format::Accounts => "az cognitiveservices account list output",
        Format::Deployments => "az cognitiveservices account deployment list output",
        Format::CommitmentPlans => {
            "az cognitiveservices account commitment-plan list output (or top-level commitment plans and their account associations)"
        }
        Format::Usages => "az cognitiveservices usage list output",
        Format::Reservations => "az reservations reservation list or reservation-order list output",
        Format::RetailPrices => "an Azure Retail Prices API answer ({\"Items\": [...]})",
        Format::ModelCapacities => "a modelCapacities answer ({\"value\": [...]})",
    }
}

/// What an item of a format looks like, for "expected ..." messages.
fn item_wording(f: Format) -> &'static str {
    match f {
        Format::Snapshot => "a ptudesk.snapshot/1 document",
        Format::Accounts => "an account (type Microsoft.CognitiveServices/accounts)",
        Format::Deployments => {
            "a deployment (type Microsoft.CognitiveServices/accounts/deployments)"
        }
        Format::CommitmentPlans => {
            "a commitment plan (type Microsoft.CognitiveServices/accounts/commitmentPlans, Microsoft.CognitiveServices/commitmentPlans or .../commitmentPlans/accountAssociations)"
        }
        Format::Usages => "a usage (with \"name\": {\"value\"}, \"currentValue\" and \"limit\")",
        Format::Reservations => {
            "a reservation or reservation order (type Microsoft.Capacity/reservationOrders/reservations or Microsoft.Capacity/reservationOrders)"
        }
        Format::RetailPrices => {
            "a price item (with \"retailPrice\", \"skuName\", \"armRegionName\")"
        }
        Format::ModelCapacities => {
            "a model capacity (type Microsoft.CognitiveServices/locations/models/skuCapacities)"
        }
    }
}

const UNDERSTOOD: &str = "ptudesk understands a ptudesk.snapshot/1 file, the JSON output of az cognitiveservices account list, account deployment list, account commitment-plan list and usage list, of az reservations reservation list and reservation-order list, Azure Retail Prices API answers ({\"Items\": [...]}) and modelCapacities answers";

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of a value for messages.
fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

fn keys_of(m: &Map<String, Value>) -> String {
    if m.is_empty() {
        return "no fields".into();
    }
    let mut s = m
        .keys()
        .take(6)
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if m.len() > 6 {
        s.push_str(", ...");
    }
    format!("the fields {s}")
}

// ---------------------------------------------------------------------------
// Small pure helpers

/// The Cognitive Services account kinds that host Azure OpenAI deployments.
const OPENAI_ACCOUNT_KINDS: [&str; 2] = ["OpenAI", "AIServices"];

/// The reserved resource type of Azure OpenAI provisioned reservations in
/// the Reservations API.
const PTU_RESERVED_TYPE: &str = "OpenAIPTU";

/// The deployment type a text names by its qualifier alone ("Global",
/// "Data Zone", "Regional"), for reservations whose reserved resource type
/// already says they are provisioned throughput.
fn deployment_type_in_text(s: &str) -> Option<Sku> {
    let t = squash(s);
    if t.contains("global") {
        Some(Sku::Global)
    } else if t.contains("datazone") {
        Some(Sku::DataZone)
    } else if t.contains("regional") {
        Some(Sku::Regional)
    } else {
        None
    }
}

/// Azure's short region name: "East US 2" -> "eastus2".
fn region_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The segment after `key` in an ARM id (keys compared case-insensitively).
fn segment_after<'s>(id: &'s str, key: &str) -> Option<&'s str> {
    let mut it = id.split('/');
    while let Some(s) = it.next() {
        if s.eq_ignore_ascii_case(key) {
            return it.next().filter(|v| !v.is_empty());
        }
    }
    None
}

/// The last non-empty segment of a path.
fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

/// The id before `/<child>/<name>` (the child matched case-insensitively), and the name.
fn split_child<'s>(id: &'s str, child: &str) -> Option<(&'s str, &'s str)> {
    let marker = format!("/{child}/");
    let at = id.to_ascii_lowercase().rfind(&marker)?;
    let parent = &id[..at];
    let name = &id[at + marker.len()..];
    (!parent.is_empty() && !name.is_empty() && !name.contains('/')).then_some((parent, name))
}

/// Letters and digits only, lowercased: "Provisioned Managed_Data Zone" ->
/// "provisionedmanageddatazone".
fn squash(s: &str) -> String {
    region_name(s)
}

/// The provisioned deployment type a product, SKU or display text names, if
/// any ("Provisioned Managed Regional", "ProvisionedManaged_DataZone").
fn ptu_sku_in_text(s: &str) -> Option<Sku> {
    let t = squash(s);
    if !t.contains("provisionedmanaged") {
        return None;
    }
    if t.contains("global") {
        Some(Sku::Global)
    } else if t.contains("datazone") {
        Some(Sku::DataZone)
    } else if t.contains("regional") || t == "provisionedmanaged" {
        Some(Sku::Regional)
    } else {
        None
    }
}

/// The model and version of a model-specific usage name's tail
/// (`o3-2025-04-16` -> `o3`, `2025-04-16`; `gpt-4-0613` -> `gpt-4`, `0613`):
/// a dated version is the trailing `YYYY-MM-DD`, any other the part after
/// the last hyphen. `None` when no hyphen separates the two.
fn split_model_version(s: &str) -> Option<(&str, &str)> {
    let dated = s.len() > 11
        && s.as_bytes()[s.len() - 11] == b'-'
        && NaiveDate::parse_from_str(&s[s.len() - 10..], "%Y-%m-%d").is_ok();
    let (model, version) = if dated {
        (&s[..s.len() - 11], &s[s.len() - 10..])
    } else {
        s.rsplit_once('-')?
    };
    (!model.is_empty() && !version.is_empty()).then_some((model, version))
}

/// An Azure time: RFC 3339, a date-time without offset (UTC), or a date.
fn parse_azure_time(s: &str) -> Option<Time> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(midnight)
}

/// True when an end Azure gives (`node`, read as `t`) is the `derived` one:
/// the same instant to the second, or the same UTC date when Azure gives a
/// date only.
fn same_instant(node: &Node, t: Time, derived: Time) -> bool {
    let date_only = node
        .str()
        .is_some_and(|s| !s.trim().contains(['T', 't', ' ']));
    if date_only {
        t.date_naive() == derived.date_naive()
    } else {
        t.timestamp() == derived.timestamp()
    }
}

/// The exact decimal a JSON number or numeric string holds.
fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => crate::domain::money::parse_money_number(&n.to_string()).ok(),
        Value::String(s) => parse_money(s).ok(),
        _ => None,
    }
}

/// A whole number (`500` or `500.0`, as az prints some counts).
fn integer_of(v: &Value) -> Option<i64> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let d = crate::domain::money::parse_money_number(&n.to_string()).ok()?;
    if d.fract().is_zero() {
        i64::try_from(d.trunc().normalize().mantissa()).ok()
    } else {
        None
    }
}

fn term_of(s: &str) -> Option<Term> {
    match s.trim().to_ascii_uppercase().as_str() {
        "P1M" => Some(Term::OneMonth),
        "P1Y" => Some(Term::OneYear),
        _ => None,
    }
}

fn billing_of(s: &str) -> Option<Billing> {
    match s.trim().to_ascii_lowercase().as_str() {
        "upfront" => Some(Billing::Upfront),
        "monthly" => Some(Billing::Monthly),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// The parser

struct Parser<'f> {
    file: &'f str,
}

type R<T> = Result<T, InputError>;

/// Remembers the path of each id seen in one file.
struct Ids(HashMap<String, String>);

impl Ids {
    fn new() -> Self {
        Ids(HashMap::new())
    }
}

impl<'f> Parser<'f> {
    fn new(file: &'f str) -> Self {
        Parser { file }
    }

    fn err(&self, path: Option<&str>, message: impl Into<String>) -> InputError {
        InputError {
            file: self.file.to_string(),
            path: path.map(str::to_string),
            message: message.into(),
        }
    }

    fn at(&self, path: &str, message: impl Into<String>) -> InputError {
        self.err(Some(path), message)
    }

    // --- field access -------------------------------------------------------

    fn need<'a>(&self, n: &Node<'a>, key: &str, what: &str) -> R<Node<'a>> {
        n.get(key)
            .ok_or_else(|| self.at(&n.key_path(key), format!("missing: expected {what}")))
    }

    fn need_prop<'a>(&self, n: &Node<'a>, key: &str, what: &str) -> R<Node<'a>> {
        n.prop(key)
            .ok_or_else(|| self.at(&n.prop_path(key), format!("missing: expected {what}")))
    }

    fn string<'a>(&self, n: &Node<'a>, what: &str) -> R<&'a str> {
        n.str().ok_or_else(|| {
            self.at(
                &n.path,
                format!("expected {what} (a string), got {}", json_kind(n.v)),
            )
        })
    }

    fn opt_string<'a>(&self, n: Option<Node<'a>>, what: &str) -> R<Option<&'a str>> {
        n.map(|n| self.string(&n, what)).transpose()
    }

    fn req_str<'a>(&self, n: &Node<'a>, key: &str, what: &str) -> R<&'a str> {
        self.string(&self.need(n, key, what)?, what)
    }

    /// A lowercased ARM id from `id`.
    fn arm_id(&self, n: &Node, what: &str) -> R<String> {
        let id = self.req_str(n, "id", what)?;
        if !id.starts_with('/') {
            return Err(self.at(
                &n.key_path("id"),
                format!("expected {what} (an ARM id starting with /), got {id:?}"),
            ));
        }
        let id = id.trim_end_matches('/');
        // `/subscriptions/../x` or `//`: not an id Azure gives.
        if id
            .split('/')
            .skip(1)
            .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(self.at(
                &n.key_path("id"),
                format!("expected {what} (an ARM id with no empty, \".\" or \"..\" segments), got {id:?}"),
            ));
        }
        Ok(id.to_ascii_lowercase())
    }

    fn integer(&self, n: &Node, what: &str) -> R<i64> {
        integer_of(n.v)
            .ok_or_else(|| self.at(&n.path, format!("expected {what}, got {}", show(n.v))))
    }

    fn positive(&self, n: &Node, what: &str) -> R<i64> {
        match integer_of(n.v) {
            Some(i) if i > 0 => Ok(i),
            _ => Err(self.at(
                &n.path,
                format!("expected {what}, a positive integer, got {}", show(n.v)),
            )),
        }
    }

    /// A commitment count: 50-PTU steps, at most [`MAX_PTU`].
    fn fifty(&self, n: &Node, ptu: i64) -> R<()> {
        if ptu % 50 != 0 {
            return Err(self.at(
                &n.path,
                format!(
                    "expected a multiple of 50 PTU (commitments come in 50-PTU steps), got {ptu}"
                ),
            ));
        }
        self.at_most(n, ptu)
    }

    fn at_most(&self, n: &Node, ptu: i64) -> R<()> {
        if ptu > MAX_PTU {
            return Err(self.at(
                &n.path,
                format!("expected at most {MAX_PTU} PTU, got {ptu}"),
            ));
        }
        Ok(())
    }

    fn time(&self, n: &Node, what: &str) -> R<Time> {
        let s = self.string(n, what)?;
        parse_azure_time(s).ok_or_else(|| {
            self.at(
                &n.path,
                format!(
                    "expected {what} (an RFC 3339 time such as 2026-11-20T08:00:00Z), got {s:?}"
                ),
            )
        })
    }

    fn opt_time(&self, n: Option<Node>, what: &str) -> R<Option<Time>> {
        n.map(|n| self.time(&n, what)).transpose()
    }

    fn opt_bool(&self, n: Option<Node>, what: &str) -> R<Option<bool>> {
        match n {
            None => Ok(None),
            Some(n) => match n.v {
                Value::Bool(b) => Ok(Some(*b)),
                Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
                Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
                v => Err(self.at(
                    &n.path,
                    format!("expected {what} (true or false), got {}", show(v)),
                )),
            },
        }
    }

    /// Records `id` at `path`; a second item with the same id is an error.
    fn unique(&self, ids: &mut Ids, id: &str, path: &str) -> R<()> {
        if let Some(first) = ids.0.get(id) {
            return Err(self.at(
                path,
                format!("duplicate id {id}: the same item is also at {first}; expected each id once per file"),
            ));
        }
        ids.0.insert(id.to_string(), path.to_string());
        Ok(())
    }

    // --- shapes -------------------------------------------------------------

    fn root<'a>(&self, v: &'a Value) -> R<Root<'a>> {
        if let Value::Object(m) = v
            && m.contains_key("schema")
        {
            return Ok(Root::Snapshot);
        }
        self.unwrap(Node::new(v, "$".into()))
    }

    fn unwrap<'a>(&self, n: Node<'a>) -> R<Root<'a>> {
        match n.v {
            Value::Array(_) => Ok(Root::Items(n.elements())),
            Value::Object(m) => {
                if m.contains_key("Items") {
                    let items = self.need(&n, "Items", "the list of price items")?;
                    if !items.v.is_array() {
                        return Err(self.at(
                            &items.path,
                            format!(
                                "expected the list of price items (an array), got {}",
                                json_kind(items.v)
                            ),
                        ));
                    }
                    let next_page = n
                        .get("NextPageLink")
                        .and_then(|l| l.str().map(str::to_string))
                        .filter(|l| !l.is_empty());
                    return Ok(Root::Prices {
                        items: items.elements(),
                        next_page,
                    });
                }
                if let Some(responses) = n.get("responses")
                    && responses.v.is_object()
                    && !m.contains_key("type")
                {
                    let ok = responses.get("200").ok_or_else(|| {
                        self.at(
                            &responses.path,
                            "expected a \"200\" response with a \"body\" (a REST example)",
                        )
                    })?;
                    let body = self.need(&ok, "body", "the response body")?;
                    return self.unwrap(body);
                }
                if let Some(value) = n.get("value")
                    && value.v.is_array()
                    && !m.contains_key("type")
                    && !m.contains_key("id")
                {
                    return Ok(Root::Items(value.elements()));
                }
                Ok(Root::Items(vec![n]))
            }
            v => Err(self.at(
                &n.path,
                format!(
                    "expected a JSON object or array, got {}; {UNDERSTOOD}",
                    json_kind(v)
                ),
            )),
        }
    }

    fn detect_items(&self, items: &[Node]) -> R<Format> {
        let Some(first) = items.first() else {
            return Err(self.err(
                None,
                format!(
                    "the list is empty, so its format can't be told from its items: give --format ({})",
                    Format::ALL
                        .iter()
                        .filter(|f| **f != Format::Snapshot)
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        let mut found: Option<(Format, &str)> = None;
        for item in items {
            let Some(kind) = Kind::of(item.v) else {
                continue;
            };
            let f = kind.format();
            match found {
                None => found = Some((f, &item.path)),
                Some((g, at)) if g != f => {
                    return Err(self.at(
                        &item.path,
                        format!(
                            "this list mixes {} ({at}) with {} (here): import them as separate files",
                            g.name(),
                            f.name()
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some((f, _)) = found {
            return Ok(f);
        }
        let what = match first.v {
            Value::Object(m) => match m.get("type").and_then(Value::as_str) {
                Some(t) => format!("items of type {t:?}"),
                None => format!("items with {}", keys_of(m)),
            },
            v => format!("items that are {}", json_kind(v)),
        };
        let whole = if items.len() == 1 && first.path == "$" {
            match first.v {
                Value::Object(m) => format!("an object with {}", keys_of(m)),
                _ => what,
            }
        } else {
            format!("a list of {what}")
        };
        Err(self.err(
            None,
            format!("unrecognised JSON: this file holds {whole}; {UNDERSTOOD}"),
        ))
    }

    /// Checks that each item is one this format reads.
    fn kinds<'a, 'n>(&self, items: &'n [Node<'a>], format: Format) -> R<Vec<(Kind, &'n Node<'a>)>> {
        items
            .iter()
            .map(|n| match Kind::of(n.v) {
                Some(k) if k.format() == format => Ok((k, n)),
                other => {
                    let got = match (other, n.v) {
                        (_, Value::Object(m)) => match m.get("type").and_then(Value::as_str) {
                            Some(t) => format!("type {t:?}"),
                            None => format!("an object with {}", keys_of(m)),
                        },
                        (_, v) => json_kind(v).to_string(),
                    };
                    let path = if n.v.get("type").is_some() {
                        n.key_path("type")
                    } else {
                        n.path.clone()
                    };
                    Err(self.at(
                        &path,
                        format!(
                            "expected {} (--format {}), got {got}",
                            item_wording(format),
                            format.name()
                        ),
                    ))
                }
            })
            .collect()
    }

    // --- accounts -----------------------------------------------------------

    fn accounts(&self, items: &[Node], batch: &mut Batch) -> R<()> {
        let mut ids = Ids::new();
        for (_, n) in self.kinds(items, Format::Accounts)? {
            let id = self.arm_id(n, "the account's ARM id")?;
            self.unique(&mut ids, &id, &n.path)?;
            // `account list` lists every Cognitive Services kind; only these
            // host Azure OpenAI deployments. An item without `kind` is kept.
            if let Some(kind) = self.opt_string(n.get("kind"), "the account kind")?
                && !OPENAI_ACCOUNT_KINDS
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(kind))
            {
                batch.skipped.push(Skipped::new(
                    format!("account {}", last_segment(&id)),
                    format!(
                        "kind {kind} does not host Azure OpenAI deployments (only {} accounts do)",
                        OPENAI_ACCOUNT_KINDS.join(" and ")
                    ),
                ));
                continue;
            }
            batch.resources.push(self.resource(n, &id)?);
            let id_path = n.key_path("id");
            batch.origins.insert(
                ("resources", id.clone()),
                Origin::new(&n.path)
                    .field("id", &id_path)
                    .field("subscription", &id_path)
                    .field("resource_group", &id_path)
                    .field("region", n.key_path("location")),
            );
        }
        Ok(())
    }

    fn resource(&self, n: &Node, id: &str) -> R<Resource> {
        let (Some(subscription), Some(resource_group)) = (
            segment_after(id, "subscriptions"),
            segment_after(id, "resourcegroups"),
        ) else {
            return Err(self.at(
                &n.key_path("id"),
                format!(
                    "expected an ARM id such as /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name>, got {id:?}"
                ),
            ));
        };
        let location = self.req_str(n, "location", "the account's region (\"location\")")?;
        Ok(Resource {
            id: id.to_string(),
            subscription: subscription.to_string(),
            resource_group: resource_group.to_string(),
            region: region_name(location),
            deleted: None,
            purged: None,
            deleted_approximate: false,
            purged_approximate: false,
        })
    }

    // --- deployments --------------------------------------------------------

    fn deployments(&self, items: &[Node], batch: &mut Batch) -> R<()> {
        let mut ids = Ids::new();
        for (_, n) in self.kinds(items, Format::Deployments)? {
            let id = self.arm_id(n, "the deployment's ARM id")?;
            self.unique(&mut ids, &id, &n.path)?;
            let Some((resource, name)) = split_child(&id, "deployments") else {
                return Err(self.at(
                    &n.key_path("id"),
                    format!("expected a deployment id .../accounts/<account>/deployments/<name>, got {id:?}"),
                ));
            };
            let sku = self.need(n, "sku", "the deployment's SKU ({\"name\", \"capacity\"})")?;
            let sku_name =
                self.req_str(&sku, "name", "the SKU name, such as ProvisionedManaged")?;
            let Some(kind) = Sku::from_azure_name(sku_name) else {
                batch.skipped.push(Skipped {
                    what: format!("deployment {name} on {}", last_segment(resource)),
                    why: format!("SKU {sku_name} is not provisioned throughput"),
                    object: None,
                });
                continue;
            };
            let cap = self.need(&sku, "capacity", "the deployment's PTUs")?;
            let requested = self.positive(&cap, "the deployment's PTUs")?;
            self.at_most(&cap, requested)?;
            let state = self.opt_string(n.prop("provisioningState"), "the provisioning state")?;
            let failed = state.is_some_and(|s| s.eq_ignore_ascii_case("Failed"));
            // `sku.capacity` is the size asked for; `currentCapacity` what is
            // deployed (and billed) now. They differ while a resize runs.
            let current = match n.prop("currentCapacity") {
                Some(c) => {
                    let v = self.integer(&c, "the deployment's current PTUs, an integer")?;
                    if v < 0 {
                        return Err(self.at(
                            &c.path,
                            format!("expected the deployment's current PTUs, a non-negative integer, got {v}"),
                        ));
                    }
                    self.at_most(&c, v)?;
                    Some((v, c))
                }
                None => None,
            };
            let (ptu, cap) = match current {
                Some((v, c)) if v > 0 && v != requested => {
                    batch.skipped.push(Skipped::new(
                        format!("resize of deployment {name} on {} to {requested} PTU", last_segment(resource)),
                        format!(
                            "not in place yet (provisioningState {}): {v} PTU are deployed and billed (currentCapacity); import again once Azure has applied it",
                            state.unwrap_or("not given")
                        ),
                    ));
                    (v, c)
                }
                _ => (requested, cap),
            };
            let model =
                self.need_prop(n, "model", "the deployed model ({\"name\", \"version\"})")?;
            let model_name = self.req_str(&model, "name", "the model name")?;
            let version = self.opt_string(model.get("version"), "the model version")?;
            let created_at = n.get("systemData").and_then(|sd| sd.get("createdAt"));
            let created = self.opt_time(created_at.clone(), "the creation time")?;
            let modified = self.opt_time(
                n.get("systemData").and_then(|sd| sd.get("lastModifiedAt")),
                "the last modification time",
            )?;
            let id_path = n.key_path("id");
            batch.origins.insert(
                ("deployments", id.clone()),
                Origin::new(&n.path)
                    .field("id", &id_path)
                    .field("resource", &id_path)
                    .field("sku", sku.key_path("name"))
                    .field("sizes.ptu", &cap.path)
                    .field("sizes.at", created_at.map_or(cap.path.clone(), |c| c.path))
                    .field("model", &model.path)
                    .field("version", &model.path),
            );
            batch.deployments.push(ObservedDeployment {
                id: id.clone(),
                resource: resource.to_string(),
                model: model_name.to_string(),
                version: version.unwrap_or_default().to_string(),
                sku: kind,
                ptu,
                created,
                modified,
                failed,
            });
        }
        Ok(())
    }

    // --- commitment plans ---------------------------------------------------

    fn commitment_plans(&self, items: &[Node], batch: &mut Batch) -> R<()> {
        let mut ids = Ids::new();
        for (kind, n) in self.kinds(items, Format::CommitmentPlans)? {
            let id = self.arm_id(n, "the ARM id")?;
            self.unique(&mut ids, &id, &n.path)?;
            match kind {
                Kind::AccountPlan => {
                    let Some((resource, name)) = split_child(&id, "commitmentplans") else {
                        return Err(self.at(
                            &n.key_path("id"),
                            format!("expected a commitment plan id .../accounts/<account>/commitmentPlans/<name>, got {id:?}"),
                        ));
                    };
                    let what = format!("commitment plan {name} on {}", last_segment(resource));
                    if let Some(c) = self.plan(n, &id, resource, what, batch)? {
                        batch.commitments.push(c);
                    }
                }
                Kind::SharedPlan => {
                    let what = format!("shared commitment plan {}", last_segment(&id));
                    if let Some(c) = self.plan(n, &id, "", what, batch)? {
                        batch.shared_plans.push(c);
                    }
                }
                Kind::Association => {
                    let Some((plan, _)) = split_child(&id, "accountassociations") else {
                        return Err(self.at(
                            &n.key_path("id"),
                            format!("expected an association id .../commitmentPlans/<plan>/accountAssociations/<name>, got {id:?}"),
                        ));
                    };
                    let acc = self.need_prop(n, "accountId", "the associated account's ARM id")?;
                    let account = self.string(&acc, "the associated account's ARM id")?;
                    batch.plan_associations.push((
                        plan.to_string(),
                        account.trim_end_matches('/').to_ascii_lowercase(),
                    ));
                }
                _ => unreachable!("kinds() admits only commitment-plan kinds"),
            }
        }
        Ok(())
    }

    /// One commitment plan, or `None` (skipped) when it isn't provisioned throughput.
    fn plan(
        &self,
        n: &Node,
        id: &str,
        resource: &str,
        what: String,
        batch: &mut Batch,
    ) -> R<Option<ObservedCommitment>> {
        let hosting = self.opt_string(n.prop("hostingModel"), "the hosting model")?;
        match hosting {
            Some(h) if h.eq_ignore_ascii_case("ProvisionedWeb") => {}
            Some(h) => {
                batch.skipped.push(Skipped {
                    what,
                    why: format!(
                        "hosting model {h} is not provisioned throughput (only ProvisionedWeb plans are)"
                    ),
                    object: None,
                });
                return Ok(None);
            }
            None => {
                batch.skipped.push(Skipped {
                    what,
                    why: "no hosting model given; only ProvisionedWeb plans are provisioned throughput"
                        .into(),
                    object: None,
                });
                return Ok(None);
            }
        }
        let current = self.need_prop(
            n,
            "current",
            "the current term ({\"count\", \"startDate\"})",
        )?;
        let count = self.need(&current, "count", "the committed PTUs")?;
        let ptu = self.positive(&count, "the committed PTUs")?;
        self.fifty(&count, ptu)?;
        let start = self.need(
            &current,
            "startDate",
            "the current term's start (a provisioned plan always has one)",
        )?;
        let term_start = self.time(&start, "the current term's start")?;
        let end = current.get("endDate");
        let term_end = self.opt_time(end.clone(), "the current term's end")?;
        if let (Some(end), Some(t)) = (&end, term_end) {
            // A commitment term is one calendar month (docs/commitments.md); every
            // renewal after it is computed from that, so Azure's end must agree.
            let derived = add_months(term_start, 1);
            if !same_instant(end, t, derived) {
                return Err(self.at(
                    &end.path,
                    format!(
                        "expected the end of the one-month term that starts {} (at {}), i.e. {}, got {}: ptudesk computes every commitment term from its start",
                        fmt_time(term_start),
                        start.path,
                        fmt_time(derived),
                        fmt_time(t)
                    ),
                ));
            }
        }
        let auto_renew = self
            .opt_bool(n.prop("autoRenew"), "autoRenew")?
            .unwrap_or(false);
        let next_count = n.prop("next").and_then(|x| x.get("count"));
        let next_ptu = match &next_count {
            None => None,
            Some(c) => match self.integer(c, "the PTUs to renew at, a non-negative integer")? {
                0 => None,
                i if i > 0 => {
                    self.fifty(c, i)?;
                    Some(i)
                }
                _ => {
                    return Err(self.at(
                        &c.path,
                        format!(
                            "expected the PTUs to renew at, a non-negative integer, got {}",
                            show(c.v)
                        ),
                    ));
                }
            },
        };
        let id_path = n.key_path("id");
        let renewal_path = match &next_count {
            Some(c) => c.path.clone(),
            None => n.prop_path("autoRenew"),
        };
        batch.origins.insert(
            ("commitments", id.to_string()),
            Origin::new(&n.path)
                .field("id", &id_path)
                .field("resource", &id_path)
                .field("ptu", &count.path)
                .field("additions", &count.path)
                .field("start", &start.path)
                .field("renewal", &renewal_path)
                .field("renewal_changes", &renewal_path),
        );
        Ok(Some(ObservedCommitment {
            id: id.to_string(),
            resource: resource.to_string(),
            ptu,
            term_start,
            term_end,
            auto_renew,
            next_ptu,
        }))
    }

    // --- usages -------------------------------------------------------------

    fn usages(&self, items: &[Node], placement: &Placement, batch: &mut Batch) -> R<()> {
        let items = self.kinds(items, Format::Usages)?;
        let subscription = placement
            .subscription
            .as_deref()
            .map(|s| {
                let s = s.trim().trim_end_matches('/');
                segment_after(s, "subscriptions")
                    .unwrap_or(s)
                    .to_ascii_lowercase()
            })
            .filter(|s| !s.is_empty());
        let region = placement
            .region
            .as_deref()
            .map(region_name)
            .filter(|s| !s.is_empty());
        let (subscription, region) = match (subscription, region) {
            (Some(s), Some(r)) => (s, r),
            (s, r) => {
                let give = match (s, r) {
                    (None, None) => "give --subscription and --region",
                    (None, Some(_)) => "give --subscription",
                    _ => "give --region",
                };
                return Err(self.err(
                    None,
                    format!("az cognitiveservices usage list output carries neither subscription nor region: {give}"),
                ));
            }
        };
        let mut seen: HashMap<String, String> = HashMap::new();
        for (_, n) in items {
            let name = self.need(n, "name", "the usage name ({\"value\"})")?;
            let value = self.req_str(&name, "value", "the usage name")?;
            let short = value
                .get(..7)
                .filter(|p| p.eq_ignore_ascii_case("openai."))
                .map(|_| &value[7..]);
            // `OpenAI.<type>` is the pooled row of a deployment type;
            // `OpenAI.<type>.<model>-<version>` a model-specific one.
            let (type_name, model) = match short.and_then(|s| s.split_once('.')) {
                Some((t, m)) => (Some(t), Some(m)),
                None => (short, None),
            };
            let Some(sku) = type_name.and_then(Sku::from_azure_name) else {
                batch.skipped.push(Skipped {
                    what: format!("usage {value}"),
                    why: "not a provisioned-throughput quota".into(),
                    object: None,
                });
                continue;
            };
            let model = match model.map(split_model_version) {
                None => None,
                Some(Some(mv)) => Some(mv),
                Some(None) => {
                    return Err(self.at(
                        &name.key_path("value"),
                        format!(
                            "expected a model-specific quota named OpenAI.<type>.<model>-<version> (such as OpenAI.ProvisionedManaged.o3-2025-04-16), got {value:?}"
                        ),
                    ));
                }
            };
            let lim = self.need(n, "limit", "the quota limit")?;
            let limit = match integer_of(lim.v) {
                Some(l) if l >= 0 => l,
                _ => {
                    return Err(self.at(
                        &lim.path,
                        format!(
                            "expected the quota limit, a non-negative integer, got {}",
                            show(lim.v)
                        ),
                    ));
                }
            };
            let quota = Quota {
                subscription: subscription.clone(),
                region: region.clone(),
                sku,
                limit,
                model: model.map(|(m, _)| m.to_string()),
                version: model.map(|(_, v)| v.to_string()),
            };
            if let Some(first) = seen.get(&quota.subject()) {
                return Err(self.at(
                    &n.path,
                    format!("duplicate quota {value}: also at {first}; expected each quota once per file"),
                ));
            }
            seen.insert(quota.subject(), n.path.clone());
            batch.origins.insert(
                ("quotas", quota_key(&quota)),
                Origin::new(&n.path).field("limit", &lim.path),
            );
            batch.quotas.push(quota);
        }
        Ok(())
    }

    // --- model capacities ---------------------------------------------------

    /// A `modelCapacities` answer (subscription-wide or location-based):
    /// each item a location, SKU and model with `availableCapacity`, dated
    /// `at` (when Azure was asked). SKUs other than the three provisioned
    /// ones are skipped and counted.
    fn model_capacities(&self, items: &[Node], at: Time, batch: &mut Batch) -> R<()> {
        let items = self.kinds(items, Format::ModelCapacities)?;
        let mut seen: HashMap<String, String> = HashMap::new();
        for (_, n) in items {
            let sku_name = self.string(
                &self.need_prop(n, "skuName", "the SKU name")?,
                "the SKU name",
            )?;
            let model = self.need_prop(n, "model", "the model ({\"name\", \"version\"})")?;
            let name = self.req_str(&model, "name", "the model name")?;
            let version = self.req_str(&model, "version", "the model version")?;
            let location = match n.get("location") {
                Some(l) => self.string(&l, "the location")?.to_string(),
                None => {
                    let id = self.req_str(n, "id", "the location (or an id naming it)")?;
                    segment_after(id, "locations")
                        .ok_or_else(|| {
                            self.at(
                                &n.key_path("id"),
                                format!("expected an id with /locations/<region>/, got {id:?}"),
                            )
                        })?
                        .to_string()
                }
            };
            let region = region_name(&location);
            let Some(sku) = Sku::from_azure_name(sku_name) else {
                batch.skipped.push(Skipped {
                    what: format!("capacity {name} {version} {sku_name} in {region}"),
                    why: "not a provisioned-throughput SKU".into(),
                    object: None,
                });
                continue;
            };
            let avail = self.need_prop(n, "availableCapacity", "the available capacity")?;
            let available = match integer_of(avail.v) {
                Some(a) if (0..=MAX_PTU).contains(&a) => a,
                _ => {
                    return Err(self.at(
                        &avail.path,
                        format!(
                            "expected the available capacity, an integer from 0 to {MAX_PTU}, got {}",
                            show(avail.v)
                        ),
                    ));
                }
            };
            let cap = crate::domain::ModelCapacity {
                region,
                sku,
                model: name.to_string(),
                version: version.to_string(),
                available,
                as_of: at,
            };
            let key = cap.key();
            if let Some(first) = seen.get(&key) {
                return Err(self.at(
                    &n.path,
                    format!(
                        "duplicate capacity for {name} {version} {sku_name} in {}: also at {first}; expected each once per file",
                        cap.region
                    ),
                ));
            }
            seen.insert(key.clone(), n.path.clone());
            batch.origins.insert(
                ("model_capacities", key),
                Origin::new(&n.path).field("available", &avail.path),
            );
            batch.model_capacities.push(cap);
        }
        Ok(())
    }

    // --- reservations -------------------------------------------------------

    fn reservations(&self, items: &[Node], batch: &mut Batch) -> R<()> {
        let items = self.kinds(items, Format::Reservations)?;
        let mut ids = Ids::new();
        // Orders first: a reservation without a billing plan takes its order's.
        for (kind, n) in &items {
            if *kind == Kind::Order {
                let id = self.arm_id(n, "the reservation order's ARM id")?;
                self.unique(&mut ids, &id, &n.path)?;
                batch.reservation_orders.push(self.order(n, id)?);
            }
        }
        let mut accounts = Accounts::default();
        for (kind, n) in &items {
            if *kind == Kind::Reservation {
                let id = self.arm_id(n, "the reservation's ARM id")?;
                self.unique(&mut ids, &id, &n.path)?;
                self.reservation(n, id, batch, &mut accounts)?;
            }
        }
        batch.billing_accounts = accounts.build();
        Ok(())
    }

    fn order(&self, n: &Node, id: String) -> R<ReservationOrder> {
        let billing = match self.opt_string(n.prop("billingPlan"), "the billing plan")? {
            None => None,
            Some(b) => Some(billing_of(b).ok_or_else(|| {
                self.at(
                    &n.prop_path("billingPlan"),
                    format!("expected the billing plan Upfront or Monthly, got {b:?}"),
                )
            })?),
        };
        let term = self
            .opt_string(n.prop("term"), "the term")?
            .and_then(term_of);
        let start = match n.prop("benefitStartTime") {
            Some(t) => Some(self.time(&t, "the benefit start")?),
            None => self.opt_time(n.prop("createdDateTime"), "the creation time")?,
        };
        let mut reservations = vec![];
        if let Some(list) = n.prop("reservations") {
            if !list.v.is_array() {
                return Err(self.at(
                    &list.path,
                    format!(
                        "expected the order's reservations (an array of {{\"id\"}}), got {}",
                        json_kind(list.v)
                    ),
                ));
            }
            for r in list.elements() {
                let rid = self.req_str(&r, "id", "the reservation's ARM id")?;
                reservations.push(rid.trim_end_matches('/').to_ascii_lowercase());
            }
        }
        Ok(ReservationOrder {
            id,
            billing,
            term,
            start,
            reservations,
        })
    }

    fn reservation(
        &self,
        n: &Node,
        id: String,
        batch: &mut Batch,
        accounts: &mut Accounts,
    ) -> R<()> {
        let display = self.opt_string(n.prop("displayName"), "the display name")?;
        let sku_name = match n.get("sku") {
            Some(s) => self.opt_string(s.get("name"), "the SKU name")?,
            None => None,
        };
        let sku_desc = self.opt_string(n.prop("skuDescription"), "the SKU description")?;
        let what = format!(
            "reservation {}",
            display.unwrap_or_else(|| last_segment(&id))
        );
        let texts = [sku_name, sku_desc, display];
        let rtype =
            self.opt_string(n.prop("reservedResourceType"), "the reserved resource type")?;
        let ptu_type = rtype.is_some_and(|t| t.eq_ignore_ascii_case(PTU_RESERVED_TYPE));
        let sku = texts.into_iter().flatten().find_map(ptu_sku_in_text);
        let sku = match sku {
            Some(s) => s,
            // Azure OpenAI's own reserved resource type: provisioned
            // throughput for sure; its deployment type must be readable.
            None if ptu_type => texts
                .into_iter()
                .flatten()
                .find_map(deployment_type_in_text)
                .ok_or_else(|| {
                    let path = match n.get("sku") {
                        Some(s) => s.key_path("name"),
                        None => n.key_path("sku"),
                    };
                    self.at(
                        &path,
                        format!(
                            "expected the deployment type (Global, Data Zone or Regional) of this {PTU_RESERVED_TYPE} reservation in sku.name, skuDescription or displayName, got sku.name {}, skuDescription {} and displayName {}",
                            sku_name.map_or("none".into(), |s| format!("{s:?}")),
                            sku_desc.map_or("none".into(), |s| format!("{s:?}")),
                            display.map_or("none".into(), |s| format!("{s:?}")),
                        ),
                    )
                })?,
            None => {
                batch.skipped.push(Skipped {
                    what,
                    why: format!(
                        "reserved resource type {} (SKU {}) is not provisioned throughput",
                        rtype.unwrap_or("unknown"),
                        sku_name.unwrap_or("unknown")
                    ),
                    object: None,
                });
                return Ok(());
            }
        };
        let state = [
            self.opt_string(n.prop("provisioningState"), "the provisioning state")?,
            self.opt_string(n.prop("displayProvisioningState"), "the provisioning state")?,
        ];
        let has_state = |s: &str| state.iter().flatten().any(|x| x.eq_ignore_ascii_case(s));
        // A split or merge moves PTUs between reservations of one order:
        // Azure cancels the source with the status Split or Merged (no
        // refund) and its parts or survivor take over at that instant.
        let status = match n.prop("extendedStatusInfo") {
            Some(x) => self.opt_string(x.get("statusCode"), "the status code")?,
            None => None,
        };
        let moved = ["Split", "Merged"]
            .iter()
            .any(|s| has_state(s) || status.is_some_and(|x| x.eq_ignore_ascii_case(s)));
        let part = n
            .prop("splitProperties")
            .is_some_and(|x| x.get("splitSource").is_some())
            || n.prop("mergeProperties")
                .and_then(|x| x.get("mergeSources"))
                .is_some_and(|x| x.v.as_array().is_some_and(|a| !a.is_empty()));
        if moved && part {
            // Split off and then merged (or split) away: the instant it took
            // over is no longer in Azure's listing.
            batch.skipped.push(Skipped::new(
                what,
                "a part of an earlier split or merge, itself split or merged away: the instant it took over is no longer shown, so its PTUs are counted in the reservations that now hold them",
            ));
            return Ok(());
        }
        if !moved && has_state("Cancelled") {
            batch.cancelled_reservations.push(id);
            return Ok(());
        }
        for s in ["Failed"] {
            if has_state(s) {
                batch.skipped.push(Skipped {
                    what,
                    why: format!("its state is {s}: it no longer bills (or never did)"),
                    object: None,
                });
                return Ok(());
            }
        }
        // What this reservation's order (in the same file) says.
        let order = split_child(&id, "reservations")
            .and_then(|(order_id, _)| {
                batch
                    .reservation_orders
                    .iter()
                    .find(|o| o.id == order_id || o.reservations.contains(&id))
            })
            .map(|o| (o.term, o.billing, o.start));
        let (order_term, order_billing, order_start) = order.unwrap_or_default();
        let term = match self.opt_string(n.prop("term"), "the term")? {
            Some(t) => match term_of(t) {
                Some(t) => t,
                None => {
                    batch.skipped.push(Skipped {
                        what,
                        why: format!(
                            "term {t} is not offered for provisioned throughput (P1M or P1Y)"
                        ),
                        object: None,
                    });
                    return Ok(());
                }
            },
            None => order_term.ok_or_else(|| {
                self.at(
                    &n.prop_path("term"),
                    "missing: expected the term, P1M or P1Y",
                )
            })?,
        };
        let billing = match self.opt_string(n.prop("billingPlan"), "the billing plan")? {
            Some(b) => billing_of(b).ok_or_else(|| {
                self.at(
                    &n.prop_path("billingPlan"),
                    format!("expected the billing plan Upfront or Monthly, got {b:?}"),
                )
            })?,
            None => order_billing.unwrap_or(Billing::Upfront),
        };
        // The instant of the split or merge, for the source and for the parts
        // or survivor: `effectiveDateTime` (the new revision's start).
        let taken_over = if moved || part {
            let e = self.need_prop(
                n,
                "effectiveDateTime",
                "the instant of the split or merge (effectiveDateTime)",
            )?;
            Some(self.time(&e, "the instant of the split or merge")?)
        } else {
            None
        };
        // A split part or merge survivor keeps the original term: its start
        // is `benefitStartTime`, else its (original) expiry less the term;
        // never its `effectiveDateTime`.
        let start_node = if moved || part {
            n.prop("benefitStartTime")
        } else {
            ["benefitStartTime", "effectiveDateTime", "purchaseDateTime"]
                .into_iter()
                .find_map(|k| n.prop(k))
        };
        let from_expiry = match (&start_node, moved || part) {
            (None, true) => match n.prop("expiryDateTime").or_else(|| n.prop("expiryDate")) {
                Some(en) => {
                    let t = self.time(&en, "the reservation's expiry")?;
                    Some((add_months(t, -term.months()), en.path.clone()))
                }
                None => {
                    return Err(self.at(
                        &n.prop_path("benefitStartTime"),
                        "missing: expected the original term's start (benefitStartTime) or expiry (expiryDateTime) of a split or merged reservation",
                    ));
                }
            },
            _ => None,
        };
        let (start, start_path) = match (&start_node, from_expiry) {
            (_, Some((t, path))) => (t, path),
            (Some(t), None) => (self.time(t, "the reservation's start")?, t.path.clone()),
            (None, None) => (
                order_start.ok_or_else(|| {
                    self.at(
                        &n.prop_path("benefitStartTime"),
                        "missing: expected the reservation's start (benefitStartTime, effectiveDateTime or purchaseDateTime)",
                    )
                })?,
                "its order's benefitStartTime".to_string(),
            ),
        };
        // Azure's expiry must be the start plus the term (docs/reservations.md): every
        // period, renewal and refund is computed from the start, so a file
        // where they disagree would be rated on dates Azure does not bill.
        let expiry = n.prop("expiryDateTime").or_else(|| n.prop("expiryDate"));
        if let Some(en) = expiry {
            let t = self.time(&en, "the reservation's expiry")?;
            let derived = add_months(start, term.months());
            if !same_instant(&en, t, derived) {
                return Err(self.at(
                    &en.path,
                    format!(
                        "expected the end of the {} term that starts {} (at {start_path}), i.e. {}, got {}: ptudesk computes a reservation's periods and expiry from its start and term, so it does not import one where Azure says otherwise (give benefitStartTime, or import the reservation as a snapshot)",
                        term.code(),
                        fmt_time(start),
                        fmt_time(derived),
                        fmt_time(t)
                    ),
                ));
            }
        }
        let qty = self.need_prop(n, "quantity", "the reserved PTUs")?;
        let ptu = self.positive(&qty, "the reserved PTUs")?;
        self.at_most(&qty, ptu)?;
        let location = self.req_str(n, "location", "the reservation's region (\"location\")")?;
        let renew = self.opt_bool(n.prop("renew"), "renew")?.unwrap_or(false);
        let billing_scope = self
            .opt_string(n.prop("billingScopeId"), "the billing scope")?
            .map(|b| b.trim_end_matches('/').to_ascii_lowercase());
        let billing_sub = billing_scope
            .as_deref()
            .and_then(|b| segment_after(b, "subscriptions"))
            .map(str::to_string);
        let (scope, scope_path) = self.scope(
            n,
            billing_scope.as_deref(),
            billing_sub.as_deref(),
            batch,
            accounts,
        )?;
        if let Scope::Shared { billing_account } = &scope {
            let at = match billing_scope {
                Some(_) => n.prop_path("billingScopeId"),
                None => scope_path.clone(),
            };
            batch
                .origins
                .entry(("billing_accounts", billing_account.clone()))
                .or_insert_with(|| Origin::new(&at));
        } else if let Some(b) = &billing_scope {
            batch
                .origins
                .entry(("billing_accounts", b.clone()))
                .or_insert_with(|| Origin::new(&n.prop_path("billingScopeId")));
        }
        if let Scope::ManagementGroup { management_group } = &scope {
            batch
                .origins
                .entry(("management_groups", management_group.clone()))
                .or_insert_with(|| Origin::new(&scope_path));
        }
        let renew_path = n.prop_path("renew");
        let term_path = n.prop_path("term");
        batch.origins.insert(
            ("reservations", id.clone()),
            Origin::new(&n.path)
                .field("id", n.key_path("id"))
                .field("ptu", &qty.path)
                .field("start", &start_path)
                .field("term", &term_path)
                .field("billing", n.prop_path("billingPlan"))
                .field("region", n.key_path("location"))
                .field("scope", &scope_path)
                .field("scope_changes", &scope_path)
                .field("renewal", &renew_path)
                .field("renewal_changes", &renew_path),
        );
        batch.reservations.push(Reservation {
            id,
            name: display.unwrap_or_default().to_string(),
            region: region_name(location),
            sku,
            ptu,
            term,
            billing,
            start,
            scope,
            scope_changes: vec![],
            renewal: if renew {
                ReservationRenewal::Autorenew
            } else {
                ReservationRenewal::None
            },
            renewal_changes: vec![],
            refunded_at: None,
            refunded_approximate: false,
            refunded_reported: false,
            moved_at: taken_over.filter(|_| moved),
            effective_from: taken_over.filter(|t| part && *t > start),
            price: None,
        });
        Ok(())
    }

    fn scope(
        &self,
        n: &Node,
        billing_scope: Option<&str>,
        billing_sub: Option<&str>,
        batch: &mut Batch,
        accounts: &mut Accounts,
    ) -> R<(Scope, String)> {
        let kind_node = self.need_prop(
            n,
            "appliedScopeType",
            "the scope type (Single, ManagementGroup or Shared)",
        )?;
        let kind = self.string(
            &kind_node,
            "the scope type (Single, ManagementGroup or Shared)",
        )?;
        let props = n.prop("appliedScopeProperties");
        let prop_str = |key: &str| -> R<Option<(String, String)>> {
            let Some(p) = props.as_ref().and_then(|p| p.get(key)) else {
                return Ok(None);
            };
            let s = self.string(&p, key)?;
            Ok(Some((
                s.trim_end_matches('/').to_ascii_lowercase(),
                p.path.clone(),
            )))
        };
        let first_applied = || -> R<Option<(String, String)>> {
            let Some(list) = n.prop("appliedScopes") else {
                return Ok(None);
            };
            let Some(first) = list.elements().into_iter().next() else {
                return Ok(None);
            };
            let s = self.string(&first, "an applied scope (an ARM id)")?;
            Ok(Some((
                s.trim_end_matches('/').to_ascii_lowercase(),
                first.path,
            )))
        };
        match squash(kind).as_str() {
            "single" => {
                let target = match first_applied()? {
                    Some(t) => Some(t),
                    None => match prop_str("resourceGroupId")? {
                        Some(t) => Some(t),
                        None => prop_str("subscriptionId")?,
                    },
                };
                let Some((target, path)) = target else {
                    return Err(self.at(
                        &n.prop_path("appliedScopes"),
                        "missing: expected the subscription or resource group of a Single scope (appliedScopes or appliedScopeProperties)",
                    ));
                };
                let Some(subscription) = segment_after(&target, "subscriptions") else {
                    return Err(self.at(
                        &path,
                        format!("expected /subscriptions/<id> or /subscriptions/<id>/resourceGroups/<group>, got {target:?}"),
                    ));
                };
                if let Some(account) = billing_scope {
                    accounts.add(account, billing_sub, true);
                    accounts.add(account, Some(subscription), false);
                }
                let scope = match segment_after(&target, "resourcegroups") {
                    Some(rg) => Scope::ResourceGroup {
                        subscription: subscription.to_string(),
                        resource_group: rg.to_string(),
                    },
                    None => Scope::Subscription {
                        subscription: subscription.to_string(),
                    },
                };
                Ok((scope, path))
            }
            "managementgroup" => {
                let target = match prop_str("managementGroupId")? {
                    Some(t) => Some(t),
                    None => first_applied()?.filter(|(t, _)| t.contains("managementgroups")),
                };
                let Some((target, target_path)) = target else {
                    let path = match &props {
                        Some(p) => p.key_path("managementGroupId"),
                        None => n.prop_path("appliedScopeProperties"),
                    };
                    return Err(self.at(
                        &path,
                        "missing: expected the management group of a ManagementGroup scope (appliedScopeProperties.managementGroupId)",
                    ));
                };
                let id = last_segment(&target).to_string();
                if !batch.management_groups.iter().any(|g| g.id == id) {
                    batch.management_groups.push(ManagementGroup {
                        id: id.clone(),
                        parent: None,
                        subscriptions: vec![],
                    });
                }
                Ok((
                    Scope::ManagementGroup {
                        management_group: id,
                    },
                    target_path,
                ))
            }
            "shared" => {
                let account = billing_scope.unwrap_or("shared").to_string();
                accounts.add(&account, billing_sub, true);
                Ok((
                    Scope::Shared {
                        billing_account: account,
                    },
                    kind_node.path.clone(),
                ))
            }
            _ => Err(self.at(
                &kind_node.path,
                format!("expected the scope type Single, ManagementGroup or Shared, got {kind:?}"),
            )),
        }
    }

    // --- retail prices ------------------------------------------------------

    fn prices(
        &self,
        items: &[Node],
        next_page: Option<&str>,
        now: Time,
        batch: &mut Batch,
    ) -> R<()> {
        let items = self.kinds(items, Format::RetailPrices)?;
        let mut rows: BTreeMap<(String, Sku), PriceAcc> = BTreeMap::new();
        for (_, n) in items {
            let s = |key: &str| self.opt_string(n.get(key), key);
            let meter = s("meterName")?.unwrap_or("");
            let sku_name = s("skuName")?.unwrap_or("");
            let product = s("productName")?.unwrap_or("");
            let region_raw = s("armRegionName")?.unwrap_or("");
            let kind = s("type")?.unwrap_or("");
            let what = format!(
                "price {} ({sku_name}) in {}",
                if meter.is_empty() { product } else { meter },
                if region_raw.is_empty() {
                    "no region"
                } else {
                    region_raw
                }
            );
            let mut skip = |why: String| {
                batch.skipped.push(Skipped {
                    what: what.clone(),
                    why,
                    object: None,
                })
            };
            if let Some(c) = s("currencyCode")?
                && !c.eq_ignore_ascii_case("USD")
            {
                skip(format!("currency {c}; only USD prices are imported"));
                continue;
            }
            let field = if kind.eq_ignore_ascii_case("Consumption") {
                if !product.eq_ignore_ascii_case("Azure OpenAI") {
                    skip(format!(
                        "product {product} is not Azure OpenAI provisioned throughput"
                    ));
                    continue;
                }
                let unit = s("unitOfMeasure")?.unwrap_or("");
                if unit != "1/Hour" {
                    skip(format!("unit {unit} is not the hourly PTU meter (1/Hour)"));
                    continue;
                }
                0
            } else if kind.eq_ignore_ascii_case("Reservation") {
                if !squash(product).contains("provisionedthroughputreservation") {
                    skip(format!(
                        "product {product} is not a provisioned throughput reservation"
                    ));
                    continue;
                }
                match squash(s("reservationTerm")?.unwrap_or("")).as_str() {
                    "1month" => 1,
                    "1year" => 2,
                    _ => {
                        skip(format!(
                            "reservation term {} is not offered for provisioned throughput (1 Month or 1 Year)",
                            s("reservationTerm")?.unwrap_or("none")
                        ));
                        continue;
                    }
                }
            } else {
                skip(format!(
                    "price type {kind} is not imported (Consumption or Reservation)"
                ));
                continue;
            };
            let Some(sku) = ptu_sku_in_text(sku_name) else {
                skip(format!(
                    "SKU {sku_name} is not provisioned throughput (Provisioned Managed Global, Data Zone or Regional)"
                ));
                continue;
            };
            let region = region_name(region_raw);
            if region.is_empty() {
                skip("no armRegionName: the price has no region".into());
                continue;
            }
            let pn = self.need(n, "retailPrice", "the price")?;
            let price = match decimal_of(pn.v) {
                Some(d) if !d.is_sign_negative() => d,
                _ => {
                    return Err(self.at(
                        &pn.path,
                        format!(
                            "expected the price, a non-negative amount, got {}",
                            show(pn.v)
                        ),
                    ));
                }
            };
            let date = self
                .opt_time(n.get("effectiveStartDate"), "the price's effective start")?
                .map(|t| t.date_naive());
            rows.entry((region, sku))
                .or_default()
                .offer(field, price, date, &pn.path);
        }
        for ((region, sku), acc) in rows {
            let mut origin = Origin::default();
            for (name, f) in ["hourly", "reservation_month", "reservation_year"]
                .into_iter()
                .zip(&acc.fields)
            {
                if let Some((_, _, path)) = f {
                    if origin.path.is_empty() {
                        // The row: its first price item.
                        origin.path = path.trim_end_matches(".retailPrice").to_string();
                    }
                    origin = origin.field(name, path);
                }
            }
            batch
                .origins
                .insert(("prices", price_key(&region, sku)), origin);
            let [hourly, month, year] = acc.fields;
            let as_of = [&hourly, &month, &year]
                .into_iter()
                .flatten()
                .filter_map(|(_, d, _)| *d)
                .max()
                .unwrap_or_else(|| now.date_naive());
            batch.prices.push(PriceRow {
                region,
                sku,
                hourly: hourly.map(|(p, _, _)| p),
                reservation_month: month.map(|(p, _, _)| p),
                reservation_year: year.map(|(p, _, _)| p),
                commitment_month: None,
                verified: Some(true),
                source: Some("Azure Retail Prices API".into()),
                as_of: Some(as_of.format("%Y-%m-%d").to_string()),
            });
        }
        if let Some(link) = next_page {
            batch.skipped.push(Skipped {
                what: "the following pages of the price list".into(),
                why: format!(
                    "NextPageLink is not followed ({link}): fetch every page and import each file"
                ),
                object: None,
            });
        }
        Ok(())
    }
}

/// Prices gathered for one (region, SKU): hourly, one-month and one-year
/// reservation, each with its effective date and the JSON path it was read at.
#[derive(Default)]
struct PriceAcc {
    fields: [Option<(Decimal, Option<NaiveDate>, String)>; 3],
}

impl PriceAcc {
    /// Keeps the price with the latest effective date (the first on a tie).
    fn offer(&mut self, field: usize, price: Decimal, date: Option<NaiveDate>, path: &str) {
        match &self.fields[field] {
            Some((_, old, _)) if *old >= date => {}
            _ => self.fields[field] = Some((price, date, path.to_string())),
        }
    }
}

/// Billing accounts gathered from reservations' billing scopes. A
/// subscription joins one account only: the one it is the billing
/// subscription of, else the first that names it.
#[derive(Default)]
struct Accounts {
    order: Vec<String>,
    /// subscription -> (account, is its billing subscription)
    subs: Vec<(String, String, bool)>,
}

impl Accounts {
    fn add(&mut self, account: &str, sub: Option<&str>, billing: bool) {
        if !self.order.iter().any(|a| a == account) {
            self.order.push(account.to_string());
        }
        let Some(sub) = sub else { return };
        match self.subs.iter_mut().find(|(s, _, _)| s == sub) {
            Some(entry) => {
                if billing && !entry.2 {
                    *entry = (sub.to_string(), account.to_string(), true);
                }
            }
            None => self
                .subs
                .push((sub.to_string(), account.to_string(), billing)),
        }
    }

    fn build(self) -> Vec<BillingAccount> {
        self.order
            .iter()
            .map(|a| BillingAccount {
                id: a.clone(),
                subscriptions: self
                    .subs
                    .iter()
                    .filter(|(_, acc, _)| acc == a)
                    .map(|(s, _, _)| s.clone())
                    .collect(),
            })
            .collect()
    }
}

/// The API version of the top-level commitment plan calls made through `az rest`.
pub const COMMITMENT_PLANS_API: &str = "2025-06-01";

/// The az command line (with placeholders) that lists a shared commitment
/// plan's account associations: az has no command of its own for them.
pub fn plan_associations_command() -> String {
    format!(
        "az rest --method get --url '/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.CognitiveServices/commitmentPlans/PLAN/accountAssociations?api-version={COMMITMENT_PLANS_API}' --output json"
    )
}
