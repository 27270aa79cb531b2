//! A confirmation: the question, then `y` yes and `n` no.

use crate::tui::app::App;
use crate::tui::popups::centered;
use crate::tui::table::block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

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
