//! The edit forms' keys: opening a form on the selected row, moving between
//! and changing fields, pricing each change in the worker, saving.

use crate::domain::plan::Edit;
use crate::domain::time::Time;
use crate::planner::preview::PreviewOutcome;
use crate::tui::action::{Action, Pane};
use crate::tui::data::capitalize;
use crate::tui::data::{self, Data, Tone};
use crate::tui::effect::Effect;
use crate::tui::popups::form::{Form, Target};
use crate::tui::state::{App, Confirmed, Overlay};
use std::sync::Arc;

/// After a reload, an open edit form is priced again against the new
/// estate with a title that says what it is now; if its subject is gone,
/// it closes. After another process's write, the status says which.
pub(crate) fn refit_form(app: &mut App, external: bool) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let Some(i) = app.overlays.iter().rposition(
        |o| matches!(o, Overlay::Form(f) if !matches!(f.target, Target::Acknowledge(_))),
    ) else {
        return vec![];
    };
    let Overlay::Form(f) = &mut app.overlays[i] else {
        return vec![];
    };
    match Form::for_target(&d.estate, &f.target, app.now) {
        Ok(fresh) => {
            f.title = fresh.title;
            if external {
                app.set_status(
                    Tone::Info,
                    "The store changed (another process wrote to it): reloaded; the open form is re-priced against it.",
                );
            }
            // The form may be under a confirmation: price it where it is.
            let top = app.overlays.len() - 1;
            if i == top {
                reprice(app)
            } else {
                let seq = app.next_seq();
                let Overlay::Form(f) = &mut app.overlays[i] else {
                    return vec![];
                };
                f.seq = seq;
                price_effect(app.now, &d, f, seq)
            }
        }
        Err(why) => {
            // A confirmation of its save goes with it.
            app.overlays.truncate(i);
            app.set_status(
                Tone::Warning,
                format!("The store changed: the edit form closed, nothing saved. {why}"),
            );
            vec![]
        }
    }
}

pub(crate) fn open_form(app: &mut App, action: &Action) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let e = &d.estate;
    let now = app.now;
    let what = match app.pane {
        Pane::Commitments => "commitment",
        Pane::Reservations => "reservation",
        _ => "deployment",
    };
    let key = app.selected_key();
    let form = match (action, key) {
        (Action::NewReservation, key) => {
            let like = key.and_then(|k| e.reservations.iter().find(|r| r.id == k));
            Ok(Form::new_reservation(e, like, now))
        }
        (_, None) => Err(format!("Select a {what} first.")),
        (Action::AddPtu, Some(k)) => Form::add_ptu(e, &k, now),
        (Action::SetRenewal, Some(k)) if app.pane == Pane::Commitments => {
            Form::commitment_renewal(e, &k, now)
        }
        (Action::SetRenewal, Some(k)) => Form::reservation_renewal(e, &k, now),
        (Action::ChangeScope, Some(k)) => Form::scope_change(e, &k, now),
        (Action::Refund, Some(k)) => Form::refund(e, &k, now),
        (Action::Resize, Some(k)) => Form::resize(e, &k, now),
        (Action::Delete, Some(k)) => Form::delete(e, &k, now),
        _ => return vec![],
    };
    match form {
        Ok(f) => {
            app.overlays.push(Overlay::Form(Box::new(f)));
            reprice(app)
        }
        Err(why) => {
            app.set_status(Tone::Warning, why);
            vec![]
        }
    }
}

/// The preview effect of a form (or its error, kept in the form).
fn price_effect(now: Time, d: &Arc<Data>, f: &mut Form, seq: u64) -> Vec<Effect> {
    if let Target::Acknowledge(_) = f.target {
        // Not priced: it changes no charge. Its fields are checked here.
        f.preview = f.ack_values().err().map(Err);
        return vec![];
    }
    match f.edit() {
        Ok(edit) => {
            f.preview = None;
            vec![Effect::Preview {
                seq,
                estate: d.estate.clone(),
                edit: Box::new(edit),
                month: d.baseline.month,
                next30: d.baseline.next30,
                now,
            }]
        }
        Err(e) => {
            f.preview = Some(Err(e));
            vec![]
        }
    }
}

/// Prices the open form again.
pub(crate) fn reprice(app: &mut App) -> Vec<Effect> {
    let seq = app.next_seq();
    let now = app.now;
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let Some(Overlay::Form(f)) = app.overlays.last_mut() else {
        return vec![];
    };
    f.seq = seq;
    price_effect(now, &d, f, seq)
}

