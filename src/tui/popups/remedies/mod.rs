//! Drawing a notification's remedies (`enter` on a notification): the
//! notification on top, then its remedies side by side as cards, like the
//! Planner's options (a list when the window is narrow), each with what it
//! saves over the workload's lifetime and the horizon, its cost a day, what
//! it commits to after the horizon, whether it is safe, and the objects it
//! changes; below, the chosen one's steps. Every figure is the remedies
//! pricer's (rated by the core); this only formats.

pub mod keys;

use crate::domain::notice::Notification;
use crate::domain::plan::Remedy;
use crate::report::wrap;
use crate::tui::data::{Tone, minute, money};
use crate::tui::state::App;
use crate::tui::table::{block, tone_style};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Clear, Paragraph};

/// The key bar while the remedies are open.
pub const KEYS: &[(&str, &str)] = &[("j/k", "choose"), ("enter/a", "apply"), ("esc", "close")];

/// Columns a card needs.
const CARD_MIN: u16 = 30;

pub fn draw(app: &App, f: &mut Frame, area: Rect, n: &Notification, selected: usize) {
    let r = Rect::new(
        area.x + 1,
        area.y,
        area.width.saturating_sub(2),
        area.height,
    );
    f.render_widget(Clear, r);
    let b = block(app, format!(" Remedies for {} ({}) ", n.id, n.kind));
    let inner = b.inner(r);
    f.render_widget(b, r);
    let w = inner.width as usize;
    let mut head: Vec<Line> = wrap(&n.message, "", w.saturating_sub(1))
        .into_iter()
        .take(2)
        .map(Line::from)
        .collect();
    head.push(Line::from(Span::styled(
        format!(
            "{} remedy(ies), safe first, then by the saving over the workload's lifetime; amortized, against doing nothing",
            n.remedies.len()
        ),
        app.theme.dim(),
    )));
    let head_h = head.len() as u16;
    f.render_widget(
        Paragraph::new(head),
        Rect::new(inner.x, inner.y, inner.width, head_h.min(inner.height)),
    );
    let rest = Rect::new(
        inner.x,
        inner.y + head_h,
        inner.width,
        inner.height.saturating_sub(head_h),
    );
    if rest.height == 0 || n.remedies.is_empty() {
        return;
    }
    let fit = (rest.width / CARD_MIN).max(1) as usize;
    let card_h = 12u16.min(rest.height);
    if fit >= 2 {
        // Cards: a window of them around the chosen one.
        let shown = fit.min(n.remedies.len());
        let first = selected
            .saturating_sub(shown - 1)
            .min(n.remedies.len() - shown);
        let cw = rest.width / shown as u16;
        for k in 0..shown {
            let i = first + k;
            let width = if k + 1 == shown {
                rest.width - cw * k as u16
            } else {
                cw
            };
            let cr = Rect::new(rest.x + cw * k as u16, rest.y, width, card_h);
            card(app, f, cr, i, &n.remedies[i], i == selected);
        }
        let below = Rect::new(
            rest.x,
            rest.y + card_h,
            rest.width,
            rest.height.saturating_sub(card_h),
        );
        steps(app, f, below, selected, &n.remedies[selected]);
    } else {
        // Narrow: one line each, then the chosen one.
        let mut lines: Vec<Line> = Vec::new();
        for (i, r) in n.remedies.iter().enumerate() {
            let style = if i == selected {
                app.theme.bold("accent").add_modifier(Modifier::REVERSED)
            } else {
                tone_style(&app.theme, Tone::Plain)
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "{}. {} saves {} (life)",
                    i + 1,
                    r.kind.name(),
                    money(r.saving_lifetime)
                ),
                style,
            )));
        }
        let h = (lines.len() as u16).min(rest.height);
        f.render_widget(
            Paragraph::new(lines),
            Rect::new(rest.x, rest.y, rest.width, h),
        );
        let below = Rect::new(
            rest.x,
            rest.y + h,
            rest.width,
            rest.height.saturating_sub(h),
        );
        steps(app, f, below, selected, &n.remedies[selected]);
    }
}

fn card(app: &App, f: &mut Frame, r: Rect, i: usize, rem: &Remedy, selected: bool) {
    let inner_w = r.width.saturating_sub(2) as usize;
    let mut title = format!(" {}. {} ", i + 1, rem.kind.name());
    if i == 0 && title.chars().count() + 8 <= inner_w {
        title.push_str("· first ");
    }
    let (border, title_style) = if selected {
        (
            app.theme.bold("accent"),
            app.theme.bold("accent").add_modifier(Modifier::REVERSED),
        )
    } else {
        (
            app.theme.dim(),
            tone_style(&app.theme, if rem.safe { Tone::Ok } else { Tone::Warning })
                .add_modifier(Modifier::BOLD),
        )
    };
    let b = ratatui::widgets::Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(title, title_style));
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines: Vec<Line> = Vec::new();
    let mut s = wrap(&rem.summary, "", inner_w);
    if s.len() > 3 {
        s.truncate(3);
        let last = &mut s[2];
        if last.chars().count() >= inner_w {
            *last = last.chars().take(inner_w.saturating_sub(1)).collect();
        }
        last.push('…');
    }
    while s.len() < 3 {
        s.push(String::new());
    }
    lines.extend(s.into_iter().map(Line::from));
    let figure = |label: &str, v: String| -> Line<'static> {
        let pad = inner_w.saturating_sub(label.chars().count() + v.chars().count());
        Line::from(vec![
            Span::styled(label.to_string(), app.theme.dim()),
            Span::raw(" ".repeat(pad)),
            Span::raw(v),
        ])
    };
    lines.push(figure("saves (life)", money(rem.saving_lifetime)));
    lines.push(figure("saves (horizon)", money(rem.saving_horizon)));
    lines.push(figure("cost a day", money(rem.cost_per_day)));
    lines.push(figure("commits after", money(rem.committed_after_horizon)));
    lines.push(Line::from(Span::styled(
        match &rem.why_not {
            Some(w) if !rem.safe => format!("not safe: {w}"),
            _ => "safe".to_string(),
        },
        tone_style(&app.theme, if rem.safe { Tone::Ok } else { Tone::Warning }),
    )));
    let objects = rem.objects();
    lines.push(Line::from(Span::styled(
        if objects.is_empty() {
            "changes nothing".to_string()
        } else {
            format!("changes {}", objects.join(", "))
        },
        app.theme.dim(),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

fn steps(app: &App, f: &mut Frame, area: Rect, i: usize, rem: &Remedy) {
    if area.height == 0 {
        return;
    }
    let w = area.width as usize;
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(
        format!(
            "{}. {} · lifetime {}",
            i + 1,
            rem.kind.name(),
            rem.lifetime.describe()
        ),
        app.theme.bold("header"),
    ))];
    for s in &rem.steps {
        for (k, l) in wrap(&s.action, "                    ", w.saturating_sub(1))
            .into_iter()
            .enumerate()
        {
            lines.push(Line::from(if k == 0 {
                format!("  {}  {}", minute(s.at), l.trim_start())
            } else {
                l
            }));
        }
    }
    if let Some(why) = &rem.why_not {
        lines.push(Line::from(Span::styled(
            format!("  {why}"),
            tone_style(&app.theme, Tone::Warning),
        )));
    }
    lines.push(Line::from(Span::styled(
        "  enter or a applies it (a purchase opens the new-reservation form filled in); one change, u undoes it",
        app.theme.dim(),
    )));
    f.render_widget(Paragraph::new(lines), area);
}
