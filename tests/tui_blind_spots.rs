//! The terminal app's blind spots found in an afternoon of use (issue 18,
//! part 4), each checked on the cells that carry the figure: the demo
//! estate at a fixed now, driven through the keys a user presses.

mod common;

use common::tui::{press, screen};

use ptudesk::config::Config;
use ptudesk::domain::time::{Time, parse_time_arg};
use ptudesk::tui::action::TextKey;
use ptudesk::tui::app::Overlay;
use ptudesk::tui::runtime::{Options, StoreChoice, prepare, send, settle};
use ptudesk::tui::{Action, App, Pane, Worker, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

const NOW: &str = "2026-11-22T09:00:00Z";

fn now() -> Time {
    parse_time_arg(NOW).unwrap()
}

fn demo() -> (App, Worker) {
    common::tui::demo(now())
}

/// The screen line holding `needle`.
fn line_with<'a>(s: &'a str, needle: &str) -> &'a str {
    s.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on\n{s}"))
}

#[test]
fn at_80x24_the_forecast_windows_keep_their_cost() {
    let (mut app, worker) = demo();
    send(&mut app, &worker, Action::PaneForecast);
    // December: the windows' subjects and whole-month dates are the
    // widest; the cost stays on screen, first.
    press(&mut app, &worker, KeyCode::Char(']'));
    let s = screen(&mut app, 80, 24);
    let t = app.table(Pane::Forecast).unwrap().clone();
    assert!(t.rows.len() >= 2, "{s}");
    let head = line_with(&s, "Kind");
    assert!(head.contains("Cost"), "{s}");
    // The rows in view (two at 80x24), costliest first.
    for r in &t.rows[..2] {
        let line = line_with(&s, &r.cells[2]);
        assert!(line.contains(&format!("{} ", r.cells[0])), "{line}");
        assert!(r.cells[0].starts_with('$'), "{:?}", r.cells);
    }
    // `>` scrolls the rest in and the cost stays.
    press(&mut app, &worker, KeyCode::Char('>'));
    let s = screen(&mut app, 80, 24);
    assert!(line_with(&s, " Cost ").contains("Start"), "{s}");
    assert!(s.contains(&t.rows[0].cells[0].clone()), "{s}");
}

#[test]
fn after_applying_a_plan_t_returns_the_forecast_to_this_month() {
    let (mut app, worker) = demo();
    send(&mut app, &worker, Action::PaneCommitments);
    send(&mut app, &worker, Action::Top);
    send(&mut app, &worker, Action::Down);
    press(&mut app, &worker, KeyCode::Char('p'));
    assert_eq!(app.pane, Pane::Planner);
    press(&mut app, &worker, KeyCode::Enter);
    assert!(matches!(app.overlays.last(), Some(Overlay::Confirm { .. })));
    press(&mut app, &worker, KeyCode::Char('y'));
    assert_eq!(app.pane, Pane::Forecast);
    // The plan's horizon, not this month; the status says how back.
    let this_month = (
        parse_time_arg("2026-11-01").unwrap(),
        parse_time_arg("2026-12-01").unwrap(),
    );
    assert_ne!((app.chart.from, app.chart.to), this_month);
    let status = app.status.as_ref().unwrap().1.clone();
    assert!(
        status.ends_with("(t in Forecast: back to this month)"),
        "{status}"
    );
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("t this month"), "{s}");
    press(&mut app, &worker, KeyCode::Char('t'));
    assert_eq!((app.chart.from, app.chart.to), this_month);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("2026-11-01 .. 2026-12-01"), "{s}");
}

