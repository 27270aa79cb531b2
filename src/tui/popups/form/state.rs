//! An edit form's state: its fields, their values and how they take keys,
//! and the [`Edit`] they build. Drawing and keys are in `draw.rs` and
//! `keys.rs`; [`crate::tui::state::Overlay::Form`] holds one.

use crate::domain::notice::Notification;
use crate::domain::plan::Edit;
use crate::domain::time::{Time, ceil_minute, fmt_time, midnight};
use crate::domain::{
    Billing, CommitmentRenewal, Estate, Reservation, ReservationRenewal, Scope, Sku, Term,
};
use crate::planner::preview::PreviewOutcome;
use crate::tui::action::TextKey;
use crate::tui::data::{self, commitment_setting, reservation_setting};
use crate::tui::edit::{new_reservation_id, scopes};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use tui_input::{Input, InputRequest};

/// What a field holds.
#[derive(Debug, Clone)]
pub enum FieldKind {
    Choice {
        options: Vec<String>,
        index: usize,
    },
    /// Allowed values are `min`, `min + step`, ...
    Number {
        input: Input,
        step: i64,
        min: i64,
    },
    Text(Input),
    Time(Input),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub kind: FieldKind,
    /// Not shown, not focused (it does not apply to the other choices).
    pub hidden: bool,
    /// The value is selected: the first character typed replaces it.
    pub fresh: bool,
    /// May be left empty (a time: none).
    pub optional: bool,
}

/// Parses a time typed into a form: exactly RFC 3339, `YYYY-MM-DD`
/// (midnight UTC) or `YYYY-MM-DD HH:MM` (UTC), fully typed.
pub fn parse_when(s: &str) -> Result<Time, String> {
    let s = s.trim();
    let bad = || {
        format!(
            "type a whole time: a date (2026-11-05), a date and UTC time (2026-11-05 09:00) or RFC 3339 (2026-11-05T09:00:00Z); {s:?} is not one"
        )
    };
    if shape_of(s, "dddd-dd-dd") {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(midnight)
            .map_err(|_| format!("{s} is not a date in the calendar"));
    }
    if shape_of(s, "dddd-dd-dd dd:dd") {
        return NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .map(|t| t.and_utc())
            .map_err(|_| format!("{s} is not a time in the calendar"));
    }
    // RFC 3339 with every field padded (chrono's parser checks the rest).
    let padded =
        s.len() >= 20 && s.is_char_boundary(19) && shape_of(&s[..19], "dddd-dd-ddTdd:dd:dd");
    if padded && let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    Err(bad())
}

/// True when `s` has the pattern's shape: `d` a digit, `T` a T (either
/// case), anything else itself.
fn shape_of(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'd' => c.is_ascii_digit(),
            b'T' => c == b'T' || c == b't',
            p => c == p,
        })
}

/// The next allowed value above `v` (the minimum below it).
fn step_up(v: Option<i64>, min: i64, step: i64) -> i64 {
    match v {
        Some(v) if v >= min => min + ((v - min) / step + 1) * step,
        _ => min,
    }
}

/// The allowed value below `v`, never under the minimum.
fn step_down(v: Option<i64>, min: i64, step: i64) -> i64 {
    match v {
        Some(v) if v > min => min + ((v - min - 1) / step) * step,
        _ => min,
    }
}

impl Field {
    fn new(label: &'static str, kind: FieldKind) -> Field {
        Field {
            label,
            kind,
            hidden: false,
            fresh: true,
            optional: false,
        }
    }
    fn choice(label: &'static str, options: Vec<String>, index: usize) -> Field {
        Field::new(label, FieldKind::Choice { options, index })
    }
    fn number(label: &'static str, value: i64, step: i64, min: i64) -> Field {
        Field::new(
            label,
            FieldKind::Number {
                input: Input::new(value.to_string()),
                step: step.max(1),
                min,
            },
        )
    }
    fn text(label: &'static str, value: &str) -> Field {
        Field::new(label, FieldKind::Text(Input::new(value.into())))
    }
    fn time(label: &'static str, value: Time) -> Field {
        Field::new(label, FieldKind::Time(Input::new(fmt_time(value))))
    }
    fn optional_time(label: &'static str) -> Field {
        Field {
            optional: true,
            ..Field::new(label, FieldKind::Time(Input::default()))
        }
    }

