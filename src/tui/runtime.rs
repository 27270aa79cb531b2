//! The event loop: terminal events, actions coming back from effects, and a
//! once-a-second tick (a look at the store file; status messages age),
//! multiplexed with `tokio::select!`; every action first moves the app's
//! clock ([`super::clock`]). Effects run under `spawn_blocking`
//! (SQLite and the rating core block); the screen is redrawn only after
//! something changed (a tick redraws only when a status message expired).
//! Logs go to a file, readable by its owner only (0600, like the store).

use super::action::Action;
use super::app::{App, key_action, update};
use super::effect::Effect;
use super::keymap::Keymap;
use super::theme::Theme;
use super::ui;
use super::worker::{StoreSlot, ThrowawayError, Worker, throwaway};
use crate::config::Config;
use crate::domain::time::Time;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::collections::VecDeque;
use std::io::IsTerminal;
use std::path::PathBuf;
use tokio::sync::mpsc;

/// Which store the app opens.
#[derive(Debug, Clone)]
pub enum StoreChoice {
    /// A store file (created when missing, unless read-only).
    Path(PathBuf),
    /// The bundled demo estate, dated around now, in a throw-away store.
    Demo,
    /// A snapshot file, in a throw-away store.
    Scenario(PathBuf),
}

/// How the app starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub store: StoreChoice,
    /// `--now`: fixes the app's clock.
    pub now: Option<Time>,
    /// `--clock-start`: the clock starts at this instant and runs from
    /// there (ignored with `now`).
    pub clock_start: Option<Time>,
    pub readonly: bool,
    pub config: Config,
}

/// Why the terminal app did not start, or stopped on its own. The command
/// line prints it and exits with its input-error code.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(
        "the terminal app needs a terminal; for scripts, use a command such as `ptudesk forecast` (see --help)"
    )]
    NoTerminal,
    /// `[keys]` or `[colors]` refused, naming the settings file they come
    /// from when there is one.
    #[error("{}{message}", file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default())]
    Settings {
        file: Option<PathBuf>,
        message: String,
    },
    /// `--scenario FILE` does not read as a snapshot.
    #[error(transparent)]
    Scenario(#[from] crate::ingest::InputError),
    /// The throw-away store of `--demo` or `--scenario`.
    #[error(transparent)]
    Throwaway(#[from] ThrowawayError),
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot set up the terminal: {0}")]
    Terminal(std::io::Error),
    #[error("cannot watch signals: {0}")]
    Signals(std::io::Error),
    #[error("cannot draw: {0}")]
    Draw(std::io::Error),
    /// A signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT) ended the app.
    #[error("stopped by {0}; nothing unsaved was written")]
    Stopped(&'static str),
    /// The app stopped itself ([`App::fatal`]).
    #[error("{0}")]
    Fatal(String),
}

/// What the app needs before its first frame: state and worker.
pub fn prepare(opts: Options) -> Result<(App, Worker), TuiError> {
    // Key and colour problems name the settings file they come from.
    let named = |message: String| TuiError::Settings {
        file: opts.config.file.clone(),
        message,
    };
    let keymap = Keymap::new(&opts.config.keys, super::commands::all()).map_err(named)?;
    let theme = Theme::new(&opts.config.colors, Theme::no_color_env()).map_err(named)?;
    // Pinned at --now, else running from --clock-start or the computer's clock.
    let now = opts
        .now
        .or(opts.clock_start)
        .unwrap_or_else(chrono::Utc::now);
    let (slot, label) = match &opts.store {
        StoreChoice::Path(p) => (
            StoreSlot {
                store: None,
                path: p.clone(),
                temp: None,
                seen: None,
            },
            p.display().to_string(),
        ),
        StoreChoice::Demo => (
            throwaway(&crate::demo::estate(now), now, "demo")?,
            "demo (throw-away store)".to_string(),
        ),
        StoreChoice::Scenario(file) => {
            let e = crate::ingest::snapshot::load(file)?;
            (
                throwaway(&e, now, "scenario")?,
                format!("{} (throw-away store)", file.display()),
            )
        }
    };
    let worker = Worker::new(slot, opts.config, opts.readonly);
    let mut app = App::new(now, opts.now.is_some(), opts.readonly, label, keymap, theme);
    app.throwaway = !matches!(opts.store, StoreChoice::Path(_));
    Ok((app, worker))
}

/// Runs effects to completion on this thread, applying every action they
/// answer with (tests and benchmarks drive the app this way).
pub fn settle(app: &mut App, worker: &Worker, effects: Vec<Effect>) {
    let mut queue: VecDeque<Effect> = effects.into();
    while let Some(e) = queue.pop_front() {
        for a in worker.run(e) {
            queue.extend(update(app, a));
        }
    }
}

/// Applies an action and settles its effects (tests and benchmarks).
pub fn send(app: &mut App, worker: &Worker, action: Action) {
    let effects = update(app, action);
    settle(app, worker, effects);
}

fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let path = match std::env::var_os("PTUDESK_LOG") {
        Some(p) => PathBuf::from(p),
        None => directories::ProjectDirs::from("", "", "ptudesk")?
            .data_dir()
            .join("ptudesk.log"),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = open_log(&path).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Opens the log file for appending, created readable and writable by its
/// owner only (0600 on unix, as the store is); an older, wider log is
/// narrowed.
pub fn open_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let file = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Opens the terminal app and runs it until the user quits.
pub fn run(opts: Options) -> Result<(), TuiError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(TuiError::NoTerminal);
    }
    let _log = init_logging();
    let (mut app, worker) = prepare(opts)?;
    tracing::info!("starting on {}", app.store_label);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(TuiError::Runtime)?;
    // Restores the terminal before a panic message is printed.
    let mut terminal = ratatui::try_init().map_err(TuiError::Terminal)?;
    // A paste arrives as one event, not as thousands of keys.
    let _ = ratatui::crossterm::execute!(
        std::io::stdout(),
        ratatui::crossterm::event::EnableBracketedPaste
    );
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = ratatui::crossterm::execute!(
            std::io::stdout(),
            ratatui::crossterm::event::DisableBracketedPaste
        );
        hook(info);
    }));
    let mut result = rt.block_on(event_loop(&mut terminal, &mut app, worker));
    let _ = ratatui::crossterm::execute!(
        std::io::stdout(),
        ratatui::crossterm::event::DisableBracketedPaste
    );
    ratatui::restore();
    if let (Ok(()), Some(msg)) = (&result, app.fatal.take()) {
        result = Err(TuiError::Fatal(msg));
    }
    rt.shutdown_background();
    tracing::info!("stopped: {result:?}");
    result
}