#[test]
fn commitments_show_their_price_and_the_bill_of_the_term_in_force() {
    let (mut app, worker) = demo();
    send(&mut app, &worker, Action::PaneCommitments);
    // The demo's price book: a commitment costs $312 per PTU a month in
    // eastus and eastus2. cp-eastus-legacy renewed on 27 October at 300
    // PTU: 300 x 312 = 93,600; cp-eastus2-prod bought 400 on 10 November:
    // 400 x 312 = 124,800.
    let t = app.table(Pane::Commitments).unwrap().clone();
    let col = |title: &str| t.columns.iter().position(|c| c.title == title).unwrap();
    let row = |id: &str| t.rows.iter().find(|r| r.key == id).unwrap();
    let (price, bill) = (col("Price/PTU"), col("Term bill"));
    assert_eq!(row("cp-eastus-legacy").cells[price], "$312.00");
    assert_eq!(row("cp-eastus-legacy").cells[bill], "$93,600.00");
    assert_eq!(row("cp-eastus2-prod").cells[price], "$312.00");
    assert_eq!(row("cp-eastus2-prod").cells[bill], "$124,800.00");
    // On screen at 120x40 behind `>` (the resource keeps its place).
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("+1 columns"), "{s}");
    press(&mut app, &worker, KeyCode::Char('>'));
    let s = screen(&mut app, 120, 40);
    let head = line_with(&s, "Commitment ");
    assert!(
        head.contains("Price/PTU") && head.contains("Term bill"),
        "{s}"
    );
    let legacy = line_with(&s, "cp-eastus-legacy");
    assert!(legacy.contains("$312.00"), "{legacy}");
    assert!(legacy.contains("$93,600.00"), "{legacy}");
    assert!(
        line_with(&s, "cp-eastus2-prod").contains("$124,800.00"),
        "{s}"
    );
    // And in its details.
    send(&mut app, &worker, Action::Top);
    press(&mut app, &worker, KeyCode::Enter);
    let s = screen(&mut app, 120, 40);
    let first = app
        .view(Pane::Commitments)
        .selected_row(&t)
        .unwrap()
        .key
        .clone();
    let (p, b, at, ptu) = if first == "cp-eastus-legacy" {
        ("$312.00", "$93,600.00", "2026-10-27 09:00", 300)
    } else {
        ("$312.00", "$124,800.00", "2026-11-10 00:00", 400)
    };
    assert!(
        line_with(&s, "Price   ").contains(&format!("{p} per PTU a month")),
        "{s}"
    );
    assert!(
        line_with(&s, "Term bill   ").contains(&format!("{b} billed {at} for {ptu} PTU")),
        "{s}"
    );
}