    /// The value as shown.
    pub fn display(&self) -> String {
        match &self.kind {
            FieldKind::Choice { options, index } => format!("◂ {} ▸", options[*index]),
            FieldKind::Number { input, .. } | FieldKind::Text(input) | FieldKind::Time(input) => {
                input.value().to_string()
            }
        }
    }

    /// The cursor's column within the value, for text-like fields.
    pub fn cursor(&self) -> Option<usize> {
        match &self.kind {
            FieldKind::Choice { .. } => None,
            FieldKind::Number { input, .. } | FieldKind::Text(input) | FieldKind::Time(input) => {
                Some(input.visual_cursor())
            }
        }
    }

    /// True for fields typed into (numbers, text, times).
    pub fn typed(&self) -> bool {
        !matches!(self.kind, FieldKind::Choice { .. })
    }

    fn choice_index(&self) -> usize {
        match &self.kind {
            FieldKind::Choice { index, .. } => *index,
            _ => 0,
        }
    }

    fn value(&self) -> &str {
        match &self.kind {
            FieldKind::Number { input, .. } | FieldKind::Text(input) | FieldKind::Time(input) => {
                input.value()
            }
            FieldKind::Choice { options, index } => &options[*index],
        }
    }

    fn number_value(&self) -> Result<i64, String> {
        self.value().trim().parse::<i64>().map_err(|_| {
            format!(
                "{}: expected a whole number, got {:?}",
                self.label,
                self.value()
            )
        })
    }

    fn time_value(&self) -> Result<Time, String> {
        parse_when(self.value()).map_err(|e| format!("{}: {e}", self.label))
    }

    /// An optional time: None when left empty.
    fn optional_time_value(&self) -> Result<Option<Time>, String> {
        if self.value().trim().is_empty() {
            Ok(None)
        } else {
            self.time_value().map(Some)
        }
    }

    /// Applies a typed key; true when the value changed.
    pub fn key(&mut self, k: TextKey) -> bool {
        let fresh = std::mem::replace(&mut self.fresh, false);
        match &mut self.kind {
            FieldKind::Choice { options, index } => {
                let n = options.len();
                match k {
                    TextKey::Right
                    | TextKey::Char(' ')
                    | TextKey::Char('+')
                    | TextKey::Char('l') => {
                        *index = (*index + 1) % n;
                        true
                    }
                    TextKey::Left | TextKey::Char('-') | TextKey::Char('h') => {
                        *index = (*index + n - 1) % n;
                        true
                    }
                    _ => false,
                }
            }
            FieldKind::Number { input, step, min } => {
                let cur = input.value().trim().parse::<i64>().ok();
                match k {
                    TextKey::Char('+') | TextKey::Right => {
                        *input = Input::new(step_up(cur, *min, *step).to_string());
                        // A stepped value stays selected, as in a spin box.
                        self.fresh = fresh;
                        true
                    }
                    TextKey::Char('-') | TextKey::Left => {
                        *input = Input::new(step_down(cur, *min, *step).to_string());
                        self.fresh = fresh;
                        true
                    }
                    TextKey::Char(c) if !c.is_ascii_digit() => {
                        self.fresh = fresh;
                        false
                    }
                    other => typed_key(input, other, fresh),
                }
            }
            FieldKind::Text(input) | FieldKind::Time(input) => typed_key(input, k, fresh),
        }
    }

    /// Takes pasted text in one go (as [`pasted`] cleans it); a choice
    /// takes none, a number only its digits. True when the value changed.
    pub fn paste(&mut self, text: &str) -> bool {
        let digits_only = match &self.kind {
            FieldKind::Choice { .. } => return false,
            FieldKind::Number { .. } => true,
            FieldKind::Text(_) | FieldKind::Time(_) => false,
        };
        let mut changed = false;
        for c in pasted(text).chars() {
            if digits_only && !c.is_ascii_digit() {
                continue;
            }
            changed |= self.key(TextKey::Char(c));
        }
        changed
    }
}

/// The most characters a text field holds: typing or pasting stops there.
pub const MAX_FIELD_CHARS: usize = 1000;

/// Pasted text as one line of at most [`MAX_FIELD_CHARS`] characters: line
/// breaks and tabs become spaces, other control characters are dropped.
pub fn pasted(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\r' | '\n' | '\t' => Some(' '),
            c if crate::safe::is_hostile(c) => None,
            c => Some(c),
        })
        .take(MAX_FIELD_CHARS)
        .collect()
}

