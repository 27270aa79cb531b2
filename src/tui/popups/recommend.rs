//! The recommendations overlay (`:recommend`): the purchases
//! `ptudesk recommend` would make, beside the expiry ladder drawn as bars;
//! `enter` on a row shows its what-if (the estate's forecast by month with
//! and without it), `a` applies it as a planned purchase (one change, `u`
//! undoes it). Every figure is the planner's and the rating core's; this
//! only formats.

use crate::domain::prices::PriceBook;
use crate::domain::time::Time;
use crate::planner::recommend::{Action as Rec, Settings, recommend, what_if};
use crate::tui::data::{Tone, money};
use crate::tui::effect::Effect;
use crate::tui::state::{App, Confirmed, Overlay, RecommendState, list_step};
use crate::tui::table::{block, tone_style};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use std::sync::Arc;

/// The key bar while the recommendations are open.
pub const KEYS: &[(&str, &str)] = &[
    ("j/k", "choose"),
    ("enter", "what-if"),
    ("a", "apply"),
    ("esc", "close"),
];

/// Computes the recommendations for the app's estate at its now and opens
/// the overlay.
pub fn open(app: &mut App) -> Vec<Effect> {
    let Some(d) = app.data().cloned() else {
        app.set_status(
            Tone::Warning,
            "Still reading the store: recommend in a moment.",
        );
        return vec![];
    };
    let book = PriceBook::default_book();
    match recommend(
        &d.estate,
        &book,
        &crate::rating::Options::default(),
        app.now,
        &Settings::new(),
    ) {
        Ok(r) => app
            .overlays
            .push(Overlay::Recommend(Box::new(RecommendState {
                report: Arc::new(r),
                selected: 0,
                what_if: None,
            }))),
        Err(e) => app.set_status(Tone::Critical, format!("recommend: {e}")),
    }
    vec![]
}

/// Keys in the overlay.
pub fn action(
    app: &mut App,
    mut s: RecommendState,
    action: crate::tui::action::Action,
) -> Vec<Effect> {
    use crate::tui::action::Action;
    match action {
        Action::Back => {
            app.overlays.pop();
            return vec![];
        }
        Action::Quit => {
            app.quit = true;
            return vec![];
        }
        Action::Up | Action::Down | Action::Top | Action::Bottom => {
            s.selected = list_step(&action, s.selected, s.report.rows.len())
        }
        Action::Select => {
            if s.what_if.as_ref().is_some_and(|w| w.0 == s.selected) {
                s.what_if = None;
            } else if let (Some(row), Some(d)) =
                (s.report.rows.get(s.selected), app.data().cloned())
            {
                match what_if(
                    &d.estate,
                    &PriceBook::default_book(),
                    &crate::rating::Options::default(),
                    s.report.now,
                    s.report.to - s.report.from,
                    row.applied_changes(),
                ) {
                    Ok(w) => s.what_if = Some((s.selected, w)),
                    Err(e) => app.set_status(Tone::Critical, format!("what-if: {e}")),
                }
            }
        }
        Action::Acknowledge | Action::ApplyPlan => {
            let Some(row) = s.report.rows.get(s.selected) else {
                return vec![];
            };
            if row.applied_changes().is_empty() {
                app.set_status(
                    Tone::Info,
                    format!(
                        "Recommendation {}: {} (nothing to write).",
                        row.n, row.summary
                    ),
                );
            } else if app.readonly {
                app.set_status(Tone::Warning, "Read-only (--readonly): not applied.");
            } else {
                let summary = format!("recommendation {}: {}", row.n, row.summary);
                let changes = row.applied_changes().to_vec();
                app.overlays.pop();
                app.overlays.push(Overlay::Confirm {
                    message: format!("Apply {summary}? It is written as one change (u undoes it)."),
                    then: Confirmed::ApplyRemedy { summary, changes },
                });
                return vec![];
            }
        }
        _ => {}
    }
    if let Some(Overlay::Recommend(cur)) = app.overlays.last_mut() {
        **cur = s;
    }
    vec![]
}

fn when(t: Time) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

