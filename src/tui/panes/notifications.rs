//! The Notifications pane: what the alert rules found, most severe first.

use crate::domain::notice::{Ack, Notification, Severity};
use crate::tui::action::{Action, Command, Pane};
use crate::tui::data::{self, Row, SortKey, Table, Tone, c, minute, money};
use crate::tui::data::{Loadable, capitalize};
use crate::tui::effect::Effect;
use crate::tui::form::Form;
use crate::tui::state::{App, Overlay, jump};
use crate::tui::table::{failed, loading, table_pane};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The Notifications pane's own commands.
pub fn commands() -> Vec<Command<App>> {
    vec![
        // Enter on a row.
        Command::list(Action::Select, Pane::Notifications, 1, |app: &App| {
            app.has_rows(Pane::Notifications).then_some("go to")
        }),
        Command::new(Action::Acknowledge, &[Pane::Notifications], 1),
        Command::new(Action::ToggleAcknowledged, &[Pane::Notifications], 1),
        Command::new(Action::Info, &[Pane::Notifications], 1),
    ]
}

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    match &app.notifications {
        Loadable::Ready(_) => table_pane(app, f, area, Pane::Notifications, " Notifications "),
        Loadable::Loading => loading(app, f, area, "Checking the notifications"),
        Loadable::Failed(e) => failed(app, f, area, e),
    }
}

/// The notifications, most severe first, then by date.
pub fn notification_table(list: &[Notification]) -> Table {
    let mut v: Vec<&Notification> = list.iter().collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.at.cmp(&b.at))
            .then(a.id.cmp(&b.id))
    });
    let rows = v
        .into_iter()
        .map(|n| Row {
            key: n.id.clone(),
            cells: vec![
                n.severity.name().into(),
                minute(n.at),
                n.kind.replace('_', " "),
                n.subject.clone(),
                money(n.cost_impact),
                n.message.clone(),
            ],
            sort: vec![
                SortKey::num(match n.severity {
                    Severity::Critical => 2,
                    Severity::Warning => 1,
                    Severity::Info => 0,
                }),
                SortKey::time(n.at),
                SortKey::text(n.kind),
                SortKey::text(&n.subject),
                SortKey::Num(n.cost_impact),
                SortKey::text(&n.message),
            ],
            tone: match n.severity {
                Severity::Critical => Tone::Critical,
                Severity::Warning => Tone::Warning,
                Severity::Info => Tone::Info,
            },
            children: vec![],
        })
        .collect();
    Table {
        columns: vec![
            // At 80 columns: severity, when, subject, cost and the message
            // (in full under the table); `>` brings in the kind.
            c("Severity", 8, 0, false, false),
            c("When", 10, 1, false, false),
            c("Kind", 12, 2, false, false),
            c("Subject", 14, 0, false, false),
            c("Cost", 11, 0, true, false),
            c("Message", 16, 0, false, true),
        ],
        rows,
        empty: "Nothing to report: no notification is in force or due.".into(),
        footer: Some(5),
    }
}

// The keys: what `app::update` routes to this pane.

/// The pane's own keys: acknowledge (or take back), show or hide the
/// acknowledged, the notification in full.
pub(crate) fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Acknowledge => {
            let Some(key) = app.selected_key() else {
                app.set_status(Tone::Warning, "Select a notification first.");
                return vec![];
            };
            match app.notification(&key).map(|(n, a)| (n.clone(), a.cloned())) {
                // An acknowledged one: take the acknowledgement back.
                Some((n, Some(a))) => {
                    app.writing = true;
                    vec![Effect::Unacknowledge {
                        ack: Box::new(a),
                        label: crate::tui::effect::ack_label(&n),
                    }]
                }
                Some((n, None)) => {
                    app.overlays
                        .push(Overlay::Form(Box::new(Form::acknowledge(&n))));
                    vec![]
                }
                None => vec![],
            }
        }
        Action::ToggleAcknowledged => {
            app.show_acknowledged = !app.show_acknowledged;
            rebuild(app);
            let n = app.silenced.len();
            app.set_status(
                Tone::Info,
                if app.show_acknowledged {
                    format!("Showing {n} acknowledged notification(s), dimmed: a takes one back.")
                } else {
                    "Acknowledged notifications hidden.".to_string()
                },
            );
            vec![]
        }
        Action::Info => {
            let Some(key) = app.selected_key() else {
                return vec![];
            };
            if let Some((n, a)) = app.notification(&key) {
                // The popup's text width (it is drawn 110 wide at most).
                let width = (app.size.0.saturating_sub(6).min(110)).saturating_sub(2);
                let lines = notification_lines(n, a, width as usize);
                let title = format!("Notification {}", n.id);
                app.overlays.push(Overlay::Detail {
                    title,
                    key: String::new(),
                    lines,
                    scroll: 0,
                });
            }
            vec![]
        }
        _ => vec![],
    }
}

