//! Edit forms: a few fields (choices, numbers, text, times) that build an
//! [`Edit`]; every change is priced again in the background.

use super::action::TextKey;
use super::data::{self, commitment_setting, reservation_setting};
use super::edit::{Edit, PreviewOutcome, new_reservation_id, scopes};
use crate::domain::time::{Time, fmt_time, parse_time_arg};
use crate::domain::{
    Billing, CommitmentRenewal, Estate, Reservation, ReservationRenewal, Scope, Sku, Term,
};
use tui_input::{Input, InputRequest};

/// What a field holds.
#[derive(Debug, Clone)]
pub enum FieldKind {
    Choice { options: Vec<String>, index: usize },
    Number { input: Input, step: i64, min: i64 },
    Text(Input),
    Time(Input),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub kind: FieldKind,
}

impl Field {
    fn choice(label: &'static str, options: Vec<String>, index: usize) -> Field {
        Field {
            label,
            kind: FieldKind::Choice { options, index },
        }
    }
    fn number(label: &'static str, value: i64, step: i64, min: i64) -> Field {
        Field {
            label,
            kind: FieldKind::Number {
                input: Input::new(value.to_string()),
                step,
                min,
            },
        }
    }
    fn text(label: &'static str, value: &str) -> Field {
        Field {
            label,
            kind: FieldKind::Text(Input::new(value.into())),
        }
    }
    fn time(label: &'static str, value: Time) -> Field {
        Field {
            label,
            kind: FieldKind::Time(Input::new(fmt_time(value))),
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
        parse_time_arg(self.value().trim()).map_err(|e| format!("{}: {e}", self.label))
    }

    /// Applies a typed key; true when the value changed.
    pub fn key(&mut self, k: TextKey) -> bool {
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
                        let v = cur.map_or(*min, |v| (v + *step).max(*min));
                        *input = Input::new(v.to_string());
                        true
                    }
                    TextKey::Char('-') | TextKey::Left => {
                        let v = cur.map_or(*min, |v| (v - *step).max(*min));
                        *input = Input::new(v.to_string());
                        true
                    }
                    TextKey::Char(c) if !c.is_ascii_digit() => false,
                    other => edit_input(input, other),
                }
            }
            FieldKind::Text(input) | FieldKind::Time(input) => edit_input(input, k),
        }
    }
}

/// Applies a typed key to a one-line input; true when the value changed.
pub fn edit_input(input: &mut Input, k: TextKey) -> bool {
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
    scopes: Vec<Scope>,
    regions: Vec<String>,
    new_id: String,
}

const SKUS: [Sku; 3] = [Sku::Regional, Sku::Global, Sku::DataZone];

impl Form {
    fn new(target: Target, title: String, fields: Vec<Field>) -> Form {
        Form {
            target,
            title,
            fields,
            focus: 0,
            preview: None,
            seq: 0,
            scopes: vec![],
            regions: vec![],
            new_id: String::new(),
        }
    }

    pub fn add_ptu(commitment: &str, now: Time) -> Form {
        Form::new(
            Target::AddPtu(commitment.into()),
            format!("Add PTU to {commitment}"),
            vec![Field::number("Add PTU", 50, 50, 50), Field::time("At", now)],
        )
    }

    pub fn commitment_renewal(e: &Estate, commitment: &str, now: Time) -> Option<Form> {
        let c = e.commitments.iter().find(|c| c.id == commitment)?;
        let (term, _) = data::commitment_term(e, c, now)?;
        let current = commitment_setting(c, term.end);
        let at_end = term.ptu_at_end();
        let (index, lower) = match current {
            CommitmentRenewal::Autorenew => (0, (at_end - 50).max(50)),
            CommitmentRenewal::AutorenewLower(p) => (1, p),
            CommitmentRenewal::None => (2, (at_end - 50).max(50)),
        };
        Some(Form::new(
            Target::CommitmentRenewal(commitment.into()),
            format!(
                "Renewal of {commitment} (expires {})",
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
        ))
    }

    pub fn reservation_renewal(e: &Estate, reservation: &str, now: Time) -> Option<Form> {
        let r = e.reservations.iter().find(|r| r.id == reservation)?;
        let (term, _) = data::reservation_term(r, now)?;
        let index = match reservation_setting(r, term.end) {
            ReservationRenewal::None => 1,
            _ => 0,
        };
        Some(Form::new(
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

    pub fn scope_change(e: &Estate, reservation: &str, now: Time) -> Option<Form> {
        let r = e.reservations.iter().find(|r| r.id == reservation)?;
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
                Field::time("At", now),
            ],
        );
        f.scopes = scopes;
        Some(f)
    }

    pub fn refund(reservation: &str, now: Time) -> Form {
        Form::new(
            Target::Refund(reservation.into()),
            format!("Refund {reservation}"),
            vec![Field::time("At", now)],
        )
    }

    pub fn resize(e: &Estate, deployment: &str, now: Time) -> Option<Form> {
        let d = e.deployments.iter().find(|d| d.id == deployment)?;
        let step = if d.sku == Sku::Regional { 25 } else { 5 };
        Some(Form::new(
            Target::Resize(deployment.into()),
            format!(
                "Resize {deployment} ({} {}, {} PTU now)",
                d.model,
                d.sku.label(),
                d.ptu_at(now)
            ),
            vec![
                Field::number("PTU", d.ptu_at(now).max(step), step, 1),
                Field::time("At", now),
            ],
        ))
    }

    pub fn delete(deployment: &str, now: Time) -> Form {
        Form::new(
            Target::Delete(deployment.into()),
            format!("Delete {deployment}"),
            vec![Field::time("At", now)],
        )
    }

    /// The edit the fields describe.
    pub fn edit(&self) -> Result<Edit, String> {
        let f = &self.fields;
        Ok(match &self.target {
            Target::AddPtu(c) => Edit::AddPtu {
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
                reservation: r.clone(),
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
                Edit::NewReservation(Box::new(Reservation {
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
                    price: None,
                }))
            }
            Target::ScopeChange(r) => Edit::ScopeChange {
                reservation: r.clone(),
                scope: self
                    .scopes
                    .get(f[0].choice_index())
                    .cloned()
                    .ok_or("no scope")?,
                at: f[1].time_value()?,
            },
            Target::Refund(r) => Edit::Refund {
                reservation: r.clone(),
                at: f[0].time_value()?,
            },
            Target::Resize(d) => Edit::Resize {
                deployment: d.clone(),
                ptu: f[0].number_value()?,
                at: f[1].time_value()?,
            },
            Target::Delete(d) => Edit::Delete {
                deployment: d.clone(),
                at: f[0].time_value()?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_time_arg;

    #[test]
    fn number_fields_step_and_type() {
        let now = parse_time_arg("2026-11-22T09:00:00Z").unwrap();
        let mut f = Form::add_ptu("cp", now);
        assert!(f.fields[0].key(TextKey::Char('+')));
        assert_eq!(f.fields[0].display(), "100");
        f.fields[0].key(TextKey::Left);
        f.fields[0].key(TextKey::Left);
        assert_eq!(f.fields[0].display(), "50", "never below the minimum");
        assert!(!f.fields[0].key(TextKey::Char('x')));
        match f.edit().unwrap() {
            Edit::AddPtu { ptu, at, .. } => {
                assert_eq!(ptu, 50);
                assert_eq!(at, now);
            }
            e => panic!("{e:?}"),
        }
        f.fields[1].key(TextKey::Clear);
        f.fields[1].key(TextKey::Char('x'));
        assert!(f.edit().unwrap_err().starts_with("At:"));
    }
}