/// Pastes into a one-line input; true when the value changed.
pub fn paste_input(input: &mut Input, text: &str) -> bool {
    let mut changed = false;
    for c in pasted(text).chars() {
        changed |= edit_input(input, TextKey::Char(c));
    }
    changed
}

/// A key in a text-like field whose value may be selected (`fresh`): a
/// character replaces the selection, Backspace and Delete clear it.
fn typed_key(input: &mut Input, k: TextKey, fresh: bool) -> bool {
    if fresh {
        match k {
            TextKey::Char(_) => {
                let had = !input.value().is_empty();
                *input = Input::default();
                return edit_input(input, k) || had;
            }
            TextKey::Backspace | TextKey::Delete => {
                let had = !input.value().is_empty();
                *input = Input::default();
                return had;
            }
            _ => {}
        }
    }
    edit_input(input, k)
}

/// Applies a typed key to a one-line input; true when the value changed.
pub fn edit_input(input: &mut Input, k: TextKey) -> bool {
    if matches!(k, TextKey::Char(_)) && input.value().chars().count() >= MAX_FIELD_CHARS {
        return false;
    }
    let req = match k {
        TextKey::Char(c) => InputRequest::InsertChar(c),
        TextKey::Backspace => InputRequest::DeletePrevChar,
        TextKey::Delete => InputRequest::DeleteNextChar,
        TextKey::Left => InputRequest::GoToPrevChar,
        TextKey::Right => InputRequest::GoToNextChar,
        TextKey::Home => InputRequest::GoToStart,
        TextKey::End => InputRequest::GoToEnd,
        TextKey::DeleteWord => InputRequest::DeletePrevWord,
        TextKey::Clear => InputRequest::DeleteLine,
    };
    input.handle(req).is_some_and(|r| r.value)
}

/// What the form edits.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    AddPtu(String),
    CommitmentRenewal(String),
    NewReservation,
    ScopeChange(String),
    ReservationRenewal(String),
    Refund(String),
    Resize(String),
    Delete(String),
    /// Acknowledge a notification (by id): not an estate edit, not priced.
    Acknowledge(String),
}

/// An open edit form with its latest preview.
#[derive(Debug, Clone)]
pub struct Form {
    pub target: Target,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub preview: Option<PreviewOutcome>,
    pub seq: u64,
    /// Lines shown instead of a preview (what an acknowledgement is about).
    pub info: Vec<String>,
    scopes: Vec<Scope>,
    regions: Vec<String>,
    new_id: String,
}

const SKUS: [Sku; 3] = [Sku::Regional, Sku::Global, Sku::DataZone];

/// Why a reservation can no longer be edited: it was refunded.
fn refunded(r: &Reservation) -> Result<(), String> {
    match r.refunded_at {
        Some(t) => Err(format!(
            "{} was refunded at {}: there is nothing left to change.",
            r.id,
            data::minute(t)
        )),
        None => Ok(()),
    }
}

fn no_such(kind: &str, id: &str) -> String {
    format!("No {kind} {id} in the store (it changed meanwhile?).")
}

/// The (minimum, step) a deployment's size follows: the model's rule, else
/// 25 (Regional) or 5 PTU steps (not checked: the table does not know it).
pub fn size_steps(model: &str, sku: Sku) -> (i64, i64) {
    match crate::domain::sizes::rule(model, sku) {
        Some(Some((min, step))) => (min, step),
        _ if sku == Sku::Regional => (25, 25),
        _ => (5, 5),
    }
}

impl Form {
    fn new(target: Target, title: String, fields: Vec<Field>) -> Form {
        Form {
            target,
            title,
            fields,
            focus: 0,
            preview: None,
            seq: 0,
            info: vec![],
            scopes: vec![],
            regions: vec![],
            new_id: String::new(),
        }
    }

