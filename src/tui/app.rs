//! `update`: a synchronous function from an action to the new state (in
//! [`super::state`]) and the effects to run (store reads and writes,
//! ratings), which come back later as actions. It routes an action to the
//! popup or pane that has the keys; nothing here blocks or draws.
//!
//! Behaviour decided here:
//! - Status messages: a pane switch or any action other than moving the
//!   selection clears the last message before it runs; otherwise a message
//!   expires after 5 seconds (10 for warnings and errors), never while a
//!   write or a sync it reports on is running.
//! - Esc goes back after a jump (Enter on a notification, an event, a
//!   forecast window or a quota's deployment): each jump remembers the
//!   pane and selection it left; Esc with no popup open pops it (clearing
//!   the filter the jump set). Switching panes by hand forgets the jumps.
//! - `u` undoes the last thing done: an acknowledgement made or taken back
//!   in the app (acknowledgements are not changes of the estate and stay
//!   out of the audit log, as with `ptudesk ack`), else the store's last
//!   change.
//! - A reload while an edit form is open (another process wrote the store,
//!   a sync) prices the form again against the new estate and says so; if
//!   its subject is gone, the form closes with a message.
//! - `--readonly` opens edit forms and prices them; only saving is refused.
//! - Palette Tab completes the command word while the cursor is in it
//!   (keeping what follows), and file paths in `:import`/`:export`
//!   arguments (`~/` is the home folder); anything else is left alone.

use super::action::{Action, Pane, TextKey};
pub use super::data::Loadable;
use super::data::{Data, Tone};
use super::effect::{AckChange, Effect};
use super::keymap::Key;
pub use super::panes::planner::selected_option;
use super::panes::planner::{apply_selected, plan_applied, planned, replan};
use super::panes::quota::close_capacity;
use super::panes::quota::state::CapacityView;
use super::popups::form::keys::{form_action, open_form, refit_form};
pub use super::popups::form::keys::{form_preview, form_target};
pub use super::popups::palette::run::{command, parse_export, parse_range};
pub use super::popups::palette::{COMMANDS, Completed, complete, expand_home, palette_matches};
use super::popups::remedies::keys::{remedies_action, repriced};
/// The state, at its former paths (`app::App`, `app::Overlay`).
pub use super::state::{App, Overlay};
use super::state::{Confirmed, go_back, jump, move_selection};
use crate::domain::time::floor_hour;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::sync::Arc;
use tui_input::Input;

/// Translates a terminal key into an action, given what has the keys.
pub fn key_action(app: &App, ev: &KeyEvent) -> Option<Action> {
    let key = Key::from_event(ev);
    let text = |ev: &KeyEvent| -> Option<TextKey> {
        if key.ctrl {
            return match ev.code {
                KeyCode::Char('w') => Some(TextKey::DeleteWord),
                KeyCode::Char('u') => Some(TextKey::Clear),
                _ => None,
            };
        }
        Some(match ev.code {
            KeyCode::Char(c) => TextKey::Char(c),
            KeyCode::Backspace => TextKey::Backspace,
            KeyCode::Delete => TextKey::Delete,
            KeyCode::Left => TextKey::Left,
            KeyCode::Right => TextKey::Right,
            KeyCode::Home => TextKey::Home,
            KeyCode::End => TextKey::End,
            _ => return None,
        })
    };
    if key.ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if app.too_small() {
        // The "needs at least 80x24" screen hides the app: no key may act
        // on what the user cannot see, only the quit key leaves.
        return app
            .keymap
            .lookup(key, app.pane)
            .filter(|a| matches!(a, Action::Quit));
    }
    if app.text_overlay() {
        return match ev.code {
            KeyCode::Enter => Some(Action::Select),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            KeyCode::Tab => Some(Action::NextPane),
            KeyCode::BackTab => Some(Action::PrevPane),
            _ => text(ev).map(Action::Text),
        };
    }
    if let Some(Overlay::Choose { .. }) = app.overlays.last() {
        return match ev.code {
            KeyCode::Enter => Some(Action::Select),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            _ => app.keymap.lookup(key, app.pane).filter(|a| {
                matches!(
                    a,
                    Action::Up
                        | Action::Down
                        | Action::Top
                        | Action::Bottom
                        | Action::Select
                        | Action::Back
                        | Action::Quit
                )
            }),
        };
    }
    if let Some(Overlay::Confirm { .. }) = app.overlays.last() {
        return app.keymap.confirm_lookup(key);
    }
    if let Some(Overlay::Recommend(_)) = app.overlays.last() {
        // The Planner's keys: `a` (apply_plan) applies the chosen row.
        return app.keymap.lookup(key, Pane::Planner).filter(|a| {
            matches!(
                a,
                Action::Up
                    | Action::Down
                    | Action::Top
                    | Action::Bottom
                    | Action::Select
                    | Action::Back
                    | Action::Quit
                    | Action::ApplyPlan
            )
        });
    }
    app.keymap.lookup(key, app.pane)
}

