//! Drawing the Planner pane and the plan chooser: a pure function of the
//! app's state. The options side by side as cards (a table when the window
//! is narrow or the options many), each with a small timeline of its steps
//! and the windows where money leaks; below, the chosen option's timeline,
//! steps, windows, preconditions and notes, then the plan's facts. Every
//! figure is the planner's (rated by the core); this only formats.

use super::selected_option;
use super::state::{self, Choice, mark};
use crate::domain::time::Time;
use crate::planner::{self, PlanOption, PlanSet, Status};
use crate::rating::WindowKind;
use crate::report::wrap;
use crate::tui::data::Loadable;
use crate::tui::data::{Tone, delta, minute, money};
use crate::tui::state::App;
use crate::tui::table::{block, draw_table, tone_style};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use rust_decimal::Decimal;

/// Columns a card needs: "double billing" and a seven-figure amount.
const CARD_MIN: u16 = 29;
/// A card's height: borders, two title lines, the timeline, seven figures
/// (one more, the credit, when an option of the plan has one).
const CARD_H: u16 = 12;

/// Whether any option carries a credit (the managed migration's): the
/// cards then show it on a line of its own.
fn has_credit(set: &PlanSet) -> bool {
    set.options.iter().any(|o| !o.credits.is_empty())
}

/// Draws the Planner pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let Some(subject) = &app.planner.subject else {
        return empty(app, f, area);
    };
    let title = state::title(subject);
    match &app.planner.plans {
        Loadable::Loading => f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                format!("Planning {title}: every option rated by the core over the horizon…"),
                app.theme.dim(),
            )))
            .block(block(app, format!(" Planner: {title} "))),
            area,
        ),
        Loadable::Failed(e) => {
            let mut lines = vec![Line::from(Span::styled(
                format!("No plan for {title}:"),
                app.theme.bold("critical"),
            ))];
            lines.push(Line::from(e.clone()));
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                "Pick another subject with p (Commitments, Deployments) or :plan.",
                app.theme.dim(),
            )));
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: true })
                    .block(block(app, format!(" Planner: {title} "))),
                area,
            );
        }
        Loadable::Ready(set) => ready(app, f, area, set),
    }
}

fn key(app: &App, name: &str) -> String {
    app.keymap
        .first_key(name)
        .unwrap_or_else(|| format!(":{name}"))
}

fn empty(app: &App, f: &mut Frame, area: Rect) {
    let k = |s: String| Span::styled(format!("  {s:<20}"), app.theme.bold("accent"));
    let plan_key = key(app, "plan");
    let lines = vec![
        Line::from(Span::styled(
            "No plan yet: pick a subject.",
            app.theme.bold("header"),
        )),
        Line::default(),
        Line::from(vec![
            k(format!(
                "{} Commitments, {plan_key}",
                key(app, "pane_commitments")
            )),
            Span::raw("migrate the commitment onto a reservation"),
        ]),
        Line::from(vec![
            k(format!(
                "{} Deployments, {plan_key}",
                key(app, "pane_deployments")
            )),
            Span::raw("move it, convert it to Global or Data Zone, or stop its resource"),
        ]),
        Line::from(vec![
            k(format!("{} on either", key(app, "plan_discontinue"))),
            Span::raw("discontinue the selected row's resource"),
        ]),
        Line::from(vec![
            k(":plan ...".into()),
            Span::raw("migrate ID, move DEP RESOURCE, convert DEP Global|DataZone,"),
        ]),
        Line::from(vec![k(String::new()), Span::raw("discontinue RESOURCE")]),
        Line::default(),
        Line::from("The options show here side by side, with their costs (rated by the core over"),
        Line::from("90 days, against doing nothing) and a timeline of each. Enter applies the"),
        Line::from("chosen one as future-dated plans in one change (u undoes it); the Forecast"),
        Line::from("pane then shows it."),
    ];
    f.render_widget(Paragraph::new(lines).block(block(app, " Planner ")), area);
}