#[test]
fn the_overviews_region_table_scrolls() {
    // A generated estate with 14 region and type rows; 7 fit at 80x24.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.json");
    let out = common::ptudesk()
        .args(["generate", "--scale", "60", "--seed", "7", "--now", NOW])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&file, &out.stdout).unwrap();
    let (mut app, worker) = prepare(Options {
        store: StoreChoice::Scenario(file),
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    let regions = app.data().unwrap().overview.capacity.clone();
    let n = regions.rows.len();
    assert!(n > 7, "{n} rows");
    // A row as drawn: its region, type and deployed PTU.
    let drawn = |s: &str, i: usize| {
        let c = &regions.rows[i].cells;
        let compact = match c[1].as_str() {
            "Regional" => "Reg",
            "Global" => "Glob",
            _ => "DZ",
        };
        s.lines().any(|l| {
            let w: Vec<&str> = l
                .trim_start_matches(['"', '│'])
                .split_whitespace()
                .collect();
            w.len() > 2 && w[0] == c[0] && w[1] == compact && w[2] == c[2]
        })
    };
    let s = screen(&mut app, 80, 24);
    assert!(drawn(&s, 0) && drawn(&s, 6), "{s}");
    assert!(!drawn(&s, n - 1), "{s}");
    assert!(s.contains("· 1-7 J/K "), "{s}");
    assert!(s.contains("J regions down"), "{s}");
    // J to the end: the last row in view, the first gone; more J stays.
    for _ in 0..n + 3 {
        press(&mut app, &worker, KeyCode::Char('J'));
    }
    let s = screen(&mut app, 80, 24);
    assert!(drawn(&s, n - 1) && drawn(&s, n - 7), "{s}");
    assert!(!drawn(&s, 0), "{s}");
    assert!(s.contains(&format!("· {}-{n} J/K ", n - 6)), "{s}");
    // K one back: the row above comes in at once.
    press(&mut app, &worker, KeyCode::Char('K'));
    let s = screen(&mut app, 80, 24);
    assert!(drawn(&s, n - 8) && !drawn(&s, n - 1), "{s}");
    // j/k still move in the events below.
    let before = app.view(Pane::Overview).selected;
    press(&mut app, &worker, KeyCode::Char('j'));
    assert_eq!(app.view(Pane::Overview).selected, before + 1);
}

fn type_text(app: &mut App, worker: &Worker, text: &str) {
    for c in text.chars() {
        send(app, worker, Action::Text(TextKey::Char(c)));
    }
}

/// The selected row of a pane's table.
fn selected(app: &App, pane: Pane) -> ptudesk::tui::data::Row {
    let t = app.table(pane).unwrap();
    app.view(pane).selected_row(t).unwrap().clone()
}

#[test]
fn a_saved_edit_for_the_next_hour_is_marked_pending_on_its_row() {
    let (mut app, worker) = demo();
    // chat-gpt4o, 300 PTU, resized to 250 from 10:00 (now is 09:00).
    send(&mut app, &worker, Action::PaneDeployments);
    send(&mut app, &worker, Action::Top);
    send(&mut app, &worker, Action::Down);
    send(&mut app, &worker, Action::Down);
    assert_eq!(selected(&app, Pane::Deployments).key, "chat-gpt4o");
    press(&mut app, &worker, KeyCode::Char('e'));
    send(&mut app, &worker, Action::Text(TextKey::Clear));
    type_text(&mut app, &worker, "250");
    send(&mut app, &worker, Action::Down);
    type_text(&mut app, &worker, "2026-11-22 10:00");
    press(&mut app, &worker, KeyCode::Enter);
    assert!(app.overlays.is_empty(), "{:?}", app.status);
    // Saved: the row keeps its size until 10:00 and says what comes.
    let row = selected(&app, Pane::Deployments);
    assert_eq!(row.cells[6], "300 → 250 PTU at 10:00");
    let s = screen(&mut app, 120, 40);
    assert!(
        line_with(&s, "chat-gpt4o ").contains("300 → 250 PTU at 10:00"),
        "{s}"
    );
    let s = screen(&mut app, 80, 24);
    assert!(line_with(&s, "chat-gpt4o ").contains("→ 250 PTU"), "{s}");
    // Its details list the size to come as such.
    press(&mut app, &worker, KeyCode::Enter);
    let s = screen(&mut app, 120, 40);
    assert!(
        line_with(&s, "2026-11-22 10:00  250 PTU").contains("250 PTU  (to come)"),
        "{s}"
    );
    press(&mut app, &worker, KeyCode::Esc);
    assert!(app.overlays.is_empty());
    // res-swc-global's scope changed at 09:30: in force from 10:00.
    send(&mut app, &worker, Action::PaneReservations);
    send(&mut app, &worker, Action::Top);
    send(&mut app, &worker, Action::Down);
    let before = selected(&app, Pane::Reservations);
    assert_eq!(before.key, "res-swc-global");
    press(&mut app, &worker, KeyCode::Char('s'));
    press(&mut app, &worker, KeyCode::Right);
    send(&mut app, &worker, Action::Down);
    type_text(&mut app, &worker, "2026-11-22 09:30");
    press(&mut app, &worker, KeyCode::Enter);
    assert!(app.overlays.is_empty(), "{:?}", app.status);
    assert!(
        app.status.as_ref().unwrap().1.starts_with(
            "Saved #3: scope res-swc-global to sub sub-sandbox at 2026-11-22T09:30:00Z"
        ),
        "{:?}",
        app.status
    );
    let row = selected(&app, Pane::Reservations);
    assert_eq!(before.cells[4], "sub sub-research");
    assert_eq!(
        row.cells[4],
        "→ sub sub-sandbox at 10:00 (now sub sub-research)"
    );
    // The narrow Scope column shows the arrow first; the line under the
    // table has it in full.
    let s = screen(&mut app, 120, 40);
    assert!(line_with(&s, "res-swc-global ").contains(" → sub"), "{s}");
    assert!(
        line_with(&s, "res-swc-global: ")
            .contains("scope → sub sub-sandbox at 10:00 (now sub sub-research)"),
        "{s}"
    );
    // At 10:00 both are in force and the marks go.
    send(
        &mut app,
        &worker,
        Action::Command("now 2026-11-22T10:00:00Z".into()),
    );
    assert_eq!(app.now, parse_time_arg("2026-11-22T10:00:00Z").unwrap());
    let t = app.table(Pane::Reservations).unwrap();
    let r = t.rows.iter().find(|r| r.key == "res-swc-global").unwrap();
    assert_eq!(r.cells[4], "sub sub-sandbox");
    let t = app.table(Pane::Deployments).unwrap();
    let d = t.rows.iter().find(|r| r.key == "chat-gpt4o").unwrap();
    assert_eq!(d.cells[6], "250");
}

/// The column the header marks as under the cursor: the title drawn in
/// the selection's style on the table's header line.
fn cursor_title(app: &mut App, w: u16, h: u16) -> String {
    app.size = (w, h);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let selected = app.theme.selected();
    // The header: the line under the table's top border.
    let y = (0..h)
        .find(|&y| buf[(0, y)].symbol() == "┌")
        .expect("a table")
        + 1;
    (0..w)
        .filter(|&x| {
            let c = &buf[(x, y)];
            c.fg == selected.fg.unwrap_or(c.fg)
                && c.bg == selected.bg.unwrap_or(c.bg)
                && c.modifier.contains(selected.add_modifier)
                && !selected.add_modifier.is_empty()
        })
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect::<String>()
        .trim()
        .to_string()
}

#[test]
fn o_sorts_by_the_column_under_the_cursor_and_h_reaches_the_cost_at_once() {
    let (mut app, worker) = demo();
    send(&mut app, &worker, Action::PaneDeployments);
    screen(&mut app, 120, 40);
    let t = app.table(Pane::Deployments).unwrap().clone();
    let cost = t.columns.len() - 1;
    assert_eq!(t.columns[cost].title, "This month");
    // The cursor starts on the first column; `h` goes round to the last,
    // the cost: two presses sort by it, costliest first.
    assert_eq!(cursor_title(&mut app, 120, 40), "Deployment");
    press(&mut app, &worker, KeyCode::Char('h'));
    assert_eq!(cursor_title(&mut app, 120, 40), "This month");
    press(&mut app, &worker, KeyCode::Char('O'));
    assert_eq!(app.view(Pane::Deployments).sort, Some((cost, true)));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("sorted by This month ▼"), "{s}");
    let dearest = t
        .rows
        .iter()
        .max_by_key(|r| match &r.sort[cost] {
            ptudesk::tui::data::SortKey::Num(n) => *n,
            _ => rust_decimal::Decimal::MIN,
        })
        .unwrap();
    send(&mut app, &worker, Action::Top);
    assert_eq!(selected(&app, Pane::Deployments).key, dearest.key);
    assert_eq!(dearest.key, "support-gpt4o");
    // `l` and `o`: by the next column (round to the first), ascending;
    // `o` again: the table's own order.
    press(&mut app, &worker, KeyCode::Char('l'));
    press(&mut app, &worker, KeyCode::Char('l'));
    assert_eq!(cursor_title(&mut app, 120, 40), "Resource");
    press(&mut app, &worker, KeyCode::Char('o'));
    assert_eq!(app.view(Pane::Deployments).sort, Some((1, false)));
    press(&mut app, &worker, KeyCode::Char('o'));
    assert_eq!(app.view(Pane::Deployments).sort, None);
    // At 80x24 the cursor only lands on columns in view; past the last in
    // view the columns scroll and it lands on one brought in.
    let (mut app, worker) = demo();
    send(&mut app, &worker, Action::PaneDeployments);
    screen(&mut app, 80, 24);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..t.columns.len() + 3 {
        press(&mut app, &worker, KeyCode::Char('l'));
        let s = screen(&mut app, 80, 24);
        let title = cursor_title(&mut app, 80, 24);
        let head = line_with(&s, "│Deployment ");
        assert!(!title.is_empty() && head.contains(&title), "{title:?}\n{s}");
        seen.insert(app.view(Pane::Deployments).sort_cursor);
    }
    // Every column reached, hidden ones by scrolling.
    assert_eq!(seen.len(), t.columns.len(), "{seen:?}");
}