/// True for what the user does (keys, palette lines) other than moving the
/// selection or typing: it clears the last status message.
fn clears_status(a: &Action) -> bool {
    let user = a.name().is_some() || matches!(a, Action::Command(_));
    user && !matches!(
        a,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    )
}

/// Applies an action; returns the effects to run.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    let mut out = route(app, action);
    // What a popup asked to run after it (a palette command naming an
    // action), in order.
    while !app.queued.is_empty() {
        let a = app.queued.remove(0);
        out.extend(pane_action(app, a));
    }
    out
}

fn route(app: &mut App, action: Action) -> Vec<Effect> {
    if clears_status(&action) && !app.writing && !app.syncing {
        app.status = None;
    }
    app.follow_clock();
    match action {
        Action::Tick => {
            app.age_status();
            // A new hour: the panes are re-rated at it.
            if floor_hour(app.now) != app.rated_hour && app.data().is_some() && !app.writing {
                return app.load();
            }
            vec![]
        }
        Action::Undoable(u) => {
            app.undoable = u;
            vec![]
        }
        Action::Silenced(seq, list) => {
            if seq == app.notify_seq {
                app.silenced = list;
                super::panes::notifications::rebuild(app);
            }
            vec![]
        }
        Action::AckDone(result) => {
            app.writing = false;
            match result {
                Ok((msg, change)) => {
                    app.overlays.retain(|o| !matches!(o, Overlay::Form(_)));
                    app.last_ack = change;
                    app.set_status(Tone::Ok, msg);
                    renotify(app)
                }
                Err(e) => {
                    app.set_status(Tone::Critical, e);
                    vec![]
                }
            }
        }
        Action::Resized(w, h) => {
            app.size = (w, h);
            vec![]
        }
        Action::Loaded(seq, result) => loaded(app, seq, result),
        Action::Notified(seq, result) => {
            if seq == app.notify_seq {
                app.notifications = match result {
                    Ok(list) => Loadable::Ready(list),
                    Err(e) => Loadable::Failed(e),
                };
                super::panes::notifications::rebuild(app);
            }
            vec![]
        }
        Action::Charted(seq, result) => {
            if seq == app.chart_seq {
                app.chart.data = match result {
                    Ok(c) => Loadable::Ready(c),
                    Err(e) => Loadable::Failed(e),
                };
                app.refresh(Pane::Forecast);
            }
            vec![]
        }
        Action::Previewed(seq, outcome) => {
            if let Some(Overlay::Form(f)) = app
                .overlays
                .iter_mut()
                .rev()
                .find(|o| matches!(o, Overlay::Form(_)))
                && f.seq == seq
            {
                f.preview = Some(*outcome);
            }
            vec![]
        }
        Action::Wrote(result, changed) => {
            app.writing = false;
            match result {
                Ok(msg) => {
                    app.overlays
                        .retain(|o| !matches!(o, Overlay::Form(_) | Overlay::Confirm { .. }));
                    app.set_status(Tone::Ok, msg);
                    // A change of the store is now the last thing `u` undoes.
                    if changed {
                        app.last_ack = None;
                    }
                }
                Err(msg) => {
                    // Keep a form open so it can be fixed.
                    app.overlays
                        .retain(|o| !matches!(o, Overlay::Confirm { .. }));
                    app.set_status(Tone::Critical, msg);
                }
            }
            if changed { app.load() } else { vec![] }
        }
        Action::History(key, lines) => {
            if let Some(Overlay::Detail {
                key: k, lines: l, ..
            }) = app.overlays.last_mut()
                && *k == key
            {
                l.push((String::new(), Tone::Plain));
                l.push(("History (the store's audit log)".into(), Tone::Info));
                if lines.is_empty() {
                    l.push(("  no recorded change touches it".into(), Tone::Dim));
                }
                l.extend(lines.into_iter().map(|s| (format!("  {s}"), Tone::Plain)));
            }
            vec![]
        }
        // A running sync writes the store: its end reloads.
        Action::StoreChanged if app.syncing => vec![],
        Action::StoreChanged => {
            app.set_status(
                Tone::Info,
                "The store changed (another process wrote to it): reloaded.",
            );
            app.external_reload = true;
            app.load()
        }
        Action::AskUndo(message) => {
            app.writing = false;
            app.status = None;
            app.overlays.push(Overlay::Confirm {
                message,
                then: Confirmed::Undo,
            });
            vec![]
        }
        Action::Opened(label) => {
            app.store_label = label;
            app.throwaway = true;
            app.set_status(
                Tone::Ok,
                "Opened the demo estate in a throw-away store: edits are priced and saved there.",
            );
            app.load()
        }
        Action::Fatal(msg) => {
            app.fatal = Some(msg);
            app.quit = true;
            vec![]
        }
        Action::Status(s) => {
            app.set_status(Tone::Info, s);
            vec![]
        }
        Action::Planned(seq, result) => {
            if seq == app.plan_seq {
                planned(app, result);
            }
            vec![]
        }
        Action::PlanApplied(result) => plan_applied(app, result),
        Action::Repriced {
            shown,
            index,
            fresh,
        } => repriced(app, *shown, index, fresh),
        Action::SyncProgress(step) => {
            if app.syncing {
                app.set_status(Tone::Info, format!("Syncing… {step}"));
            }
            vec![]
        }
        Action::Synced(result) => {
            app.syncing = false;
            match result {
                Ok(summary) => {
                    app.set_status(Tone::Ok, summary);
                    app.external_reload = true;
                    app.load()
                }
                Err(e) => {
                    app.set_status(Tone::Critical, format!("Sync failed: {e}"));
                    vec![]
                }
            }
        }
        Action::Command(line) => command(app, &line),
        other => match app.overlays.last().cloned() {
            Some(o) => overlay_action(app, o, other),
            None => pane_action(app, other),
        },
    }
}

