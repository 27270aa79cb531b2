//! What the terminal-app tests share: the demo estate prepared at a fixed
//! now, a frame drawn at a size, and a key pressed as a user does.

use ptudesk::config::Config;
use ptudesk::domain::time::Time;
use ptudesk::tui::app::{Loadable, key_action};
use ptudesk::tui::runtime::{Options, StoreChoice, prepare, send, settle};
use ptudesk::tui::{App, Worker, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The demo estate in a throw-away store at `now` (the clock stopped),
/// loaded and rated, with the shipped settings.
pub fn demo(now: Time) -> (App, Worker) {
    open(StoreChoice::Demo, now)
}

/// A snapshot file in a throw-away store at `now`, as [`demo`].
pub fn scenario(file: std::path::PathBuf, now: Time) -> (App, Worker) {
    open(StoreChoice::Scenario(file), now)
}

/// The store at `db` at `now`, as [`demo`].
pub fn store(db: std::path::PathBuf, now: Time) -> (App, Worker) {
    open(StoreChoice::Path(db), now)
}

fn open(store: StoreChoice, now: Time) -> (App, Worker) {
    let (mut app, worker) = prepare(Options {
        store,
        now: Some(now),
        clock_start: None,
        readonly: false,
        config: Config::default(),
    })
    .unwrap();
    let start = app.start();
    settle(&mut app, &worker, start);
    assert!(matches!(app.data, Loadable::Ready(_)));
    (app, worker)
}

/// The frame at `w` x `h`, as text.
pub fn screen(app: &mut App, w: u16, h: u16) -> String {
    app.size = (w, h);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(app, f)).unwrap();
    format!("{}", t.backend())
}

/// Presses `code`, which must do something where the app is.
pub fn press(app: &mut App, worker: &Worker, code: KeyCode) {
    let a = key_action(app, &KeyEvent::new(code, KeyModifiers::NONE))
        .unwrap_or_else(|| panic!("{code:?} does nothing here"));
    send(app, worker, a);
}