pub fn draw(app: &App, f: &mut Frame, area: Rect, s: &RecommendState) {
    let r = Rect::new(
        area.x + 1,
        area.y,
        area.width.saturating_sub(2),
        area.height,
    );
    f.render_widget(Clear, r);
    let rep = &s.report;
    let b = block(
        app,
        format!(
            " Recommendations {} .. {} (amortized, against staying hourly) ",
            when(rep.from),
            when(rep.to)
        ),
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if rep.rows.is_empty() {
        lines.push(Line::from(
            "Nothing pays the hourly rate over the horizon: nothing to buy.",
        ));
    }
    for (i, x) in rep.rows.iter().enumerate() {
        let what = match x.action {
            Rec::Buy => format!(
                "buy {} PTU {} from {}",
                x.quantity,
                x.term.map_or("-", |t| t.code()),
                x.start.map_or("-".into(), when)
            ),
            Rec::Rescope => format!("re-scope {}", x.rescoped.join(", ")),
            Rec::StayHourly => "stay hourly".to_string(),
        };
        let text = format!(
            "{:>2}. {} {} {}: {what}; saves {} ({} a month)",
            x.n,
            x.region,
            x.sku.label(),
            x.scope,
            money(x.saving_horizon),
            money(x.saving_month)
        );
        let style = if i == s.selected {
            app.theme.bold("accent")
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(Span::styled(
            text.chars().take(w).collect::<String>(),
            style,
        )));
    }
    if let Some(x) = rep.rows.get(s.selected) {
        lines.push(Line::from(""));
        for l in crate::report::wrap(&x.summary, "  ", w.saturating_sub(1)) {
            lines.push(Line::from(l));
        }
        if let Some(rest) = &x.rest {
            for l in crate::report::wrap(&format!("rest: {rest}"), "  ", w.saturating_sub(1)) {
                lines.push(Line::from(Span::styled(l, app.theme.dim())));
            }
        }
        if let Some(c) = &x.conversion {
            for l in crate::report::wrap(&format!("also: {c}"), "  ", w.saturating_sub(1)) {
                lines.push(Line::from(Span::styled(l, app.theme.dim())));
            }
        }
        if let Some((k, months)) = &s.what_if
            && *k == s.selected
        {
            lines.push(Line::from(Span::styled(
                "  What-if: the estate's forecast by month, without -> with",
                app.theme.bold("header"),
            )));
            for m in months {
                lines.push(Line::from(format!(
                    "  {}  {:>16} -> {:>16}",
                    m.start.format("%Y-%m"),
                    money(m.without),
                    money(m.with)
                )));
            }
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Expiry ladder (reserved and committed PTU by the month they expire)",
        app.theme.bold("header"),
    )));
    let peak = rep
        .expiries
        .iter()
        .map(|m| m.reserved_ptu + m.committed_ptu)
        .max()
        .unwrap_or(0)
        .max(1);
    for m in &rep.expiries {
        let ptu = m.reserved_ptu + m.committed_ptu;
        let bar = ((ptu * 30) / peak).max(1) as usize;
        let cliff = rep.cliffs.iter().any(|c| {
            c.region == m.region
                && c.sku == m.sku
                && c.from.format("%Y-%m").to_string() == m.month.format("%Y-%m").to_string()
        });
        lines.push(Line::from(vec![
            Span::raw(format!(
                "  {:<14} {:<9} {} ",
                m.region,
                m.sku.label(),
                m.month.format("%Y-%m")
            )),
            Span::styled(
                "█".repeat(bar),
                tone_style(&app.theme, if cliff { Tone::Warning } else { Tone::Info }),
            ),
            Span::raw(format!(" {ptu}")),
        ]));
    }
    for c in &rep.cliffs {
        lines.push(Line::from(Span::styled(
            format!(
                "  expiry cliff: {} {}: {} of {} PTU expire {} .. {}",
                c.region,
                c.sku.label(),
                c.ptu,
                c.total,
                when(c.from),
                when(c.to)
            ),
            tone_style(&app.theme, Tone::Warning),
        )));
    }
    let skip = lines
        .len()
        .saturating_sub(inner.height as usize)
        .min((s.selected + 1).saturating_sub(inner.height as usize / 2));
    f.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()),
        inner,
    );
}
