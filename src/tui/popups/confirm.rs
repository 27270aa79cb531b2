//! A confirmation: the question, then `y` yes and `n` no.

use crate::tui::action::Action;
use crate::tui::data::Tone;
use crate::tui::effect::Effect;
use crate::tui::panes::planner::state as plan;
use crate::tui::popups::centered;
use crate::tui::popups::form::keys::save;
use crate::tui::state::{App, Confirmed, Overlay};
use crate::tui::table::block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The key bar while a confirmation asks.
pub const KEYS: &[(&str, &str)] = &[("y/enter", "yes"), ("n/esc", "no")];

/// Draws the question `message`.
pub fn draw(app: &App, f: &mut Frame, body: Rect, message: &str) {
    let w = body.width.saturating_sub(10).min(72);
    let text_lines = crate::report::wrap(message, "", w.saturating_sub(4) as usize);
    let h = text_lines.len() as u16 + 4;
    let r = centered(body, w, h);
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = text_lines.into_iter().map(Line::from).collect();
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("y", app.theme.bold("accent")),
        Span::raw(" yes    "),
        Span::styled("n", app.theme.bold("accent")),
        Span::raw(" no"),
    ]));
    f.render_widget(Paragraph::new(lines).block(block(app, " Confirm ")), r);
}

/// Keys while a confirmation is open: yes does what was asked (`then`),
/// no says nothing was written.
pub(crate) fn on_action(app: &mut App, then: Confirmed, action: Action) -> Vec<Effect> {
    match action {
        Action::Confirm | Action::Select => {
            app.overlays.pop();
            match then {
                Confirmed::Save(edit) => save(app, *edit),
                Confirmed::Undo => {
                    app.writing = true;
                    vec![Effect::Undo {
                        now: app.now,
                        any: true,
                    }]
                }
                Confirmed::ApplyRemedy { summary, changes } => {
                    // The remedies are of the estate before the change.
                    app.overlays
                        .retain(|o| !matches!(o, Overlay::Remedies { .. }));
                    if app.readonly {
                        app.set_status(Tone::Warning, "Read-only (--readonly): not applied.");
                        return vec![];
                    }
                    app.writing = true;
                    app.set_status(Tone::Info, format!("Applying {summary}…"));
                    vec![Effect::ApplyRemedy {
                        summary,
                        changes,
                        now: app.now,
                    }]
                }
                Confirmed::ApplyPlan { subject, option } => {
                    if app.readonly {
                        app.set_status(Tone::Warning, "Read-only (--readonly): not applied.");
                        return vec![];
                    }
                    app.writing = true;
                    app.set_status(
                        Tone::Info,
                        format!("Applying {}…", plan::summary(&subject, &option)),
                    );
                    vec![Effect::ApplyPlan {
                        subject,
                        option,
                        now: app.now,
                    }]
                }
            }
        }
        Action::Back => {
            app.overlays.pop();
            let msg = match then {
                Confirmed::ApplyPlan { .. } | Confirmed::ApplyRemedy { .. } => {
                    "Not applied: nothing written."
                }
                _ => "Not saved.",
            };
            app.set_status(Tone::Info, msg);
            vec![]
        }
        Action::Quit => {
            app.quit = true;
            vec![]
        }
        _ => vec![],
    }
}