fn ready(app: &App, f: &mut Frame, area: Rect, set: &PlanSet) {
    let n = set.options.len() as u16;
    let cards = n > 0 && area.width / n >= CARD_MIN && area.height >= 28;
    let opts_h = if cards {
        CARD_H + u16::from(has_credit(set))
    } else {
        (n + 3).clamp(4, (area.height / 2).max(4))
    };
    let [head, opts, details] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(opts_h),
        Constraint::Min(3),
    ])
    .areas(area);
    let b = &set.baseline.costs;
    let width = area.width as usize;
    // A line's parts after the first go when they don't fit: each is a
    // list of wordings, longest first.
    type Part = Vec<Span<'static>>;
    let fit = |first: Part, rest: Vec<Vec<Part>>| {
        let w = |p: &Part| p.iter().map(|s| s.content.chars().count()).sum::<usize>();
        let mut used = w(&first);
        let mut spans = first;
        for wordings in rest {
            if let Some(p) = wordings.into_iter().find(|p| used + w(p) <= width) {
                used += w(&p);
                spans.extend(p);
            }
        }
        Line::from(spans)
    };
    let head_lines = vec![
        fit(
            vec![
                Span::styled(
                    format!("Plan {}", state::title(&set.subject)),
                    app.theme.bold("header"),
                ),
                Span::styled(
                    format!("  {} .. {} UTC", minute(set.from), minute(set.to)),
                    app.theme.dim(),
                ),
            ],
            vec![vec![vec![Span::styled(
                format!(
                    " · {} basis · {} · margin {}",
                    set.basis.name(),
                    set.currency,
                    planner::short_duration(set.margin)
                ),
                app.theme.dim(),
            )]]],
        ),
        fit(
            vec![
                Span::raw("Doing nothing "),
                Span::styled(money(b.total()), app.theme.bold("accent")),
            ],
            vec![
                vec![vec![Span::raw(format!(
                    " (double billing {})",
                    money(b.double_billing)
                ))]],
                vec![
                    vec![Span::styled(
                        "  * recommended  ! blocked (a precondition fails)  + if late",
                        app.theme.dim(),
                    )],
                    vec![Span::styled(
                        "  * recommended  ! blocked  + if late",
                        app.theme.dim(),
                    )],
                ],
            ],
        ),
    ];
    f.render_widget(Paragraph::new(head_lines), head);
    let chosen = selected_option(app).map(|(_, o)| o.name.clone());
    if cards {
        draw_cards(app, f, opts, set, chosen.as_deref());
    } else if let Some(t) = &app.planner.table {
        draw_table(
            app,
            f,
            opts,
            t,
            app.view(crate::tui::action::Pane::Planner),
            " Options over the horizon (* recommended, ! blocked, + if late) ",
            true,
        );
    }
    match selected_option(app) {
        Some((_, o)) => draw_details(app, f, details, set, o),
        None => f.render_widget(
            Paragraph::new("The planner found no option.").block(block(app, "")),
            details,
        ),
    }
}

fn money_tone(theme: &Theme, d: Decimal) -> Style {
    if d > Decimal::ZERO {
        theme.fg("warning")
    } else if d < Decimal::ZERO {
        theme.fg("ok")
    } else {
        Style::default()
    }
}

fn draw_cards(app: &App, f: &mut Frame, area: Rect, set: &PlanSet, chosen: Option<&str>) {
    let n = set.options.len() as u16;
    let w = area.width / n;
    for (i, o) in set.options.iter().enumerate() {
        let i = i as u16;
        let width = if i + 1 == n { area.width - w * i } else { w };
        let r = Rect::new(area.x + w * i, area.y, width, area.height);
        let selected = chosen == Some(o.name.as_str());
        card(app, f, r, set, o, selected);
    }
}