    /// Builds the form for `target` afresh from the estate (for its title and
    /// whether its subject is still there), or says why not.
    pub fn for_target(e: &Estate, target: &Target, now: Time) -> Result<Form, String> {
        match target {
            Target::AddPtu(c) => Form::add_ptu(e, c, now),
            Target::CommitmentRenewal(c) => Form::commitment_renewal(e, c, now),
            Target::NewReservation => Ok(Form::new_reservation(e, None, now)),
            Target::ScopeChange(r) => Form::scope_change(e, r, now),
            Target::ReservationRenewal(r) => Form::reservation_renewal(e, r, now),
            Target::Refund(r) => Form::refund(e, r, now),
            Target::Resize(d) => Form::resize(e, d, now),
            Target::Delete(d) => Form::delete(e, d, now),
            Target::Acknowledge(_) => Err("not an edit of the estate".into()),
        }
    }

    pub fn add_ptu(e: &Estate, commitment: &str, now: Time) -> Result<Form, String> {
        let c = e
            .commitments
            .iter()
            .find(|c| c.id == commitment)
            .ok_or_else(|| no_such("commitment", commitment))?;
        let title = match data::commitment_term(e, c, now) {
            Some((t, "active")) => format!(
                "Add PTU to {commitment} ({} PTU now, term ends {})",
                t.ptu_at(now),
                data::minute(t.end)
            ),
            Some((t, "expired")) => {
                return Err(format!(
                    "{commitment} expired at {}: PTU can only be added during a term.",
                    data::minute(t.end)
                ));
            }
            _ => format!("Add PTU to {commitment}"),
        };
        Ok(Form::new(
            Target::AddPtu(commitment.into()),
            title,
            vec![
                Field::number("Add PTU", 50, 50, 50),
                Field::time("At", ceil_minute(now)),
            ],
        ))
    }

    pub fn commitment_renewal(e: &Estate, commitment: &str, now: Time) -> Result<Form, String> {
        let c = e
            .commitments
            .iter()
            .find(|c| c.id == commitment)
            .ok_or_else(|| no_such("commitment", commitment))?;
        let (term, _) = data::commitment_term(e, c, now)
            .ok_or_else(|| format!("{commitment} has no term to renew."))?;
        let current = commitment_setting(c, term.end);
        let at_end = term.ptu_at_end();
        let (index, lower) = match current {
            CommitmentRenewal::Autorenew => (0, (at_end - 50).max(50)),
            CommitmentRenewal::AutorenewLower(p) => (1, p),
            CommitmentRenewal::None => (2, (at_end - 50).max(50)),
        };
        let mut f = Form::new(
            Target::CommitmentRenewal(commitment.into()),
            format!(
                "Renewal of {commitment} ({at_end} PTU, expires {})",
                data::minute(term.end)
            ),
            vec![
                Field::choice(
                    "Renewal",
                    vec![
                        "autorenew".into(),
                        "renew at fewer PTU".into(),
                        "don't renew".into(),
                    ],
                    index,
                ),
                Field::number("PTU at renewal", lower, 50, 50),
                Field::time("Set at", now),
            ],
        );
        f.sync_fields();
        Ok(f)
    }

    pub fn reservation_renewal(e: &Estate, reservation: &str, now: Time) -> Result<Form, String> {
        let r = e
            .reservations
            .iter()
            .find(|r| r.id == reservation)
            .ok_or_else(|| no_such("reservation", reservation))?;
        refunded(r)?;
        let (term, _) = data::reservation_term(r, now)
            .ok_or_else(|| format!("{reservation} has no term to renew."))?;
        let index = match reservation_setting(r, term.end) {
            ReservationRenewal::None => 1,
            _ => 0,
        };
        Ok(Form::new(
            Target::ReservationRenewal(reservation.into()),
            format!(
                "Renewal of {reservation} (expires {})",
                data::minute(term.end)
            ),
            vec![
                Field::choice(
                    "Renewal",
                    vec!["autorenew".into(), "don't renew".into()],
                    index,
                ),
                Field::time("Set at", now),
            ],
        ))
    }