fn loaded(app: &mut App, seq: u64, result: Result<Arc<Data>, String>) -> Vec<Effect> {
    if seq != app.load_seq {
        return vec![];
    }
    match result {
        Err(e) => {
            app.data = Loadable::Failed(e.clone());
            app.set_status(Tone::Critical, e);
            vec![]
        }
        Ok(d) => {
            if let Some(w) = d.warnings.first() {
                app.set_status(Tone::Warning, w.clone());
            }
            let estate = d.estate.clone();
            if app.now_pinned {
                app.now = d.now;
            }
            if let Some(c) = &app.capacity {
                app.capacity = Some(CapacityView::new(&estate, c.query.clone(), app.now));
            }
            app.data = Loadable::Ready(d);
            super::panes::overview::rebuild_events(app);
            app.refresh_all();
            let external = std::mem::take(&mut app.external_reload);
            let mut out = refit_form(app, external);
            let nseq = app.next_seq();
            app.notify_seq = nseq;
            let cseq = app.next_seq();
            app.chart_seq = cseq;
            out.extend([
                Effect::Notify {
                    seq: nseq,
                    estate: estate.clone(),
                    now: app.now,
                },
                Effect::Chart {
                    seq: cseq,
                    estate,
                    from: app.chart.from,
                    to: app.chart.to,
                    basis: app.chart.basis,
                },
            ]);
            // The Planner follows the store: its subject is planned again.
            out.extend(replan(app));
            out
        }
    }
}

/// Evaluates the notifications again (after an acknowledgement).
fn renotify(app: &mut App) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let seq = app.next_seq();
    app.notify_seq = seq;
    vec![Effect::Notify {
        seq,
        estate: d.estate.clone(),
        now: app.now,
    }]
}