fn card(app: &App, f: &mut Frame, r: Rect, set: &PlanSet, o: &PlanOption, selected: bool) {
    let m = mark(set, o);
    let inner_w = r.width.saturating_sub(2) as usize;
    let mut title = if m == ' ' {
        format!(" {} ", o.name)
    } else {
        format!(" {m} {} ", o.name)
    };
    let extra = match m {
        '*' => "· recommended ",
        '!' => "· blocked ",
        '+' => "· contingency ",
        _ => "",
    };
    if title.chars().count() + extra.chars().count() <= inner_w.saturating_sub(1) {
        title.push_str(extra);
    }
    let (border, title_style) = if selected {
        (
            app.theme.bold("accent"),
            app.theme.bold("accent").add_modifier(Modifier::REVERSED),
        )
    } else {
        (
            app.theme.dim(),
            tone_style(
                &app.theme,
                match m {
                    '*' => Tone::Ok,
                    '!' => Tone::Warning,
                    _ => Tone::Plain,
                },
            )
            .add_modifier(Modifier::BOLD),
        )
    };
    let b = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(border)
        .title(Span::styled(title, title_style));
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines: Vec<Line> = Vec::new();
    let mut t = wrap(&o.title, "", inner_w);
    if t.len() > 2 {
        t.truncate(2);
        let last = &mut t[1];
        if last.chars().count() >= inner_w {
            *last = last.chars().take(inner_w.saturating_sub(1)).collect();
        }
        last.push('…');
    }
    while t.len() < 2 {
        t.push(String::new());
    }
    lines.extend(
        t.into_iter()
            .map(|s| Line::from(Span::styled(s, app.theme.dim()))),
    );
    lines.push(Line::from(axis(app, set, o, inner_w, false)));
    let row = |label: &str, value: String, style: Style| -> Line<'static> {
        let vw = inner_w.saturating_sub(label.chars().count());
        Line::from(vec![
            Span::raw(label.to_string()),
            Span::styled(format!("{value:>vw$}"), style),
        ])
    };
    let c = &o.costs;
    lines.push(row(
        "total",
        money(c.total()),
        Style::default().add_modifier(Modifier::BOLD),
    ));
    lines.push(row(
        "vs nothing",
        delta(o.vs_nothing),
        money_tone(&app.theme, o.vs_nothing),
    ));
    lines.push(row(
        "after horizon",
        money(c.committed_after_horizon),
        Style::default(),
    ));
    lines.push(row(
        "double billing",
        money(c.double_billing),
        money_tone(&app.theme, c.double_billing),
    ));
    lines.push(row(
        "hourly",
        money(c.hourly),
        money_tone(&app.theme, c.hourly),
    ));
    if has_credit(set) {
        lines.push(row(
            "credit",
            money(c.credit),
            money_tone(&app.theme, c.credit),
        ));
    }
    lines.push(row(
        "downtime",
        planner::short_duration(o.downtime),
        if o.downtime > chrono::Duration::zero() {
            app.theme.fg("warning")
        } else {
            Style::default()
        },
    ));
    // Why not safe, as long as the card has room for it.
    let safe = match o.unsafe_reason() {
        None => "yes".to_string(),
        Some(why) => {
            let room = inner_w.saturating_sub("safe ".len());
            [format!("no: {why}"), format!("no: {}", short_reason(why))]
                .into_iter()
                .find(|w| w.chars().count() <= room)
                .unwrap_or_else(|| "no".into())
        }
    };
    lines.push(row(
        "safe",
        safe,
        if o.safe {
            app.theme.fg("ok")
        } else {
            app.theme.fg("warning")
        },
    ));
    f.render_widget(Paragraph::new(lines), inner);
}

/// A card's shorter wording of [`PlanOption::unsafe_reason`].
fn short_reason(why: &str) -> &str {
    match why {
        "needs the account team" => "account team",
        "only if late" => "if late",
        other => other,
    }
}

/// The option's timeline over the rated window, `width` columns: its
/// windows (double billing, overage, unused) drawn heavy in their colour,
/// its steps marked (numbered when `numbered`).
fn axis(
    app: &App,
    set: &PlanSet,
    o: &PlanOption,
    width: usize,
    numbered: bool,
) -> Vec<Span<'static>> {
    if width < 3 {
        return vec![];
    }
    let span = (set.to - set.from).num_seconds().max(1);
    let col = |t: Time| -> usize {
        let s = (t - set.from).num_seconds().clamp(0, span);
        ((s as i128 * width as i128 / span as i128) as usize).min(width - 1)
    };
    let mut cells: Vec<(char, Style)> = vec![('─', app.theme.dim()); width];
    for w in &o.windows {
        let style = match w.kind {
            WindowKind::Overage => app.theme.fg("critical"),
            WindowKind::DoubleBilling => app.theme.fg("warning"),
            WindowKind::Unused => app.theme.fg("info"),
        };
        let (a, b) = (col(w.start), col(w.end - chrono::Duration::seconds(1)));
        for c in cells.iter_mut().take(b + 1).skip(a) {
            *c = ('━', style);
        }
    }
    // Steps: numbered ones side by side when they fall on one column.
    let mut taken = vec![false; width];
    for (i, s) in o.steps.iter().enumerate() {
        let mut c = col(s.at);
        let ch = if numbered && i < 9 {
            while c + 1 < width && taken[c] {
                c += 1;
            }
            char::from_digit(i as u32 + 1, 10).expect("digit")
        } else {
            '●'
        };
        taken[c] = true;
        cells[c] = (ch, app.theme.bold("accent"));
    }
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut style = cells[0].1;
    for (ch, st) in cells {
        if st != style && !run.is_empty() {
            out.push(Span::styled(std::mem::take(&mut run), style));
        }
        style = st;
        run.push(ch);
    }
    if !run.is_empty() {
        out.push(Span::styled(run, style));
    }
    out
}