    pub fn new_reservation(e: &Estate, like: Option<&Reservation>, now: Time) -> Form {
        let mut regions: Vec<String> = e
            .resources
            .iter()
            .map(|r| r.region.clone())
            .chain(
                e.prices
                    .iter()
                    .filter(|p| p.region != "*")
                    .map(|p| p.region.clone()),
            )
            .collect();
        regions.sort();
        regions.dedup();
        if regions.is_empty() {
            regions.push("eastus2".into());
        }
        let scopes = scopes(e);
        let region_i = like
            .and_then(|r| regions.iter().position(|x| *x == r.region))
            .unwrap_or(0);
        let sku_i = like
            .and_then(|r| SKUS.iter().position(|s| *s == r.sku))
            .unwrap_or(0);
        let scope_i = like
            .and_then(|r| scopes.iter().position(|s| *s == r.scope))
            .unwrap_or(0);
        let scope_names: Vec<String> = if scopes.is_empty() {
            vec!["(no scope known: import subscriptions first)".into()]
        } else {
            scopes.iter().map(|s| s.to_string()).collect()
        };
        let new_id = new_reservation_id(e);
        let mut f = Form::new(
            Target::NewReservation,
            format!("New reservation {new_id}"),
            vec![
                Field::text("Name", &new_id),
                Field::choice("Region", regions.clone(), region_i),
                Field::choice(
                    "SKU",
                    SKUS.iter().map(|s| s.label().to_string()).collect(),
                    sku_i,
                ),
                Field::number("PTU", like.map_or(100, |r| r.ptu), 1, 1),
                Field::choice(
                    "Term",
                    vec!["P1M (one month)".into(), "P1Y (one year)".into()],
                    1,
                ),
                Field::choice("Billing", vec!["monthly".into(), "upfront".into()], 0),
                Field::choice("Scope", scope_names, scope_i),
                Field::choice("Renewal", vec!["autorenew".into(), "don't renew".into()], 0),
                Field::time("Start", now),
            ],
        );
        f.scopes = scopes;
        f.regions = regions;
        f.new_id = new_id;
        f
    }

    /// The new-reservation form filled in from a purchase a remedy or plan
    /// proposes: region, type, size, scope, term, billing, renewal and
    /// start (never before now).
    pub fn purchase(e: &Estate, r: &Reservation, now: Time) -> Form {
        let mut f = Form::new_reservation(e, Some(r), r.start.max(now));
        let pick = |f: &mut Form, label: &str, i: usize| {
            if let Some(FieldKind::Choice { index, .. }) = f
                .fields
                .iter_mut()
                .find(|x| x.label == label)
                .map(|x| &mut x.kind)
            {
                *index = i;
            }
        };
        pick(
            &mut f,
            "Term",
            match r.term {
                crate::domain::Term::OneMonth => 0,
                crate::domain::Term::OneYear => 1,
            },
        );
        pick(
            &mut f,
            "Billing",
            match r.billing {
                crate::domain::Billing::Monthly => 0,
                crate::domain::Billing::Upfront => 1,
            },
        );
        pick(
            &mut f,
            "Renewal",
            match r.renewal {
                crate::domain::ReservationRenewal::None => 1,
                _ => 0,
            },
        );
        f.sync_fields();
        f
    }

    pub fn scope_change(e: &Estate, reservation: &str, now: Time) -> Result<Form, String> {
        let r = e
            .reservations
            .iter()
            .find(|r| r.id == reservation)
            .ok_or_else(|| no_such("reservation", reservation))?;
        refunded(r)?;
        let scopes = scopes(e);
        let current = crate::domain::terms::scope_at(r, now.max(r.start));
        let index = scopes.iter().position(|s| s == current).unwrap_or(0);
        let mut f = Form::new(
            Target::ScopeChange(reservation.into()),
            format!("Scope of {reservation} (now {current})"),
            vec![
                Field::choice(
                    "Scope",
                    scopes.iter().map(|s| s.to_string()).collect(),
                    index,
                ),
                Field::time("At", ceil_minute(now)),
            ],
        );
        f.scopes = scopes;
        Ok(f)
    }

    pub fn refund(e: &Estate, reservation: &str, now: Time) -> Result<Form, String> {
        let r = e
            .reservations
            .iter()
            .find(|r| r.id == reservation)
            .ok_or_else(|| no_such("reservation", reservation))?;
        refunded(r)?;
        Ok(Form::new(
            Target::Refund(reservation.into()),
            format!("Refund {reservation} ({} PTU {})", r.ptu, r.sku.label()),
            vec![Field::time("At", ceil_minute(now))],
        ))
    }