pub(crate) fn pane_action(app: &mut App, action: Action) -> Vec<Effect> {
    if app.readonly && action.writes() {
        app.set_status(
            Tone::Warning,
            "Read-only (--readonly): undo, applying plans and acknowledgements are off; edits are priced, not saved.",
        );
        return vec![];
    }
    if let Some(p) = action.pane() {
        app.go(p);
        return vec![];
    }
    match action {
        Action::Quit => {
            app.quit = true;
            vec![]
        }
        Action::Help => {
            app.overlays.push(Overlay::Help { scroll: 0 });
            vec![]
        }
        Action::Palette => {
            app.overlays.push(Overlay::Palette(Input::default()));
            vec![]
        }
        Action::Filter if app.pane.has_table() => {
            let current = app.view(app.pane).filter.clone();
            app.overlays.push(Overlay::Filter(Input::new(current)));
            vec![]
        }
        Action::Back => {
            if go_back(app) {
                return vec![];
            }
            let v = app.views.get_mut(&app.pane).expect("view");
            if !v.filter.is_empty() {
                v.filter.clear();
                app.refresh(app.pane);
            } else if app.pane == Pane::Quota && app.capacity.is_some() {
                close_capacity(app);
            } else {
                app.status = None;
            }
            vec![]
        }
        Action::NextPane => {
            app.go(Pane::ALL[(app.pane.index() + 1) % Pane::ALL.len()]);
            vec![]
        }
        Action::PrevPane => {
            app.go(Pane::ALL[(app.pane.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]);
            vec![]
        }
        // The Planner's pages are its option's details.
        Action::PageUp | Action::PageDown if app.pane == Pane::Planner => {
            let step = (app.page() / 2).max(1) as u16;
            let s = &mut app.planner.scroll;
            *s = if matches!(action, Action::PageUp) {
                s.saturating_sub(step)
            } else {
                s.saturating_add(step)
            };
            vec![]
        }
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => {
            move_selection(app, &action);
            if app.pane == Pane::Planner {
                app.planner.scroll = 0;
            }
            vec![]
        }
        Action::Sort
        | Action::SortReverse
        | Action::ColumnCursorLeft
        | Action::ColumnCursorRight
        | Action::ColumnsLeft
        | Action::ColumnsRight => super::table::on_action(app, action),
        Action::Select => select(app),
        Action::Undo => match app.last_ack.take() {
            Some(AckChange::Acked { id, label }) => {
                let ack = app
                    .silenced
                    .iter()
                    .find(|(n, _)| n.id == id)
                    .map(|(_, a)| a.clone());
                match ack {
                    Some(a) => {
                        app.writing = true;
                        vec![Effect::Unacknowledge {
                            ack: Box::new(a),
                            label,
                        }]
                    }
                    // Not silenced any more (it got worse): nothing to take back.
                    None => {
                        app.set_status(
                            Tone::Info,
                            format!("{label} is not silenced any more: nothing to undo there."),
                        );
                        vec![]
                    }
                }
            }
            Some(AckChange::Unacked { ack, label }) => {
                app.writing = true;
                vec![Effect::RestoreAck { ack, label }]
            }
            None => {
                app.writing = true;
                app.set_status(Tone::Info, "Undoing the last change…");
                vec![Effect::Undo {
                    now: app.now,
                    any: false,
                }]
            }
        },
        Action::Reload => {
            app.set_status(Tone::Info, "Reloading…");
            app.load()
        }
        Action::AddPtu
        | Action::SetRenewal
        | Action::NewReservation
        | Action::ChangeScope
        | Action::Refund
        | Action::Resize
        | Action::Delete => open_form(app, &action),
        Action::Acknowledge | Action::ToggleAcknowledged | Action::Info => {
            super::panes::notifications::on_action(app, action)
        }
        Action::Capacity => super::panes::quota::capacity_key(app),
        Action::RegionsDown | Action::RegionsUp => super::panes::overview::on_action(app, action),
        Action::Plan => super::panes::planner::plan_key(app),
        Action::PlanDiscontinue => super::panes::planner::plan_discontinue(app),
        Action::ApplyPlan => super::panes::planner::apply_selected(app),
        Action::ToggleBasis | Action::RangePrev | Action::RangeNext | Action::RangeThisMonth => {
            super::panes::forecast::on_action(app, action)
        }
        _ => vec![],
    }
}

fn select(app: &mut App) -> Vec<Effect> {
    if app.pane == Pane::Planner {
        return apply_selected(app);
    }
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let Some(key) = app.selected_key() else {
        return vec![];
    };
    match app.pane {
        Pane::Overview | Pane::Forecast => jump(app, &key),
        Pane::Notifications => super::panes::notifications::select(app, &key),
        Pane::Quota => super::panes::quota::select(app, key),
        Pane::Deployments | Pane::Commitments | Pane::Reservations => {
            super::popups::detail::open(app, &d, key)
        }
        Pane::Planner => vec![],
    }
}

fn overlay_action(app: &mut App, overlay: Overlay, action: Action) -> Vec<Effect> {
    match overlay {
        Overlay::Help { scroll } => super::popups::help::on_action(app, scroll, action),
        Overlay::Detail { .. } => super::popups::detail::on_action(app, action),
        Overlay::Confirm { then, .. } => super::popups::confirm::on_action(app, then, action),
        Overlay::Filter(_) => super::popups::filter::on_action(app, action),
        Overlay::Palette(input) => super::popups::palette::on_action(app, input, action),
        Overlay::Form(_) => form_action(app, action),
        Overlay::Remedies {
            notification,
            selected,
        } => remedies_action(app, *notification, selected, action),
        Overlay::Recommend(state) => super::popups::recommend::action(app, *state, action),
        Overlay::Choose {
            items, selected, ..
        } => super::panes::planner::choose_action(app, items, selected, action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::data::{Column, Row, SortKey, Table};
    use crate::tui::state::TableView;
    use crate::tui::theme::Theme;

    fn table() -> Table {
        let row = |k: &str, n: i64, kids: Vec<Row>| Row {
            key: k.into(),
            cells: vec![k.into(), n.to_string()],
            sort: vec![SortKey::text(k), SortKey::num(n)],
            children: kids,
            ..Default::default()
        };
        let col = |t| Column {
            title: t,
            width: 5,
            right: false,
            drop: 0,
            grow: false,
        };
        Table {
            columns: vec![col("a"), col("b")],
            rows: vec![
                row("beta", 2, vec![]),
                row("alpha", 3, vec![row("kid", 1, vec![])]),
                row("gamma", 1, vec![]),
            ],
            empty: String::new(),
            footer: None,
        }
    }

    #[test]
    fn views_filter_sort_expand_and_keep_the_selection() {
        let t = table();
        let mut v = TableView::default();
        v.refresh(&t);
        assert_eq!(v.rows, vec![(0, None), (1, None), (2, None)]);
        v.selected = 2; // gamma
        v.sort = Some((1, false));
        v.refresh(&t);
        assert_eq!(v.rows, vec![(2, None), (0, None), (1, None)]);
        assert_eq!(
            v.selected_row(&t).unwrap().key,
            "gamma",
            "the selection follows its row"
        );
        v.expanded.insert("alpha".into());
        v.refresh(&t);
        assert_eq!(
            v.rows.last(),
            Some(&(1, Some(0))),
            "children follow their parent"
        );
        v.filter = "KID".into();
        v.refresh(&t);
        assert_eq!(
            v.rows,
            vec![(1, None), (1, Some(0))],
            "a child's match keeps its parent"
        );
        v.filter = "zzz".into();
        v.refresh(&t);
        assert!(v.rows.is_empty());
        assert_eq!(v.selected, 0);
    }

    #[test]
    fn ranges_and_palette() {
        let (a, b) = parse_range("2027-01-01..2027-04-01").unwrap();
        assert_eq!(crate::domain::time::fmt_time(a), "2027-01-01T00:00:00Z");
        assert_eq!(crate::domain::time::fmt_time(b), "2027-04-01T00:00:00Z");
        assert!(parse_range("2027-01-01").is_err());
        assert!(parse_range("2027-04-01..2027-01-01").is_err());
        assert!(parse_range("2027-01-01T00:30:00Z..2027-04-01").is_err());
        assert_eq!(palette_matches("imp")[0].0, "import FILE...");
        assert_eq!(palette_matches("").len(), COMMANDS.len());
    }

    #[test]
    fn no_color_keeps_only_modifiers() {
        let t = Theme::new(&Default::default(), true).unwrap();
        assert_eq!(t.fg("critical"), ratatui::style::Style::default());
        assert!(
            t.selected()
                .add_modifier
                .contains(ratatui::style::Modifier::REVERSED)
        );
        let mut custom = std::collections::BTreeMap::new();
        custom.insert("critical".to_string(), "#ff0000".to_string());
        assert!(Theme::new(&custom, false).is_ok());
        custom.insert("nope".to_string(), "red".to_string());
        assert!(
            Theme::new(&custom, false)
                .unwrap_err()
                .contains("colors.nope")
        );
    }
}
