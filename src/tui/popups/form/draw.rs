//! Drawing an edit form and its what-if: the fields (hidden ones left out,
//! a pre-filled value shown selected), then the preview the worker rated:
//! the billed charges the edit adds, removes or changes, a deployment's
//! metered effect on a day, the forecast deltas, and, in words, why Azure
//! would refuse it (saving is refused then) or what to know.

use crate::planner::preview::{Preview, group_charges};
use crate::tui::data::{bill_label, day, delta, minute, money};
use crate::tui::popups::form::Form;
use crate::tui::state::App;
use crate::tui::table::block;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use rust_decimal::Decimal;

/// Width of the labels of the preview's figures.
const LABEL: usize = 28;
/// At most this many charge lines; the rest are counted.
const MAX_CHARGES: usize = 6;

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Draws the form over the body.
pub fn draw(app: &App, f: &mut Frame, form: &Form, body: Rect) {
    let w = body.width.saturating_sub(4).min(100);
    let text_w = w.saturating_sub(2) as usize;
    let shown: Vec<usize> = (0..form.fields.len())
        .filter(|&i| !form.fields[i].hidden)
        .collect();
    let below = below_fields(app, form, text_w);
    let h = (shown.len() as u16 + below.len() as u16 + 3).min(body.height);
    let r = centered(body, w, h);
    f.render_widget(Clear, r);
    let b = block(app, format!(" {} ", form.title));
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines: Vec<Line> = Vec::new();
    for (row, &i) in shown.iter().enumerate() {
        let field = &form.fields[i];
        let focused = i == form.focus;
        let marker = if focused { "▶ " } else { "  " };
        let label_style = if focused {
            app.theme.bold("accent")
        } else {
            Style::default()
        };
        let value_style = match (focused, field.fresh && field.typed()) {
            // Selected: the first key typed replaces it.
            (true, true) => Style::default().add_modifier(Modifier::REVERSED),
            (true, false) => Style::default().add_modifier(Modifier::UNDERLINED),
            _ => Style::default(),
        };
        let mut value = field.display();
        if value.is_empty() && field.optional {
            value = if focused {
                String::new()
            } else {
                "(none)".into()
            };
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{:<16}", field.label), label_style),
            Span::styled(value, value_style),
        ]));
        if focused && let Some(c) = field.cursor() {
            let c = if field.fresh {
                field.display().len()
            } else {
                c
            };
            let x = inner.x + 18 + c as u16;
            let y = inner.y + row as u16;
            if x < inner.x + inner.width && y < inner.y + inner.height {
                f.set_cursor_position(Position::new(x, y));
            }
        }
    }
    lines.push(Line::default());
    lines.extend(below);
    f.render_widget(Paragraph::new(lines), inner);
}

/// What goes under the fields: an acknowledgement's subject, or the preview.
fn below_fields(app: &App, form: &Form, width: usize) -> Vec<Line<'static>> {
    if !form.info.is_empty() {
        let mut out = Vec::new();
        for (i, l) in form.info.iter().enumerate() {
            if l.is_empty() {
                out.push(Line::default());
                continue;
            }
            let style = if i == 1 {
                app.theme.fg("accent")
            } else {
                Style::default()
            };
            for w in crate::report::wrap(l, "  ", width.saturating_sub(1)) {
                out.push(Line::from(Span::styled(w, style)));
            }
        }
        if let Some(Err(e)) = &form.preview {
            for w in crate::report::wrap(e, "  ", width.saturating_sub(1)) {
                out.push(Line::from(Span::styled(w, app.theme.fg("critical"))));
            }
        }
        return out;
    }
    let mut head = vec![Span::styled(
        "What-if, rated by the core (actual basis)".to_string(),
        app.theme.bold("header"),
    )];
    if app.readonly {
        head.push(Span::styled(
            " · read-only: priced, not saved".to_string(),
            app.theme.fg("warning"),
        ));
    }
    let mut out = vec![Line::from(head)];
    match &form.preview {
        None => out.push(Line::from(Span::styled(
            "  pricing…".to_string(),
            app.theme.dim(),
        ))),
        Some(Err(e)) => {
            for l in crate::report::wrap(e, "  ", width.saturating_sub(1)) {
                out.push(Line::from(Span::styled(l, app.theme.fg("critical"))));
            }
        }
        Some(Ok(p)) => out.extend(preview_lines(app, p, width)),
    }
    out
}