/// The binary on the app's own store, another process.
fn cli(worker: &Worker, args: &[&str]) -> String {
    let db = worker.slot.lock().unwrap().path.clone();
    let o = common::ptudesk()
        .args(args)
        .env("PTUDESK_DB", db)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn files_in(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn export_writes_csv_tables_and_focus_rows_as_the_cli_does() {
    let (mut app, worker) = demo();
    let dir = tempfile::tempdir().unwrap();
    let status = |app: &App| app.status.as_ref().unwrap().1.clone();
    // CSV: one file per table, the same files `export --format csv` writes.
    let tui_csv = dir.path().join("tui csv");
    let cli_csv = dir.path().join("cli-csv");
    send(
        &mut app,
        &worker,
        Action::Command(format!("export csv {}", tui_csv.display())),
    );
    assert!(status(&app).starts_with("Wrote "), "{}", status(&app));
    cli(
        &worker,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            cli_csv.to_str().unwrap(),
        ],
    );
    let (a, b) = (files_in(&tui_csv), files_in(&cli_csv));
    assert!(a.len() >= 4, "{a:?}");
    assert!(
        a.iter()
            .any(|(n, t)| n == "deployments.csv" && t.contains("chat-gpt4o"))
    );
    assert_eq!(a, b);
    assert!(
        status(&app).starts_with(&format!("Wrote {} CSV tables into ", a.len())),
        "{}",
        status(&app)
    );
    // FOCUS: this month by default, FOCUS 1.0; a range and 1.2 as asked.
    let tui_focus = dir.path().join("tui.csv");
    let cli_focus = dir.path().join("cli.csv");
    send(
        &mut app,
        &worker,
        Action::Command(format!("export focus {}", tui_focus.display())),
    );
    let wrote = status(&app);
    assert!(
        wrote.contains("FOCUS 1.0 rows (2026-11-01 00:00 .. 2026-12-01 00:00)"),
        "{wrote}"
    );
    cli(
        &worker,
        &[
            "export",
            "--format",
            "focus",
            "--now",
            NOW,
            "--out",
            cli_focus.to_str().unwrap(),
        ],
    );
    let tui_rows = std::fs::read_to_string(&tui_focus).unwrap();
    assert!(tui_rows.starts_with("BilledCost,"), "{tui_rows}");
    assert!(tui_rows.lines().count() > 10);
    assert_eq!(tui_rows, std::fs::read_to_string(&cli_focus).unwrap());
    // The status line counts the rows written (the header is no row).
    let rows = tui_rows.lines().count() - 1;
    assert!(
        wrote.starts_with(&format!("Wrote {rows} FOCUS 1.0 rows")),
        "{wrote}"
    );
    send(
        &mut app,
        &worker,
        Action::Command(format!(
            "export focus {} 2026-12-01..2027-01-01 1.2",
            tui_focus.display()
        )),
    );
    assert!(status(&app).contains("FOCUS 1.2 rows"), "{}", status(&app));
    cli(
        &worker,
        &[
            "export",
            "--format",
            "focus",
            "--from",
            "2026-12-01",
            "--to",
            "2027-01-01",
            "--focus-version",
            "1.2",
            "--out",
            cli_focus.to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read_to_string(&tui_focus).unwrap(),
        std::fs::read_to_string(&cli_focus).unwrap()
    );
    // A folder that does not exist, a name taken by a folder: the error on
    // the status line, nothing written, no temporary file left.
    let names = || {
        let mut v: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("kept"), "x").unwrap();
    let (listed, last) = (names(), std::fs::read_to_string(&tui_focus).unwrap());
    for target in [dir.path().join("missing").join("x.csv"), taken.clone()] {
        send(
            &mut app,
            &worker,
            Action::Command(format!("export focus {}", target.display())),
        );
        let said = status(&app);
        assert!(
            said.starts_with(&format!("cannot write {}: ", target.display())),
            "{said}"
        );
        assert_eq!(names(), listed);
    }
    assert_eq!(files_in(&taken), [("kept".to_string(), "x".to_string())]);
    assert_eq!(std::fs::read_to_string(&tui_focus).unwrap(), last);
    // A snapshot as before; a format without its file says how.
    let snap = dir.path().join("estate.json");
    send(
        &mut app,
        &worker,
        Action::Command(format!("export {}", snap.display())),
    );
    assert!(
        std::fs::read_to_string(&snap)
            .unwrap()
            .contains("cp-eastus-legacy")
    );
    send(&mut app, &worker, Action::Command("export csv".into()));
    assert!(status(&app).starts_with("Usage: :export FILE, :export csv DIR"));
}

/// The horizon the worker last asked the notification rules for, in hours.
static HORIZON_HOURS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

#[test]
fn the_next_30_days_are_the_same_720_hours_in_notifications_and_previews() {
    use ptudesk::domain::time::hours_ahead;
    use ptudesk::rating::coverage::NEXT_30_DAYS_HOURS;
    use std::sync::atomic::Ordering;
    let (mut app, mut worker) = prepare(Options {
        store: StoreChoice::Demo,
        now: Some(now()),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    // The real rules, with the horizon they are asked for noted.
    worker.notifier = |e, book, settings, opts, at, horizon| {
        HORIZON_HOURS.store(horizon.num_hours(), Ordering::SeqCst);
        ptudesk::alerts::evaluate(e, book, settings, opts, at, horizon)
    };
    let start = app.start();
    settle(&mut app, &worker, start);
    // Half past the hour: both count whole hours from 09:00.
    send(
        &mut app,
        &worker,
        Action::Command("now 2026-11-22T09:30:00Z".into()),
    );
    let hour = parse_time_arg("2026-11-22T09:00:00Z").unwrap();
    let window = (hour, hour + chrono::Duration::hours(720));
    assert_eq!(NEXT_30_DAYS_HOURS, 720);
    let horizon = HORIZON_HOURS.load(Ordering::SeqCst);
    assert_eq!(horizon, 720, "the notifications' horizon");
    assert_eq!(
        hours_ahead(app.now, chrono::Duration::hours(horizon)),
        window
    );
    assert_eq!(app.data().unwrap().baseline.next30, window);
    // A preview's "Next 30 days" line: the same window.
    send(&mut app, &worker, Action::PaneDeployments);
    send(&mut app, &worker, Action::Top);
    press(&mut app, &worker, KeyCode::Char('e'));
    let p = ptudesk::tui::app::form_preview(&app)
        .expect("a form")
        .clone()
        .unwrap();
    assert_eq!((p.next30.from, p.next30.to), window);
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("Next 30 days"), "{s}");
}

#[test]
fn pane_titles_keep_their_count_apart_from_the_text() {
    let (mut app, worker) = demo();
    // A bare number just before the border (the count glued onto the
    // text: "... the whole month 6", "... 09:00 UTC 2").
    let glued = |s: &str| -> Option<String> {
        for line in s.lines().filter(|l| l.contains('┌')) {
            for seg in line.split('┌').skip(1) {
                let words: Vec<&str> = seg.split_whitespace().collect();
                for (i, w) in words.iter().enumerate() {
                    let border = words.get(i + 1).is_none_or(|n| n.starts_with(['─', '┐']));
                    let number = w.chars().all(|c| c.is_ascii_digit());
                    if number && border && (i == 0 || words[i - 1] != "·") {
                        return Some(line.to_string());
                    }
                }
            }
        }
        None
    };
    for (pane, rows) in [
        (Action::PaneOverview, None),
        (Action::PaneQuota, Some(Pane::Quota)),
        (Action::PaneDeployments, Some(Pane::Deployments)),
        (Action::PaneCommitments, Some(Pane::Commitments)),
        (Action::PaneReservations, Some(Pane::Reservations)),
        (Action::PaneNotifications, Some(Pane::Notifications)),
        (Action::PaneForecast, Some(Pane::Forecast)),
        (Action::PanePlanner, None),
    ] {
        send(&mut app, &worker, pane);
        for (w, h) in [(120, 40), (80, 24)] {
            let s = screen(&mut app, w, h);
            assert_eq!(glued(&s), None, "{s}");
            // (At 80x24 the Forecast's chart leaves its windows no room.)
            if let Some(p) = rows.filter(|_| w == 120) {
                let n = app.table(p).unwrap().rows.len();
                let word = if n == 1 { "row" } else { "rows" };
                assert!(s.contains(&format!(" · {n} {word} ")), "{s}");
            }
        }
    }
    // The Overview's region table: its row count after "·" too.
    send(&mut app, &worker, Action::PaneOverview);
    let s = screen(&mut app, 120, 40);
    let n = app.data().unwrap().overview.capacity.rows.len();
    assert!(
        line_with(&s, "PTU this hour").contains(&format!("the whole month · {n} ")),
        "{s}"
    );
    // And the glue is seen: the check above fails on it.
    assert!(glued("┌ Forecast windows: the whole month 6 ─┐").is_some());
    assert!(glued("┌ Windows · 6 rows ─┐").is_none());
}

#[test]
fn a_help_row_keeps_a_space_between_long_keys_and_what_they_do() {
    let (mut app, worker) = demo();
    press(&mut app, &worker, KeyCode::Char('?'));
    let help = ptudesk::tui::ui::help_lines(&app);
    let mut long = 0;
    for line in &help {
        // A row is the keys' cell and what they do; titles are one span.
        let [keys, what] = &line.spans[..] else {
            continue;
        };
        let keys = keys.content.as_ref();
        if keys.trim().chars().count() >= 22 {
            long += 1;
        }
        assert!(
            keys.ends_with(' '),
            "keys run into their description: {:?}",
            format!("{keys}{}", what.content)
        );
    }
    // The palette's longer usages (":basis actual|amortized", ":sync
    // [--allow-partial] ...") are rows of their own: the check saw them.
    assert!(long >= 2, "{long} rows with keys of 22 characters or more");
}