    pub fn resize(e: &Estate, deployment: &str, now: Time) -> Result<Form, String> {
        let d = e
            .deployments
            .iter()
            .find(|d| d.id == deployment)
            .ok_or_else(|| no_such("deployment", deployment))?;
        if let Some(t) = d.deleted.filter(|t| *t <= now) {
            return Err(format!(
                "{deployment} was deleted at {}: there is nothing to resize.",
                data::minute(t)
            ));
        }
        let (min, step) = size_steps(&d.model, d.sku);
        let ptu = d.ptu_at(now);
        Ok(Form::new(
            Target::Resize(deployment.into()),
            format!(
                "Resize {deployment} ({} {}, {ptu} PTU now; sizes {min}, {}, {}, ...)",
                d.model,
                d.sku.label(),
                min + step,
                min + 2 * step
            ),
            vec![
                Field::number("PTU", ptu.max(min), step, min),
                Field::time("At", ceil_minute(now)),
            ],
        ))
    }

    pub fn delete(e: &Estate, deployment: &str, now: Time) -> Result<Form, String> {
        let d = e
            .deployments
            .iter()
            .find(|d| d.id == deployment)
            .ok_or_else(|| no_such("deployment", deployment))?;
        if let Some(t) = d.deleted.filter(|t| *t <= now) {
            return Err(format!(
                "{deployment} was deleted at {} already.",
                data::minute(t)
            ));
        }
        Ok(Form::new(
            Target::Delete(deployment.into()),
            format!("Delete {deployment} ({} PTU now)", d.ptu_at(now)),
            vec![Field::time("At", ceil_minute(now))],
        ))
    }

    /// Acknowledging a notification: an optional note and an optional end
    /// (empty: until it gets worse).
    pub fn acknowledge(n: &Notification) -> Form {
        let mut f = Form::new(
            Target::Acknowledge(n.id.clone()),
            format!("Acknowledge {} {}", n.kind.replace('_', " "), n.subject),
            vec![Field::text("Note", ""), Field::optional_time("Until")],
        );
        f.info = vec![
            n.message.clone(),
            format!("-> {}", n.action),
            format!(
                "{} · cost {} · id {}",
                n.severity.name(),
                data::money(n.cost_impact),
                n.id
            ),
            String::new(),
            "Silenced until it gets worse (or until the date given); u undoes it.".into(),
        ];
        f
    }

    /// Shows and hides fields after a change (the PTU at renewal belongs to
    /// "renew at fewer PTU" only), keeping the focus on a shown field.
    pub fn sync_fields(&mut self) {
        if let Target::CommitmentRenewal(_) = self.target {
            let lower = self.fields[0].choice_index() == 1;
            self.fields[1].hidden = !lower;
        }
        if self.fields[self.focus].hidden {
            self.move_focus(1);
        }
    }

    /// Moves the focus to the next (`dir` 1) or previous (-1) shown field;
    /// the field focused has its value selected.
    pub fn move_focus(&mut self, dir: isize) {
        let n = self.fields.len() as isize;
        let mut i = self.focus as isize;
        for _ in 0..n {
            i = (i + dir).rem_euclid(n);
            if !self.fields[i as usize].hidden {
                break;
            }
        }
        self.focus = i as usize;
        self.fields[self.focus].fresh = true;
    }

    /// The acknowledgement's note and end, for an acknowledge form.
    pub fn ack_values(&self) -> Result<(String, Option<Time>), String> {
        let note = self.fields[0].value().trim().to_string();
        let until = self.fields[1].optional_time_value()?;
        Ok((note, until))
    }

