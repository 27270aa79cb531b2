//! The `?` help: every key from the live keymap, by where it works.

use crate::tui::action::{Action, Pane};
use crate::tui::app::{App, COMMANDS};
use crate::tui::popups::centered;
use crate::tui::table::block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Draws the help, scrolled `scroll` lines.
pub fn draw(app: &App, f: &mut Frame, body: Rect, scroll: u16) {
    let r = centered(body, body.width.saturating_sub(6).min(100), body.height);
    f.render_widget(Clear, r);
    let lines = help_lines(app);
    f.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(block(app, " Help: keys from your keymap (esc closes) ")),
        r,
    );
}

/// The help text, generated from the live keymap.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let km = &app.keymap;
    let mut lines: Vec<Line> = Vec::new();
    let row = |keys: String, what: String| -> Line<'static> {
        Line::from(vec![
            Span::styled(format!("  {keys:<22}"), app.theme.bold("accent")),
            Span::raw(what),
        ])
    };
    let section =
        |title: &str| Line::from(Span::styled(title.to_string(), app.theme.bold("header")));
    lines.push(section("Everywhere"));
    for b in &km.bindings {
        if b.action.panes().is_none() && !b.keys.is_empty() && b.action.pane().is_none() {
            lines.push(row(
                km.keys_of(&b.name),
                format!("{} ({})", b.action.describe(), b.name),
            ));
        }
    }
    let digits: Vec<String> = km
        .bindings
        .iter()
        .filter(|b| b.action.pane().is_some())
        .filter_map(|b| b.keys.first().map(|k| k.label()))
        .collect();
    lines.push(row(digits.join(" "), "the panes, in order".into()));
    lines.push(Line::default());
    lines.push(section("Tables"));
    for b in &km.bindings {
        if b.action.panes().is_some_and(|p| p.len() > 2) && !b.keys.is_empty() {
            lines.push(row(
                km.keys_of(&b.name),
                format!("{} ({})", b.action.describe(), b.name),
            ));
        }
    }
    for pane in Pane::ALL {
        let own: Vec<_> = km
            .bindings
            .iter()
            .filter(|b| {
                b.action
                    .panes()
                    .is_some_and(|p| p.len() <= 2 && p.contains(&pane))
            })
            .collect();
        if own.is_empty() {
            continue;
        }
        lines.push(Line::default());
        lines.push(section(pane.title()));
        if pane == Pane::Planner {
            // What the bottom bar says there: j/k choose, enter/a apply.
            lines.push(row(
                format!("{}/{}", km.keys_of("down"), km.keys_of("up")),
                "choose the option".into(),
            ));
        }
        for b in own {
            let keys = match b.action {
                // Enter applies the chosen option too.
                Action::ApplyPlan => format!("{}/{}", km.keys_of("select"), km.keys_of(&b.name)),
                _ => km.keys_of(&b.name),
            };
            lines.push(row(keys, format!("{} ({})", b.action.describe(), b.name)));
        }
    }
    lines.push(Line::default());
    lines.push(section("Edit forms (every change is priced before saving)"));
    lines.push(row("↑ ↓ tab".into(), "move between fields".into()));
    lines.push(row(
        "← → + - space".into(),
        "change a choice or step a number".into(),
    ));
    lines.push(row(
        "digits, text".into(),
        "type a number, name or time (2026-11-05, 2026-11-05 09:00 UTC, RFC 3339); the first key replaces the value".into(),
    ));
    lines.push(row(
        "enter".into(),
        "save (refunds and deletions ask first)".into(),
    ));
    lines.push(row("esc".into(), "cancel".into()));
    lines.push(Line::default());
    lines.push(section("Command palette (:)"));
    for (c, d) in COMMANDS {
        lines.push(row(format!(":{c}"), d.to_string()));
    }
    lines.push(row(
        ":ACTION".into(),
        "any action by its name, e.g. :add_ptu".into(),
    ));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Keys and colours: [keys] and [colors] in config.toml in your config folder. NO_COLOR turns colour off.",
        app.theme.dim(),
    )));
    lines
}