/// Enter on a notification: its remedies, or its subject when it has none.
pub(crate) fn select(app: &mut App, key: &str) -> Vec<Effect> {
    let Some(n) = app.notification(key).map(|(n, _)| n.clone()) else {
        return vec![];
    };
    if n.remedies.is_empty() {
        return jump(app, &n.subject);
    }
    app.overlays.push(Overlay::Remedies {
        notification: Box::new(n),
        selected: 0,
    });
    vec![]
}

/// Builds the pane's table again from the notifications and, when the
/// acknowledged ones are shown, those too (dimmed, saying so).
pub(crate) fn rebuild(app: &mut App) {
    app.notification_table = match &app.notifications {
        Loadable::Ready(list) if app.show_acknowledged => {
            let mut all: Vec<Notification> = list.to_vec();
            all.extend(app.silenced.iter().map(|(n, _)| n.clone()));
            let mut t = notification_table(&all);
            // The acknowledged ones dimmed, saying so.
            for r in &mut t.rows {
                if let Some((_, a)) = app.silenced.iter().find(|(n, _)| n.id == r.key) {
                    r.tone = Tone::Dim;
                    if let Some(m) = r.cells.last_mut() {
                        *m = format!("[{}] {m}", ack_words(a));
                    }
                }
            }
            Some(t)
        }
        Loadable::Ready(list) => Some(notification_table(list)),
        _ => None,
    };
    app.refresh(Pane::Notifications);
}

/// An acknowledgement in a few words.
pub fn ack_words(a: &Ack) -> String {
    let mut s = format!("acknowledged {}", data::minute(a.at));
    if let Some(u) = a.until {
        s.push_str(&format!(" until {}", data::minute(u)));
    }
    s
}

/// The notification popup's lines (`i` in the Notifications pane),
/// wrapped to `width`.
pub fn notification_lines(
    n: &Notification,
    ack: Option<&Ack>,
    width: usize,
) -> Vec<(String, Tone)> {
    let tone = match n.severity {
        crate::domain::notice::Severity::Critical => Tone::Critical,
        crate::domain::notice::Severity::Warning => Tone::Warning,
        crate::domain::notice::Severity::Info => Tone::Info,
    };
    let field = |k: &str, v: String| (format!("{k:<10}{v}"), Tone::Plain);
    let wrapped = |text: &str, indent: &str, tone: Tone| -> Vec<(String, Tone)> {
        crate::report::wrap(text, indent, width)
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let l = if i == 0 {
                    l.trim_start().to_string()
                } else {
                    l
                };
                (l, tone)
            })
            .collect()
    };
    let mut out = wrapped(&n.message, "", tone);
    out.extend(wrapped(&format!("-> {}", n.action), "   ", Tone::Plain));
    out.extend(vec![
        (String::new(), Tone::Plain),
        field("Severity", n.severity.name().to_string()),
        field("Kind", n.kind.replace('_', " ")),
        field("Subject", n.subject.clone()),
        field("When", data::minute(n.at)),
        field("Cost", data::money(n.cost_impact)),
        field("Id", n.id.clone()),
        (String::new(), Tone::Plain),
    ]);
    match ack {
        Some(a) => {
            out.extend(wrapped(
                &format!("{}: {}", capitalize(&ack_words(a)), a.note),
                "",
                Tone::Dim,
            ));
            out.extend(wrapped(
                &format!("a takes it back (or `ptudesk unack {}`).", n.id),
                "",
                Tone::Dim,
            ));
        }
        None => out.extend(wrapped(
            &format!(
                "a acknowledges it (or `ptudesk ack {}`); enter goes to {}.",
                n.id, n.subject
            ),
            "",
            Tone::Dim,
        )),
    }
    out
}
