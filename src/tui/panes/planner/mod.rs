//! The Planner pane: [`state`] holds its state and options table, [`draw`]
//! draws it (and the plan chooser), and its keys are here: `p` plans the
//! selected commitment or deployment, `D` discontinues its resource, enter
//! or `a` applies an option.

pub mod draw;
pub mod state;

pub use draw::{draw, draw_chooser};

use crate::planner::{PlanSet, Subject};
use crate::tui::action::{Action, Command, Pane};
use crate::tui::data::Loadable;
use crate::tui::data::{self, Tone};
use crate::tui::effect::Effect;
use crate::tui::panes::planner::state::{Choice, ChoiceThen};
use crate::tui::state::{App, Confirmed, Overlay, TableView, list_step};
use state::{AppliedPlan, PlannerState};
use std::sync::Arc;

/// The key bar while the plan chooser is open.
pub const CHOOSER_KEYS: &[(&str, &str)] =
    &[("↑↓", "choose"), ("enter", "plan it"), ("esc", "cancel")];

/// The Planner's commands: planning a commitment or deployment starts on
/// their panes (`p`, `D`; `D` leaves the bar first when it is short).
/// While options are shown, the moving keys choose one, Enter or `a`
/// applies it (not read-only) and page down shows its details.
pub fn commands() -> Vec<Command<App>> {
    const PLANNED: &[Pane] = &[Pane::Commitments, Pane::Deployments];
    const APPLY: &[&str] = &["select", "apply_plan"];
    vec![
        Command::list(Action::Down, Pane::Planner, 1, |app: &App| {
            app.planner.ready().map(|_| "choose")
        })
        .keys(&["down", "up"])
        .help("choose the option"),
        Command::list(Action::Select, Pane::Planner, 1, |app: &App| {
            (app.planner.ready().is_some() && !app.readonly).then_some("apply")
        })
        .keys(APPLY),
        Command::list(Action::PageDown, Pane::Planner, 2, |app: &App| {
            app.planner.ready().map(|_| "details")
        }),
        Command::new(Action::Plan, PLANNED, 1),
        Command::new(Action::PlanDiscontinue, PLANNED, 3),
        Command::help_only(Action::ApplyPlan, &[Pane::Planner]).keys(APPLY),
    ]
}

// The keys: what `app::update` routes to this pane.

/// Plans the Planner's subject again (after a reload), keeping what it
/// shows until the new options arrive.
pub(crate) fn replan(app: &mut App) -> Vec<Effect> {
    let (Some(subject), Some(d)) = (app.planner.subject.clone(), app.data().cloned()) else {
        return vec![];
    };
    let seq = app.next_seq();
    app.plan_seq = seq;
    vec![Effect::Plan {
        seq,
        estate: d.estate.clone(),
        subject,
        now: app.now,
    }]
}

/// Opens the Planner pane on a subject and asks the worker for its options.
pub fn open_plan(app: &mut App, subject: Subject) -> Vec<Effect> {
    if app.data().is_none() {
        app.set_status(Tone::Warning, "Still reading the store: plan in a moment.");
        return vec![];
    }
    app.planner = PlannerState {
        subject: Some(subject),
        ..Default::default()
    };
    *app.views.get_mut(&Pane::Planner).expect("view") = TableView::default();
    app.go(Pane::Planner);
    replan(app)
}

pub(crate) fn planned(app: &mut App, result: Result<Arc<PlanSet>, String>) {
    let fresh = app.view(Pane::Planner).rows.is_empty();
    match result {
        Ok(set) => {
            app.planner.table = Some(state::options_table(&set));
            app.planner.plans = Loadable::Ready(set.clone());
            app.refresh(Pane::Planner);
            if fresh
                && let Some(i) = set
                    .recommended
                    .as_deref()
                    .and_then(|r| set.options.iter().position(|o| o.name == r))
            {
                let page = app.page();
                app.views
                    .get_mut(&Pane::Planner)
                    .expect("view")
                    .select(i, page);
            }
        }
        Err(e) => {
            app.planner.table = None;
            app.planner.plans = Loadable::Failed(e);
            app.refresh(Pane::Planner);
        }
    }
}

/// The option selected in the Planner pane.
pub fn selected_option(app: &App) -> Option<(&Arc<PlanSet>, &crate::planner::PlanOption)> {
    let set = app.planner.ready()?;
    let t = app.planner.table.as_ref()?;
    let key = &app.view(Pane::Planner).selected_row(t)?.key;
    Some((set, set.option(key)?))
}