fn window_kind(k: WindowKind) -> &'static str {
    match k {
        WindowKind::Overage => "overage",
        WindowKind::DoubleBilling => "double billing",
        WindowKind::Unused => "unused",
    }
}

/// Words filled into lines: the first `first` columns wide, the rest `rest`.
fn fill(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let avail = if out.is_empty() { first } else { rest }.max(10);
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > avail {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// Text after a lead, wrapped to `width`; the lines after the first
/// indented by `indent`.
fn hanging(
    lines: &mut Vec<Line<'static>>,
    lead: Vec<Span<'static>>,
    text: &str,
    indent: usize,
    width: usize,
    style: Style,
) {
    let lead_w: usize = lead.iter().map(|s| s.content.chars().count()).sum();
    let filled = fill(
        text,
        width.saturating_sub(lead_w),
        width.saturating_sub(indent),
    );
    for (i, l) in filled.into_iter().enumerate() {
        if i == 0 {
            let mut spans = lead.clone();
            spans.push(Span::styled(l, style));
            lines.push(Line::from(spans));
        } else {
            lines.push(Line::from(Span::styled(
                format!("{}{l}", " ".repeat(indent)),
                style,
            )));
        }
    }
}

/// The chosen option's details, as lines `width` wide.
pub fn detail_lines(app: &App, set: &PlanSet, o: &PlanOption, width: usize) -> Vec<Line<'static>> {
    let th = &app.theme;
    let head = |s: &str| Line::from(Span::styled(s.to_string(), th.bold("header")));
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Some(a) = &app.planner.applied {
        hanging(&mut lines, vec![], a, 0, width, th.fg("ok"));
    }
    hanging(
        &mut lines,
        vec![],
        &o.title,
        0,
        width,
        Style::default().add_modifier(Modifier::BOLD),
    );
    let c = &o.costs;
    let mut summary = format!(
        "Total {} ({} basis) · after the horizon {} · vs nothing {} (amortized)",
        money(c.total()),
        set.basis.name(),
        money(c.committed_after_horizon),
        delta(o.vs_nothing)
    );
    if c.credit != Decimal::ZERO {
        summary.push_str(&format!(" · credit {} (in the total)", money(c.credit)));
    }
    summary.push_str(&format!(
        " · saves {} over the lifetime ({})",
        money(o.saving_lifetime()),
        set.lifetime.describe()
    ));
    if let Some(why) = o.unsafe_reason() {
        summary.push_str(&format!(" · not safe: {why}"));
    }
    hanging(&mut lines, vec![], &summary, 0, width, th.dim());
    // The timeline: the rated window, the windows, the steps.
    let from = crate::tui::data::day(set.from);
    let to = crate::tui::data::day(set.to);
    let axis_w = width.saturating_sub(from.len() + to.len() + 4);
    let mut spans = vec![Span::styled(format!("{from} ├"), th.dim())];
    spans.extend(axis(app, set, o, axis_w, true));
    spans.push(Span::styled(format!("┤ {to}"), th.dim()));
    lines.push(Line::from(spans));
    for (i, s) in o.steps.iter().enumerate() {
        let n = if i < 9 {
            format!("{}", i + 1)
        } else {
            "●".into()
        };
        hanging(
            &mut lines,
            vec![
                Span::styled(format!(" {n} "), th.bold("accent")),
                Span::raw(format!("{}  ", minute(s.at))),
            ],
            &s.action,
            21,
            width,
            Style::default(),
        );
    }
    if !o.windows.is_empty() {
        lines.push(head("Where money leaks (━ on the timeline)"));
        for w in &o.windows {
            let style = match w.kind {
                WindowKind::Overage => th.fg("critical"),
                WindowKind::DoubleBilling => th.fg("warning"),
                WindowKind::Unused => th.fg("info"),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<15}", window_kind(w.kind)), style),
                Span::styled(format!("{:>13}  ", money(w.cost)), style),
                Span::raw(format!(
                    "{} .. {}  {}",
                    minute(w.start),
                    minute(w.end),
                    w.subject
                )),
            ]));
        }
    }
    for c in &o.credits {
        hanging(
            &mut lines,
            vec![Span::styled(
                format!("  credit {}  {:>13}  ", minute(c.at), money(c.amount)),
                th.fg("ok"),
            )],
            &c.what,
            42,
            width,
            Style::default(),
        );
    }
    if !o.preconditions.is_empty() {
        lines.push(head("Preconditions"));
        for p in &o.preconditions {
            let style = match p.status {
                Status::Met => th.fg("ok"),
                Status::Unmet => th.bold("critical"),
                Status::Unknown => th.fg("warning"),
                Status::Manual => Style::default(),
            };
            hanging(
                &mut lines,
                vec![Span::styled(format!("  [{}] ", p.status.name()), style)],
                &p.text,
                4,
                width,
                Style::default(),
            );
        }
    }
    if !o.notes.is_empty() {
        lines.push(head("Notes"));
        for n in &o.notes {
            hanging(
                &mut lines,
                vec![Span::raw("  - ")],
                n,
                4,
                width,
                Style::default(),
            );
        }
    }
    if !set.facts.is_empty() || !set.notes.is_empty() {
        lines.push(head("About this plan"));
        for fact in &set.facts {
            hanging(
                &mut lines,
                vec![Span::styled(
                    format!("  {:<22}", crate::report::fit(&fact.label, 21)),
                    th.dim(),
                )],
                &fact.value,
                24,
                width,
                Style::default(),
            );
        }
        for n in &set.notes {
            hanging(&mut lines, vec![Span::raw("  - ")], n, 4, width, th.dim());
        }
    }
    lines
}