fn spawn_effects(effects: Vec<Effect>, worker: &Worker, tx: &mpsc::UnboundedSender<Action>) {
    for e in effects {
        let w = worker.clone();
        let label = e.label();
        let sender = tx.clone();
        let job = tokio::task::spawn_blocking(move || {
            w.run_streaming(e, &mut |a| {
                let _ = sender.send(a);
            });
        });
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Err(err) = job.await {
                tracing::error!("{label} failed: {err}");
                let _ = tx.send(Action::Fatal(format!(
                    "internal error while doing \"{label}\" (see the log); nothing was saved by it"
                )));
            }
        });
    }
}

/// The signals that end the app: each one leaves through the same door as
/// `q`, so the terminal is restored (raw mode off, main screen, cursor).
#[cfg(unix)]
struct Signals([tokio::signal::unix::Signal; 4]);

#[cfg(unix)]
impl Signals {
    fn new() -> Result<Signals, TuiError> {
        use tokio::signal::unix::{SignalKind, signal};
        let watch = |kind: SignalKind| signal(kind).map_err(TuiError::Signals);
        Ok(Signals([
            watch(SignalKind::terminate())?,
            watch(SignalKind::interrupt())?,
            watch(SignalKind::hangup())?,
            watch(SignalKind::quit())?,
        ]))
    }

    /// Waits for the next signal; its name.
    async fn recv(&mut self) -> &'static str {
        let [term, int, hup, quit] = &mut self.0;
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
            _ = hup.recv() => "SIGHUP",
            _ = quit.recv() => "SIGQUIT",
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Result<Signals, TuiError> {
        Ok(Signals)
    }

    async fn recv(&mut self) -> &'static str {
        std::future::pending().await
    }
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    worker: Worker,
) -> Result<(), TuiError> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let (etx, mut erx) = mpsc::unbounded_channel::<Event>();
    // Terminal events come from a plain thread: crossterm's read blocks.
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            if etx.send(ev).is_err() {
                break;
            }
        }
    });
    if let Ok(s) = terminal.size() {
        app.size = (s.width, s.height);
    }
    let start = app.start();
    spawn_effects(start, &worker, &tx);
    let mut signals = Signals::new()?;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    loop {
        if dirty {
            terminal
                .draw(|f| ui::draw(app, f))
                .map_err(TuiError::Draw)?;
            dirty = false;
        }
        let action = tokio::select! {
            ev = erx.recv() => match ev {
                Some(Event::Key(k)) if k.kind != KeyEventKind::Release => key_action(app, &k),
                Some(Event::Resize(w, h)) => Some(Action::Resized(w, h)),
                Some(Event::Paste(s)) => Some(Action::Paste(s)),
                Some(_) => None,
                None => Some(Action::Quit),
            },
            Some(a) = rx.recv() => Some(a),
            name = signals.recv() => {
                // Back to the caller, which restores the terminal.
                tracing::info!("{name}: stopping");
                return Err(TuiError::Stopped(name));
            }
            _ = tick.tick() => {
                let w = worker.clone();
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    if w.store_changed() {
                        let _ = tx.send(Action::StoreChanged);
                    }
                });
                Some(Action::Tick)
            }
        };
        if let Some(a) = action {
            // A tick changes the screen only when a status message expires
            // or the clock's minute moves.
            let tick = matches!(a, Action::Tick);
            let shown = |app: &App| (app.status.clone(), super::data::minute(app.now));
            let before = tick.then(|| shown(app));
            let effects = update(app, a);
            spawn_effects(effects, &worker, &tx);
            dirty |= !tick || before != Some(shown(app));
        }
        if app.quit {
            break;
        }
    }
    Ok(())
}
