//! The Forecast pane: the range's total by part, daily cost as stacked
//! bars, and the windows where money leaks.

use crate::config::Config;
use crate::domain::Estate;
use crate::domain::prices::PriceBook;
use crate::domain::time::{Time, add_months, month_start};
use crate::rating::{self, Basis, Bucket, WindowKind};
use crate::tui::action::{Action, Command, Pane};
use crate::tui::data;
use crate::tui::data::Loadable;
use crate::tui::data::{
    ChartData, Row, SortKey, Table, Tone, col, grow, minute, money, num, ptu_hours, request,
};
use crate::tui::effect::Effect;
use crate::tui::state::App;
use crate::tui::table::{block, failed, loading, table_pane};
use crate::tui::widgets::bars::StackedBars;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The Forecast pane's own commands: the basis and the range.
pub fn commands() -> Vec<Command<App>> {
    vec![
        // Enter on a row.
        Command::list(Action::Select, Pane::Forecast, 1, |app: &App| {
            app.has_rows(Pane::Forecast).then_some("go to")
        }),
        Command::new(Action::ToggleBasis, &[Pane::Forecast], 1),
        Command::new(Action::RangePrev, &[Pane::Forecast], 1),
        Command::new(Action::RangeNext, &[Pane::Forecast], 1),
        Command::new(Action::RangeThisMonth, &[Pane::Forecast], 1),
    ]
}

/// Draws the pane.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let c = match &app.chart.data {
        Loadable::Ready(c) => c.clone(),
        Loadable::Loading => return loading(app, f, area, "Rating the range"),
        Loadable::Failed(e) => return failed(app, f, area, e),
    };
    let t = &c.totals;
    let basis = match c.basis {
        Basis::Actual => "actual (when billed)",
        Basis::Amortized => "amortized (spread over the days paid for)",
    };
    let mut head_lines = vec![Line::from(vec![
        Span::styled(
            format!("{} .. {}", data::day(c.from), data::day(c.to)),
            app.theme.bold("header"),
        ),
        Span::raw(format!("  {basis}  total ")),
        Span::styled(money(t.total()), app.theme.bold("accent")),
    ])];
    // The legend with each part's total, on as many lines as it needs.
    let items = [
        ("█ hourly ", "hourly", Some(t.hourly)),
        ("▓ commitment ", "commitment", Some(t.commitment)),
        ("▒ reservation ", "reservation", Some(t.reservation)),
        ("░ managed ", "managed_compute", Some(t.managed_compute)),
        ("┊ now", "accent", None),
    ];
    let mut line: Vec<Span> = Vec::new();
    let mut used = 0usize;
    for (label, role, amount) in items {
        let fig = amount
            .map(|a| format!("{}  ", money(a)))
            .unwrap_or_default();
        let w = label.chars().count() + fig.chars().count();
        if used > 0 && used + w > area.width as usize {
            head_lines.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        line.push(Span::styled(label, app.theme.fg(role)));
        line.push(Span::raw(fig));
        used += w;
    }
    head_lines.push(Line::from(line));
    let chart_h = (area.height / 2).max(8);
    let [head, chart, windows] = Layout::vertical([
        Constraint::Length(head_lines.len() as u16),
        Constraint::Length(chart_h),
        Constraint::Min(3),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(head_lines), head);
    let b = block(app, " Daily cost ");
    let inner = b.inner(chart);
    f.render_widget(b, chart);
    f.render_widget(
        StackedBars {
            periods: &c.periods,
            theme: &app.theme,
            now: app.now,
        },
        inner,
    );
    table_pane(
        app,
        f,
        windows,
        Pane::Forecast,
        " Where money leaks: overage, double billing, unused (enter goes to the subject) ",
    );
}

// The rows: built off the render path, once per load, by [`data::compute`](crate::tui::data::compute).

/// Rates a range for the forecast pane: daily periods and the windows.
pub fn chart(
    estate: &Estate,
    book: &PriceBook,
    config: &Config,
    from: Time,
    to: Time,
    basis: Basis,
) -> Result<ChartData, String> {
    let f = rating::forecast(
        estate,
        book,
        &request(from, to, basis, Bucket::Day),
        &config.rating_options(),
    )
    .map_err(|e| e.to_string())?;
    let mut windows: Vec<&rating::Window> = f.windows.iter().collect();
    windows.sort_by(|a, b| b.cost.cmp(&a.cost).then(a.start.cmp(&b.start)));
    let rows = windows
        .into_iter()
        .map(|w| Row {
            key: w.subject.clone(),
            cells: vec![
                money(w.cost),
                w.kind.name().replace('_', " "),
                w.subject.clone(),
                minute(w.start),
                minute(w.end),
                ptu_hours(w.ptu_minutes),
                w.explanation.clone(),
            ],
            sort: vec![
                SortKey::Num(w.cost),
                SortKey::text(w.kind.name()),
                SortKey::text(&w.subject),
                SortKey::time(w.start),
                SortKey::time(w.end),
                SortKey::num(w.ptu_minutes),
                SortKey::text(&w.explanation),
            ],
            tone: match w.kind {
                WindowKind::Overage => Tone::Critical,
                WindowKind::DoubleBilling => Tone::Warning,
                WindowKind::Unused => Tone::Plain,
            },
            children: vec![],
        })
        .collect();
    Ok(ChartData {
        from,
        to,
        basis,
        periods: f.periods.clone(),
        totals: f.totals.clone(),
        windows: Table {
            columns: vec![
                // Money first: the cost is the first column, which stays
                // on screen however narrow the window and wherever `<` /
                // `>` scroll the rest. "Why" shows under the table for the
                // selected window.
                num("Cost", 11, 0),
                col("Kind", 14, 0),
                col("Subject", 14, 0),
                col("Start", 10, 0),
                col("End", 10, 0),
                num("PTU-h", 12, 0),
                grow("Why", 20, 1),
            ],
            rows,
            empty: "No overage, double-billing or unused windows in this range.".into(),
            footer: Some(6),
        },
    })
}

// The keys: what `app::update` routes to this pane.

/// The pane's own keys: the basis, the range a month back or on, this
/// month.
pub(crate) fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::ToggleBasis => {
            app.chart.basis = match app.chart.basis {
                Basis::Actual => Basis::Amortized,
                Basis::Amortized => Basis::Actual,
            };
            rechart(app)
        }
        Action::RangePrev | Action::RangeNext => {
            let k = if matches!(action, Action::RangePrev) {
                -1
            } else {
                1
            };
            app.chart.from = add_months(app.chart.from, k);
            app.chart.to = add_months(app.chart.to, k);
            rechart(app)
        }
        Action::RangeThisMonth => {
            let f = month_start(app.now);
            app.chart.from = f;
            app.chart.to = add_months(f, 1);
            rechart(app)
        }
        _ => vec![],
    }
}

pub(crate) fn rechart(app: &mut App) -> Vec<Effect> {
    let Some(d) = app.data() else { return vec![] };
    let estate = d.estate.clone();
    let seq = app.next_seq();
    app.chart_seq = seq;
    app.chart.data = Loadable::Loading;
    app.refresh(Pane::Forecast);
    vec![Effect::Chart {
        seq,
        estate,
        from: app.chart.from,
        to: app.chart.to,
        basis: app.chart.basis,
    }]
}