fn draw_details(app: &App, f: &mut Frame, area: Rect, set: &PlanSet, o: &PlanOption) {
    let width = area.width.saturating_sub(2) as usize;
    let lines = detail_lines(app, set, o, width);
    let room = area.height.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(room) as u16;
    let scroll = app.planner.scroll.min(max_scroll);
    let more = if scroll < max_scroll {
        format!("(pgdn: {} more lines) ", max_scroll - scroll)
    } else if scroll > 0 {
        "(pgup: back) ".into()
    } else {
        String::new()
    };
    let title = Line::from(vec![
        Span::raw(format!(" {}: timeline, preconditions, notes ", o.name)),
        Span::styled(more, app.theme.dim()),
    ]);
    f.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(block(app, title)),
        area,
    );
}

/// The chooser popup over the body.
pub fn draw_chooser(
    app: &App,
    f: &mut Frame,
    body: Rect,
    title: &str,
    items: &[Choice],
    selected: usize,
) {
    let w = body.width.saturating_sub(6).min(90);
    let h = (items.len() as u16 + 4).min(body.height);
    let r = Rect::new(
        body.x + (body.width - w) / 2,
        body.y + (body.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let room = h.saturating_sub(4) as usize;
    let off = (selected + 1).saturating_sub(room);
    let mut lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(off)
        .take(room.max(1))
        .map(|(i, c)| {
            if i == selected {
                Line::from(Span::styled(format!("▶ {}", c.label), app.theme.selected()))
            } else {
                Line::from(format!("  {}", c.label))
            }
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "↑↓ choose  enter plan it  esc cancel",
        app.theme.dim(),
    )));
    f.render_widget(
        Paragraph::new(lines).block(block(app, format!(" {title} "))),
        r,
    );
}