/// The preview's lines.
pub fn preview_lines(app: &App, p: &Preview, width: usize) -> Vec<Line<'static>> {
    let tone = |d: Decimal| {
        if d > Decimal::ZERO {
            app.theme.fg("warning")
        } else if d < Decimal::ZERO {
            app.theme.fg("ok")
        } else {
            Style::default()
        }
    };
    let figure = |label: String, d: Decimal, note: String| {
        Line::from(vec![
            Span::raw(format!("  {label:<LABEL$}")),
            Span::styled(
                format!("{:>15}", delta(d)),
                tone(d).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("   {note}"), app.theme.dim()),
        ])
    };
    let mut out = Vec::new();
    let until = format!("until {}", day(p.span.1));
    let groups = group_charges(&p.charges);
    if groups.is_empty() {
        out.push(Line::from(vec![
            Span::raw(format!("  {:<LABEL$}", "Billed charges")),
            Span::styled(
                format!("{:>15}", "none"),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("   {until}"), app.theme.dim()),
        ]));
    } else {
        out.push(figure(
            "Billed charges".into(),
            p.billed(),
            format!("{until}:"),
        ));
        // The amount first, so that a narrow window cuts words, not money.
        let whens: Vec<String> = groups
            .iter()
            .map(|g| {
                if g.count == 1 {
                    minute(g.first)
                } else {
                    format!("{}..{}", day(g.first), day(g.last))
                }
            })
            .collect();
        let when_w = whens.iter().map(|w| w.chars().count()).max().unwrap_or(0);
        for (g, when) in groups.iter().zip(&whens).take(MAX_CHARGES) {
            let what = if g.count == 1 {
                bill_label(g.kind).to_string()
            } else {
                format!("{} ×{}", bill_label(g.kind), g.count)
            };
            let text = match (g.before, g.after) {
                (None, _) => format!("new {what} of {}", g.id),
                (Some(_), None) => format!("cancelled {what} of {}", g.id),
                (Some(b), Some(a)) => {
                    format!("{what} of {}: {} -> {}", g.id, money(b), money(a))
                }
            };
            out.push(Line::from(vec![
                Span::styled(format!("  {:>17}", delta(g.delta())), tone(g.delta())),
                Span::raw(format!("   {when:<when_w$}  {text}")),
            ]));
        }
        if groups.len() > MAX_CHARGES {
            out.push(Line::from(Span::styled(
                format!(
                    "    … and {} more (the Forecast pane shows them once saved)",
                    groups.len() - MAX_CHARGES
                ),
                app.theme.dim(),
            )));
        }
    }
    if let Some(d) = &p.day {
        let hourly_ptu = d.hourly_ptu_delta();
        let idle = d.idle_ptu_delta();
        let note = if hourly_ptu > Decimal::ZERO {
            format!("{} more PTU pay the hourly rate", hourly_ptu.normalize())
        } else if hourly_ptu < Decimal::ZERO {
            format!(
                "{} fewer PTU pay the hourly rate",
                (-hourly_ptu).normalize()
            )
        } else if idle > Decimal::ZERO {
            format!(
                "{} PTU of capacity paid for fall idle",
                idle.round_dp(1).normalize()
            )
        } else if idle < Decimal::ZERO {
            format!(
                "{} more PTU use capacity paid for already",
                (-idle).round_dp(1).normalize()
            )
        } else {
            "nothing metered changes".to_string()
        };
        out.push(figure(
            format!("A day from {}", minute(d.from)),
            d.total_delta(),
            note,
        ));
    }
    for (label, c) in [
        (
            format!("This month ({})", p.month.from.format("%b %Y")),
            &p.month,
        ),
        ("Next 30 days".to_string(), &p.next30),
    ] {
        out.push(figure(
            label,
            c.delta(),
            format!("{} -> {}", money(c.before), money(c.after)),
        ));
    }
    if let Some(c) = &p.covers {
        for (i, l) in crate::report::wrap(&capitalized(c), "    ", width.saturating_sub(1))
            .into_iter()
            .enumerate()
        {
            let l = if i == 0 {
                format!("  {}", l.trim_start())
            } else {
                l
            };
            out.push(Line::from(Span::raw(l)));
        }
    }
    if let Some(r) = &p.refund {
        let (msg, style) = if r.ok() {
            ("within the limit", app.theme.fg("ok"))
        } else {
            ("past the limit", app.theme.bold("critical"))
        };
        out.push(Line::from(vec![
            Span::raw(format!("  {:<LABEL$}", "Refund limit left")),
            Span::raw(format!("{:>15}", money(r.headroom_after))),
            Span::styled(
                format!("   was {}; ", money(r.headroom_before)),
                app.theme.dim(),
            ),
            Span::styled(msg.to_string(), style),
        ]));
    }
    let wrap = width.saturating_sub(1);
    for b in &p.blockers {
        for (i, l) in crate::report::wrap(&format!("Can't save: {b}"), "    ", wrap)
            .into_iter()
            .enumerate()
        {
            let l = if i == 0 {
                format!("  ✗ {}", l.trim_start())
            } else {
                l
            };
            out.push(Line::from(Span::styled(l, app.theme.bold("critical"))));
        }
    }
    for w in &p.warnings {
        for (i, l) in crate::report::wrap(w, "    ", wrap).into_iter().enumerate() {
            let l = if i == 0 {
                format!("  ! {}", l.trim_start())
            } else {
                l
            };
            out.push(Line::from(Span::styled(l, app.theme.fg("warning"))));
        }
    }
    out
}

/// The text with its first letter in upper case.
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