pub(crate) fn form_action(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(Overlay::Form(f)) = app.overlays.last_mut() else {
        return vec![];
    };
    match action {
        Action::Back => {
            let ack = matches!(f.target, Target::Acknowledge(_));
            app.overlays.pop();
            app.set_status(
                Tone::Info,
                if ack {
                    "Not acknowledged."
                } else {
                    "Edit cancelled: nothing saved."
                },
            );
            vec![]
        }
        Action::Up | Action::PrevPane => {
            f.move_focus(-1);
            vec![]
        }
        Action::Down | Action::NextPane => {
            f.move_focus(1);
            vec![]
        }
        Action::Text(k) => {
            let focus = f.focus;
            if f.fields[focus].key(k) {
                f.sync_fields();
                reprice(app)
            } else {
                vec![]
            }
        }
        // A paste is one edit: one reprice, however long it was.
        Action::Paste(s) => {
            let focus = f.focus;
            if f.fields[focus].paste(&s) {
                f.sync_fields();
                reprice(app)
            } else {
                vec![]
            }
        }
        Action::Select if matches!(f.target, Target::Acknowledge(_)) => {
            let Target::Acknowledge(id) = f.target.clone() else {
                return vec![];
            };
            let (note, until) = match f.ack_values() {
                Ok(v) => v,
                Err(e) => {
                    app.set_status(Tone::Critical, format!("Not acknowledged: {e}"));
                    return vec![];
                }
            };
            if let Some(u) = until.filter(|u| *u <= app.now) {
                app.set_status(
                    Tone::Critical,
                    format!(
                        "Not acknowledged: Until {} is not after now ({}).",
                        data::minute(u),
                        data::minute(app.now)
                    ),
                );
                return vec![];
            }
            let Some(n) = app.notification(&id).map(|(n, _)| n.clone()) else {
                app.overlays.pop();
                app.set_status(
                    Tone::Info,
                    "That notification is gone: nothing to acknowledge.",
                );
                return vec![];
            };
            app.writing = true;
            vec![Effect::Acknowledge {
                notification: Box::new(n),
                now: app.now,
                until,
                note,
            }]
        }
        Action::Select => {
            let edit = match f.edit() {
                Ok(e) => e,
                Err(e) => {
                    app.set_status(Tone::Critical, format!("Can't save: {e}"));
                    return vec![];
                }
            };
            match &f.preview {
                Some(Err(e)) => {
                    let e = e.clone();
                    app.set_status(Tone::Critical, format!("Can't save: {e}"));
                    return vec![];
                }
                Some(Ok(p)) if !p.can_save() => {
                    let why = p.blockers.join(" ");
                    app.set_status(Tone::Critical, format!("Can't save: {why}"));
                    return vec![];
                }
                None => {
                    app.set_status(Tone::Info, "Still pricing: press Enter again in a moment.");
                    return vec![];
                }
                _ => {}
            }
            if app.readonly {
                app.set_status(
                    Tone::Warning,
                    "Read-only (--readonly): priced only, nothing saved.",
                );
                return vec![];
            }
            if edit.destructive() {
                let cost = match &f.preview {
                    Some(Ok(p)) => format!(
                        " (billed {}, this month {})",
                        data::delta(p.billed()),
                        data::delta(p.month.delta())
                    ),
                    _ => String::new(),
                };
                app.overlays.push(Overlay::Confirm {
                    message: format!("{}{cost}?", capitalize(&edit.summary())),
                    then: Confirmed::Save(Box::new(edit)),
                });
                vec![]
            } else {
                save(app, edit)
            }
        }
        Action::Quit => {
            app.quit = true;
            vec![]
        }
        _ => vec![],
    }
}

pub(crate) fn save(app: &mut App, edit: Edit) -> Vec<Effect> {
    if app.readonly {
        app.set_status(
            Tone::Warning,
            "Read-only (--readonly): priced only, nothing saved.",
        );
        return vec![];
    }
    app.writing = true;
    app.set_status(Tone::Info, format!("Saving: {}…", edit.summary()));
    vec![Effect::Save {
        edit: Box::new(edit),
        now: app.now,
    }]
}

/// The preview of the open form, if any (for tests and benches).
pub fn form_preview(app: &App) -> Option<&PreviewOutcome> {
    app.overlays.iter().rev().find_map(|o| match o {
        Overlay::Form(f) => f.preview.as_ref(),
        _ => None,
    })
}

/// The open form's target (for tests).
pub fn form_target(app: &App) -> Option<&Target> {
    app.overlays.iter().rev().find_map(|o| match o {
        Overlay::Form(f) => Some(&f.target),
        _ => None,
    })
}
