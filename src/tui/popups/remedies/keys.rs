//! A notification's remedies: choosing one prices it (the worker rates the
//! what-if), applying it saves its edits after a confirmation.

use crate::domain::notice::Notification;
use crate::domain::plan::Edit;
use crate::tui::action::Action;
use crate::tui::data::{self, Tone};
use crate::tui::effect::Effect;
use crate::tui::popups::form::Form;
use crate::tui::popups::form::keys::reprice;
use crate::tui::state::{App, Confirmed, Overlay, list_step};

/// Keys in a notification's remedies: choose one (j/k), apply it (enter
/// or a): a purchase opens the new-reservation form filled in from it;
/// other changes ask, then go into the store as one change (`u` undoes).
pub(crate) fn remedies_action(
    app: &mut App,
    n: Notification,
    selected: usize,
    action: Action,
) -> Vec<Effect> {
    match action {
        Action::Back => {
            app.overlays.pop();
            vec![]
        }
        Action::Quit => {
            app.quit = true;
            vec![]
        }
        Action::Up | Action::Down | Action::Top | Action::Bottom => {
            let to = list_step(&action, selected, n.remedies.len());
            if let Some(Overlay::Remedies { selected, .. }) = app.overlays.last_mut() {
                *selected = to;
            }
            vec![]
        }
        Action::Select | Action::Acknowledge | Action::ApplyPlan => {
            let Some(r) = n.remedies.get(selected) else {
                return vec![];
            };
            if app.readonly {
                app.set_status(Tone::Warning, "Read-only (--readonly): not applied.");
                return vec![];
            }
            if r.changes.is_empty() {
                return apply_remedy(app, &n, selected, r.clone());
            }
            // Priced when the notifications were evaluated: price it again
            // on the store's estate as it is now before anything is written.
            app.set_status(Tone::Info, "Pricing the remedies on the current estate…");
            vec![Effect::Reprice {
                shown: Box::new(n),
                index: selected,
                now: app.now,
            }]
        }
        _ => vec![],
    }
}

/// The same remedy in a re-priced notification: same kind, same objects.
fn same_remedy(
    list: &[crate::domain::plan::Remedy],
    r: &crate::domain::plan::Remedy,
) -> Option<usize> {
    list.iter()
        .position(|x| x.kind == r.kind && x.objects() == r.objects() && x.summary == r.summary)
        .or_else(|| {
            list.iter()
                .position(|x| x.kind == r.kind && x.objects() == r.objects())
        })
}

/// The remedies re-priced on the current estate: the same figures and
/// changes go on to be applied; otherwise the popup shows the new figures
/// and nothing is written until the user applies again.
pub(crate) fn repriced(
    app: &mut App,
    shown: Notification,
    index: usize,
    fresh: Result<Option<Box<Notification>>, String>,
) -> Vec<Effect> {
    // Only while the popup it came from is still open.
    let open = matches!(
        app.overlays.last(),
        Some(Overlay::Remedies { notification, .. }) if notification.id == shown.id
    );
    if !open {
        return vec![];
    }
    let Some(r) = shown.remedies.get(index).cloned() else {
        return vec![];
    };
    let fresh = match fresh {
        Err(e) => {
            app.set_status(
                Tone::Critical,
                format!("Not applied: the remedies could not be priced again: {e}"),
            );
            return vec![];
        }
        Ok(None) => {
            app.overlays.pop();
            app.set_status(
                Tone::Warning,
                format!(
                    "Not applied: {} is no longer raised on the current estate (the store changed since it was evaluated).",
                    shown.id
                ),
            );
            return app.load();
        }
        Ok(Some(n)) => *n,
    };
    let Some(j) = same_remedy(&fresh.remedies, &r) else {
        if let Some(Overlay::Remedies {
            notification,
            selected,
        }) = app.overlays.last_mut()
        {
            **notification = fresh.clone();
            *selected = 0;
        }
        app.set_status(
            Tone::Warning,
            format!(
                "Not applied: the estate changed since {} was evaluated and remedy {} ({}) is no longer offered; its remedies now are shown.",
                shown.id,
                index + 1,
                r.kind.name()
            ),
        );
        return vec![];
    };
    let now_r = fresh.remedies[j].clone();
    let unchanged = now_r.changes == r.changes
        && now_r.saving_lifetime == r.saving_lifetime
        && now_r.saving_horizon == r.saving_horizon
        && now_r.cost_per_day == r.cost_per_day
        && now_r.committed_after_horizon == r.committed_after_horizon;
    if unchanged {
        return apply_remedy(app, &fresh, j, now_r);
    }
    if let Some(Overlay::Remedies {
        notification,
        selected,
    }) = app.overlays.last_mut()
    {
        **notification = fresh.clone();
        *selected = j;
    }
    app.set_status(
        Tone::Warning,
        format!(
            "The estate changed since {} was evaluated: remedy {} ({}) now saves {} over the lifetime (was {}), {} over the horizon (was {}). Nothing written; enter applies it at these figures.",
            shown.id,
            j + 1,
            now_r.kind.name(),
            data::money(now_r.saving_lifetime),
            data::money(r.saving_lifetime),
            data::money(now_r.saving_horizon),
            data::money(r.saving_horizon),
        ),
    );
    vec![]
}

/// Applies remedy number `i` (from 0) of a notification.
fn apply_remedy(
    app: &mut App,
    n: &Notification,
    i: usize,
    r: crate::domain::plan::Remedy,
) -> Vec<Effect> {
    if app.readonly {
        app.set_status(Tone::Warning, "Read-only (--readonly): not applied.");
        return vec![];
    }
    if r.changes.is_empty() {
        app.set_status(
            Tone::Info,
            format!("Remedy {}: {} (nothing to write).", i + 1, r.summary),
        );
        return vec![];
    }
    // A purchase alone: the new-reservation form, filled in from it.
    if let [Edit::AddReservation(res)] = r.changes.as_slice() {
        let Some(d) = app.data().cloned() else {
            return vec![];
        };
        app.overlays.pop();
        let form = Form::purchase(&d.estate, res, app.now);
        app.overlays.push(Overlay::Form(Box::new(form)));
        app.set_status(
            Tone::Info,
            format!(
                "Remedy {} of {}: the purchase, filled in; check it and save (u undoes it).",
                i + 1,
                n.id
            ),
        );
        return reprice(app);
    }
    let summary = format!("fix {} remedy {}: {}", n.id, i + 1, r.kind.name());
    let message = format!(
        "Apply remedy {} of {} ({})? {} It saves {} over the lifetime ({}), {} over the horizon; one change, u undoes it.",
        i + 1,
        n.id,
        r.kind.name(),
        r.summary.trim_end_matches('.'),
        data::money(r.saving_lifetime),
        r.lifetime.describe(),
        data::money(r.saving_horizon),
    );
    app.overlays.push(Overlay::Confirm {
        message,
        then: Confirmed::ApplyRemedy {
            summary,
            changes: r.changes,
        },
    });
    vec![]
}