/// `p`: a commitment's migration; for a deployment, a chooser.
pub(crate) fn plan_key(app: &mut App) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let Some(key) = app.selected_key() else {
        app.set_status(Tone::Warning, "Select a row to plan first.");
        return vec![];
    };
    match app.pane {
        Pane::Commitments => open_plan(app, Subject::Migrate { commitment: key }),
        Pane::Deployments => {
            let items = state::deployment_choices(&d.estate, &key);
            if items.is_empty() {
                return vec![];
            }
            app.overlays.push(Overlay::Choose {
                title: format!("Plan for deployment {key}"),
                items,
                selected: 0,
            });
            vec![]
        }
        _ => vec![],
    }
}

/// `D`: discontinue the selected row's resource.
pub(crate) fn plan_discontinue(app: &mut App) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        return vec![];
    };
    let Some(key) = app.selected_key() else {
        app.set_status(Tone::Warning, "Select a row to plan first.");
        return vec![];
    };
    let e = &d.estate;
    let resource = match app.pane {
        Pane::Commitments => e
            .commitments
            .iter()
            .find(|c| c.id == key)
            .map(|c| c.resource.clone()),
        Pane::Deployments => e
            .deployments
            .iter()
            .find(|x| x.id == key)
            .map(|x| x.resource.clone()),
        _ => None,
    };
    match resource {
        Some(resource) => open_plan(app, Subject::Discontinue { resource }),
        None => vec![],
    }
}

/// Enter or `a` on an option: ask, then apply.
pub(crate) fn apply_selected(app: &mut App) -> Vec<Effect> {
    if app.readonly {
        app.set_status(
            Tone::Warning,
            "Read-only (--readonly): plans are shown, not applied.",
        );
        return vec![];
    }
    let Some((set, o)) = selected_option(app) else {
        app.set_status(
            Tone::Warning,
            "No plan option to apply: press p on a commitment or a deployment first.",
        );
        return vec![];
    };
    let mut message = format!(
        "Apply option {} of plan {}? Its {} step(s) go into the store as future-dated plans: total {}, {} against doing nothing over the horizon (the planner's figures). u undoes it.",
        o.name,
        state::title(&set.subject),
        o.steps.len(),
        data::money(o.costs.total()),
        data::delta(o.vs_nothing),
    );
    if let Some(p) = o
        .preconditions
        .iter()
        .find(|p| p.status == crate::planner::Status::Unmet)
    {
        message.push_str(&format!(
            " A precondition fails: {}.",
            p.text.trim_end_matches('.')
        ));
    }
    if o.contingency {
        message.push_str(" This option is what to do if things run late.");
    }
    let then = Confirmed::ApplyPlan {
        subject: set.subject.clone(),
        option: o.name.clone(),
    };
    app.overlays.push(Overlay::Confirm { message, then });
    vec![]
}

pub(crate) fn plan_applied(app: &mut App, result: Result<AppliedPlan, String>) -> Vec<Effect> {
    app.writing = false;
    app.overlays
        .retain(|o| !matches!(o, Overlay::Confirm { .. }));
    match result {
        Ok(a) => {
            // Say how to get this month back.
            let back = app
                .keymap
                .first_key("range_this_month")
                .map(|k| format!(" ({k} in Forecast: back to this month)"))
                .unwrap_or_default();
            app.set_status(Tone::Ok, format!("{}{back}", a.message));
            app.planner.applied = Some(a.message);
            // The Forecast pane shows the plan's rated window.
            app.chart.from = a.from;
            app.chart.to = a.to;
            app.chart.data = Loadable::Loading;
            app.go(Pane::Forecast);
            app.load()
        }
        Err(e) => {
            app.set_status(Tone::Critical, e);
            vec![]
        }
    }
}

/// Keys while the plan chooser is open: choose a subject, plan it.
pub(crate) fn choose_action(
    app: &mut App,
    items: Vec<Choice>,
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
            let to = list_step(&action, selected, items.len());
            if let Some(Overlay::Choose { selected, .. }) = app.overlays.last_mut() {
                *selected = to;
            }
            vec![]
        }
        Action::Select => {
            app.overlays.pop();
            match items.get(selected).map(|c| c.then.clone()) {
                Some(ChoiceThen::Plan(subject)) => open_plan(app, subject),
                Some(ChoiceThen::PickResource { deployment }) => {
                    let Some(d) = app.data().cloned() else {
                        return vec![];
                    };
                    let items = state::resource_choices(&d.estate, &deployment);
                    if items.is_empty() {
                        app.set_status(
                            Tone::Warning,
                            format!("No other resource to move {deployment} to."),
                        );
                    } else {
                        app.overlays.push(Overlay::Choose {
                            title: format!("Move {deployment} to"),
                            items,
                            selected: 0,
                        });
                    }
                    vec![]
                }
                None => vec![],
            }
        }
        _ => vec![],
    }
}
