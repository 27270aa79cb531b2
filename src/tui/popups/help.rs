//! The `?` help: every key from the live keymap, by where it works.

use crate::tui::action::{Action, Command, Pane};
use crate::tui::commands;
use crate::tui::effect::Effect;
use crate::tui::popups::centered;
use crate::tui::popups::form;
use crate::tui::popups::palette::{ANY_ACTION, COMMANDS};
use crate::tui::state::{App, Overlay};
use crate::tui::table::block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The key bar while the help is open.
pub const KEYS: &[(&str, &str)] = &[("esc", "close"), ("↑↓", "scroll")];

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
            Span::styled(format!("  {keys:<21} "), app.theme.bold("accent")),
            Span::raw(what),
        ])
    };
    let section =
        |title: &str| Line::from(Span::styled(title.to_string(), app.theme.bold("header")));
    lines.push(section("Everywhere"));
    for b in &km.bindings {
        if km.panes_of(&b.action).is_none() && !b.keys.is_empty() && b.action.pane().is_none() {
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
    // Each pane's commands, as its file declares them: what it names the
    // list's keys, where the help says so, then its own.
    let keys = |c: &Command<App>| {
        let keys: Vec<String> = c.key_names().iter().map(|n| km.keys_of(n)).collect();
        keys.join("/")
    };
    for pane in Pane::ALL {
        let mut rows: Vec<Line> = commands::lists(pane)
            .iter()
            .filter_map(|c| c.help.map(|what| row(keys(c), what.into())))
            .collect();
        for c in commands::of(pane) {
            let name = c.action.name().unwrap_or_default();
            rows.push(row(keys(&c), format!("{} ({name})", c.action.describe())));
        }
        if rows.is_empty() {
            continue;
        }
        lines.push(Line::default());
        lines.push(section(pane.title()));
        lines.extend(rows);
    }
    lines.push(Line::default());
    // The forms' keys, as the form declares them.
    let (title, keys) = form::HELP;
    lines.push(section(title));
    for (k, d) in keys {
        lines.push(row(k.to_string(), d.to_string()));
    }
    lines.push(Line::default());
    lines.push(section("Command palette (:)"));
    for (c, d) in COMMANDS {
        lines.push(row(format!(":{c}"), d.to_string()));
    }
    lines.push(row(ANY_ACTION.0.into(), ANY_ACTION.1.into()));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "Keys and colours: [keys] and [colors] in config.toml in your config folder. NO_COLOR turns colour off.",
        app.theme.dim(),
    )));
    lines
}

/// Keys while the help is open: scroll, close.
pub(crate) fn on_action(app: &mut App, scroll: u16, action: Action) -> Vec<Effect> {
    // The help's last screenful starts here (its box has borders).
    let last = (help_lines(app).len() as u16).saturating_sub(app.size.1.saturating_sub(4 + 2));
    match action {
        Action::Back | Action::Help | Action::Select => {
            app.overlays.pop();
        }
        Action::Quit => app.quit = true,
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => {
            let s = match action {
                Action::Up => scroll.saturating_sub(1),
                Action::Down => scroll + 1,
                Action::PageUp => scroll.saturating_sub(10),
                Action::PageDown => scroll + 10,
                Action::Bottom => last,
                _ => 0,
            }
            .min(last);
            if let Some(Overlay::Help { scroll }) = app.overlays.last_mut() {
                *scroll = s;
            }
        }
        _ => {}
    }
    vec![]
}