    /// The edit the fields describe.
    pub fn edit(&self) -> Result<Edit, String> {
        let f = &self.fields;
        Ok(match &self.target {
            Target::AddPtu(c) => Edit::CommitmentAddition {
                commitment: c.clone(),
                ptu: f[0].number_value()?,
                at: f[1].time_value()?,
            },
            Target::CommitmentRenewal(c) => Edit::CommitmentRenewal {
                commitment: c.clone(),
                renewal: match f[0].choice_index() {
                    0 => CommitmentRenewal::Autorenew,
                    1 => CommitmentRenewal::AutorenewLower(f[1].number_value()?),
                    _ => CommitmentRenewal::None,
                },
                at: f[2].time_value()?,
            },
            Target::ReservationRenewal(r) => Edit::ReservationRenewal {
                id: r.clone(),
                renewal: if f[0].choice_index() == 0 {
                    ReservationRenewal::Autorenew
                } else {
                    ReservationRenewal::None
                },
                at: f[1].time_value()?,
            },
            Target::NewReservation => {
                let scope = self
                    .scopes
                    .get(f[6].choice_index())
                    .cloned()
                    .ok_or("no scope to choose: the store knows no subscription yet")?;
                Edit::AddReservation(Reservation {
                    id: self.new_id.clone(),
                    name: f[0].value().trim().to_string(),
                    region: self.regions[f[1].choice_index()].clone(),
                    sku: SKUS[f[2].choice_index()],
                    ptu: f[3].number_value()?,
                    term: if f[4].choice_index() == 0 {
                        Term::OneMonth
                    } else {
                        Term::OneYear
                    },
                    billing: if f[5].choice_index() == 0 {
                        Billing::Monthly
                    } else {
                        Billing::Upfront
                    },
                    start: f[8].time_value()?,
                    scope,
                    scope_changes: vec![],
                    renewal: if f[7].choice_index() == 0 {
                        ReservationRenewal::Autorenew
                    } else {
                        ReservationRenewal::None
                    },
                    renewal_changes: vec![],
                    refunded_at: None,
                    refunded_approximate: false,
                    refunded_reported: false,
                    moved_at: None,
                    effective_from: None,
                    price: None,
                })
            }
            Target::ScopeChange(r) => Edit::ReservationScope {
                id: r.clone(),
                scope: self
                    .scopes
                    .get(f[0].choice_index())
                    .cloned()
                    .ok_or("no scope")?,
                at: f[1].time_value()?,
            },
            Target::Refund(r) => Edit::Refund {
                id: r.clone(),
                at: f[0].time_value()?,
            },
            Target::Resize(d) => Edit::ResizeDeployment {
                deployment: d.clone(),
                ptu: f[0].number_value()?,
                at: f[1].time_value()?,
            },
            Target::Delete(d) => Edit::DeleteDeployment {
                deployment: d.clone(),
                at: f[0].time_value()?,
            },
            Target::Acknowledge(_) => {
                return Err("an acknowledgement is not an edit of the estate".into());
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;

    fn now() -> Time {
        parse_time_arg("2026-11-22T09:00:00Z").unwrap()
    }

    #[test]
    fn number_fields_step_and_type() {
        let e = crate::demo::estate(now());
        let mut f = Form::add_ptu(&e, "cp-eastus2-prod", now()).unwrap();
        assert!(f.fields[0].key(TextKey::Char('+')));
        assert_eq!(f.fields[0].display(), "100");
        f.fields[0].key(TextKey::Left);
        f.fields[0].key(TextKey::Left);
        assert_eq!(f.fields[0].display(), "50", "never below the minimum");
        assert!(!f.fields[0].key(TextKey::Char('x')));
        match f.edit().unwrap() {
            Edit::CommitmentAddition { ptu, at, .. } => {
                assert_eq!(ptu, 50);
                assert_eq!(at, now());
            }
            e => panic!("{e:?}"),
        }
        f.fields[1].key(TextKey::Clear);
        f.fields[1].key(TextKey::Char('x'));
        assert!(f.edit().unwrap_err().starts_with("At:"));
    }

    #[test]
    fn the_first_key_replaces_a_prefilled_value() {
        let e = crate::demo::estate(now());
        let mut f = Form::add_ptu(&e, "cp-eastus2-prod", now()).unwrap();
        // 50 is selected: typing 1, 0, 0 gives 100, not 50100.
        for c in "100".chars() {
            f.fields[0].key(TextKey::Char(c));
        }
        assert_eq!(f.fields[0].display(), "100");
        // Back on the field, the value is selected again; stepping keeps it so.
        f.move_focus(1);
        f.move_focus(1);
        assert_eq!(f.focus, 0);
        f.fields[0].key(TextKey::Right);
        assert_eq!(f.fields[0].display(), "150");
        f.fields[0].key(TextKey::Char('2'));
        assert_eq!(f.fields[0].display(), "2");
        // The time: the first digit replaces it; End keeps it and appends.
        f.move_focus(1);
        f.fields[1].key(TextKey::Char('2'));
        assert_eq!(f.fields[1].display(), "2");
        f.move_focus(1);
        f.move_focus(1);
        f.fields[1].key(TextKey::End);
        f.fields[1].key(TextKey::Char('x'));
        assert_eq!(f.fields[1].display(), "2x");
        f.move_focus(1);
        f.move_focus(1);
        f.fields[1].key(TextKey::Backspace);
        assert_eq!(f.fields[1].display(), "", "Backspace clears a selection");
    }

    #[test]
    fn steps_follow_the_model() {
        let e = crate::demo::estate(now());
        // chat-gpt4o: gpt-4o Regional, 50 from 50.
        let mut f = Form::resize(&e, "chat-gpt4o", now()).unwrap();
        assert_eq!(f.fields[0].display(), "300");
        f.fields[0].key(TextKey::Right);
        assert_eq!(f.fields[0].display(), "350");
        f.fields[0].key(TextKey::Left);
        f.fields[0].key(TextKey::Left);
        assert_eq!(f.fields[0].display(), "250");
        // Off the grid, a step lands on it.
        f.fields[0].key(TextKey::Char('3'));
        f.fields[0].key(TextKey::Char('5'));
        f.fields[0].key(TextKey::Right);
        assert_eq!(f.fields[0].display(), "50");
        // eval-o3: o3 Global, 15 in steps of 5.
        let mut f = Form::resize(&e, "eval-o3", now()).unwrap();
        f.fields[0].key(TextKey::Right);
        assert_eq!(f.fields[0].display(), "55");
        // A deleted deployment has no size to change.
        let err = Form::resize(&e, "poc-gpt41mini", now()).unwrap_err();
        assert!(err.contains("was deleted at 2026-11-06 17:45"), "{err}");
        assert!(Form::delete(&e, "poc-gpt41mini", now()).is_err());
    }

    #[test]
    fn a_form_starts_at_the_next_whole_minute() {
        let e = crate::demo::estate(now());
        let late = now() + chrono::Duration::nanoseconds(19_906_391_924);
        let f = Form::add_ptu(&e, "cp-eastus2-prod", late).unwrap();
        assert_eq!(f.fields[1].display(), "2026-11-22T09:01:00Z");
        let f = Form::add_ptu(&e, "cp-eastus2-prod", now()).unwrap();
        assert_eq!(f.fields[1].display(), "2026-11-22T09:00:00Z");
    }

    #[test]
    fn times_are_taken_only_fully_typed() {
        let t = |s| parse_when(s);
        assert_eq!(fmt_time(t("2026-11-05").unwrap()), "2026-11-05T00:00:00Z");
        assert_eq!(
            fmt_time(t("2026-11-05 09:30").unwrap()),
            "2026-11-05T09:30:00Z"
        );
        assert_eq!(
            fmt_time(t("2026-11-05T09:00:00+01:00").unwrap()),
            "2026-11-05T08:00:00Z"
        );
        for partial in [
            "2026-11-2",
            "2026-11-",
            "2026-11-5T09:00:00Z",
            "2026-11-05 9:00",
            "2026-11-05T09:00",
            "2026-02-30",
            "",
        ] {
            let err = t(partial).unwrap_err();
            assert!(
                err.contains("2026-11-05") || err.contains("calendar"),
                "{partial}: {err}"
            );
        }
    }

    #[test]
    fn the_renewal_ptu_shows_only_for_fewer_ptu() {
        let e = crate::demo::estate(now());
        // cp-eastus-legacy is set not to renew.
        let mut f = Form::commitment_renewal(&e, "cp-eastus-legacy", now()).unwrap();
        assert!(f.fields[1].hidden);
        f.move_focus(1);
        assert_eq!(f.focus, 2, "the hidden field is skipped");
        f.focus = 0;
        f.fields[0].key(TextKey::Left);
        f.sync_fields();
        assert!(!f.fields[1].hidden, "renew at fewer PTU");
        f.fields[0].key(TextKey::Left);
        f.sync_fields();
        assert!(f.fields[1].hidden, "autorenew");
    }

    #[test]
    fn a_refunded_reservation_has_nothing_to_change() {
        let mut e = crate::demo::estate(now());
        let r = e
            .reservations
            .iter_mut()
            .find(|r| r.id == "res-swc-global")
            .unwrap();
        r.refunded_at = Some(now());
        for err in [
            Form::refund(&e, "res-swc-global", now()).unwrap_err(),
            Form::scope_change(&e, "res-swc-global", now()).unwrap_err(),
            Form::reservation_renewal(&e, "res-swc-global", now()).unwrap_err(),
        ] {
            assert_eq!(
                err,
                "res-swc-global was refunded at 2026-11-22 09:00: there is nothing left to change."
            );
        }
    }
}
