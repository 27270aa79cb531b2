//! The command palette (`:`): the commands matching what is typed, above
//! the status line.

pub mod run;

use crate::tui::action::Action;
use crate::tui::effect::Effect;
use crate::tui::popups::form::edit_input;
use crate::tui::state::{App, Overlay};
use crate::tui::table::block;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use std::path::PathBuf;
use tui_input::Input;

/// The key bar while the palette is open.
pub const KEYS: &[(&str, &str)] = &[("enter", "run"), ("tab", "complete"), ("esc", "close")];

/// Draws the commands matching `input` (all of them when none match).
pub fn draw(app: &App, f: &mut Frame, body: Rect, status: Rect, input: &Input) {
    let matches = palette_matches(input.value());
    let list: Vec<&(&str, &str)> = if matches.is_empty() {
        COMMANDS.iter().collect()
    } else {
        matches
    };
    let h = (list.len() as u16 + 2).min(body.height);
    let w = body.width.min(90);
    let r = Rect::new(body.x, status.y.saturating_sub(h), w, h);
    f.render_widget(Clear, r);
    let lines: Vec<Line> = list
        .iter()
        .map(|(c, d)| {
            Line::from(vec![
                Span::styled(format!(" :{c:<33}"), app.theme.fg("accent")),
                Span::raw(d.to_string()),
            ])
        })
        .collect();
    let title = app.palette_note.as_deref().unwrap_or("Commands");
    f.render_widget(
        Paragraph::new(lines).block(block(app, format!(" {title} "))),
        r,
    );
}

// What the palette offers and completes.

/// A path as typed: a leading `~/` is the home folder.
pub fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

/// The help's row for running a bound action from the palette by name.
pub const ANY_ACTION: (&str, &str) = (":ACTION", "any action by its name, e.g. :add_ptu");

/// The palette's commands: (usage, what it does).
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "import FILE...",
        "import snapshot, az CLI or price files into the store",
    ),
    (
        "export FILE",
        "write the store's estate as a snapshot file (import reads it back)",
    ),
    (
        "export csv DIR",
        "one CSV file per table into DIR (as export --format csv)",
    ),
    (
        "export focus FILE [A..B] [1.2]",
        "FOCUS rows rated by the core, this month unless A..B, FOCUS 1.0 unless 1.2 (as export --format focus)",
    ),
    (
        "recommend",
        "what to reserve, beside the expiry ladder; enter: what-if, a: apply",
    ),
    (
        "forecast FROM..TO",
        "chart a range (dates or whole hours), e.g. 2027-01-01..2027-04-01",
    ),
    (
        "now T",
        "treat T as now (what-if); `now clock` for the clock",
    ),
    ("basis actual|amortized", "the forecast chart's basis"),
    (
        "plan migrate ID",
        "plan moving off a commitment onto a reservation",
    ),
    (
        "plan move DEP RESOURCE",
        "plan moving a deployment to another resource",
    ),
    (
        "plan convert DEP Global|DataZone",
        "plan converting a deployment to Global or Data Zone",
    ),
    ("plan discontinue RESOURCE", "plan to stop using a resource"),
    (
        "sync [--allow-partial] [SUBSCRIPTION...]",
        "read the live estate through your az login, in the background (--allow-partial: import the rest if reservations can't be read)",
    ),
    (
        "capacity MODEL PTU [--version V] [--type T] [--region R]",
        "where N PTU of a model can go: service capacity, quota, price (as `ptudesk capacity`)",
    ),
    ("demo", "open the demo estate in a throw-away store"),
    ("undo", "undo the last saved change"),
    ("reload", "read the store again"),
    ("help", "every key"),
    ("q", "quit"),
];

/// Commands whose name starts with what was typed.
pub fn palette_matches(typed: &str) -> Vec<&'static (&'static str, &'static str)> {
    let word = typed.trim_start().split(' ').next().unwrap_or("");
    COMMANDS.iter().filter(|c| c.0.starts_with(word)).collect()
}

/// A palette line after Tab: the line, the cursor (in characters), and
/// what to show about the candidates when there are several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    pub line: String,
    pub cursor: usize,
    pub note: Option<String>,
}

fn common_prefix<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut it = names.into_iter();
    let Some(first) = it.next() else {
        return String::new();
    };
    let mut p: Vec<char> = first.chars().collect();
    for n in it {
        let k = p
            .iter()
            .zip(n.chars())
            .take_while(|(a, b)| **a == *b)
            .count();
        p.truncate(k);
    }
    p.into_iter().collect()
}

/// Tab in the palette: with the cursor in the command word, completes the
/// word (keeping what follows it); in an argument of `:import` or
/// `:export`, completes the file path before the cursor from its folder;
/// anything else is left as it is.
pub fn complete(line: &str, cursor: usize) -> Completed {
    let chars: Vec<char> = line.chars().collect();
    let cursor = cursor.min(chars.len());
    let same = |note: Option<String>| Completed {
        line: line.to_string(),
        cursor,
        note,
    };
    let lead = chars.iter().take_while(|c| c.is_whitespace()).count();
    let word_end = lead
        + chars[lead..]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .count();
    let collect = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    if cursor <= word_end {
        let typed = collect(lead, cursor);
        let mut names: Vec<&str> = COMMANDS
            .iter()
            .map(|c| c.0.split(' ').next().unwrap_or(c.0))
            .filter(|n| n.starts_with(&typed))
            .collect();
        names.dedup();
        if names.is_empty() {
            return same(Some(format!("no command starts with {typed:?}")));
        }
        let word = if names.len() == 1 {
            names[0].to_string()
        } else {
            common_prefix(names.iter().copied())
        };
        let rest = collect(word_end, chars.len());
        let mut out = collect(0, lead) + &word;
        if names.len() == 1 && !rest.starts_with(' ') {
            out.push(' ');
        }
        let mut at = out.chars().count();
        if names.len() == 1 && rest.starts_with(' ') {
            at += 1;
        }
        out.push_str(&rest);
        let note = (names.len() > 1).then(|| names.join("  "));
        return Completed {
            line: out,
            cursor: at,
            note,
        };
    }
    let cmd = collect(lead, word_end);
    if cmd != "import" && cmd != "export" {
        return same(None);
    }
    // The path being typed: from the space before the cursor to the cursor.
    let start = chars[..cursor]
        .iter()
        .rposition(|c| c.is_whitespace())
        .map_or(0, |i| i + 1);
    let typed = collect(start, cursor);
    let (dir, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed.as_str()),
    };
    let folder = if dir.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(dir)
    };
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return same(Some(format!("no folder {}", folder.display())));
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let hidden = name.starts_with('.') && !prefix.starts_with('.');
            (name.starts_with(prefix) && !hidden).then(|| {
                if e.path().is_dir() {
                    format!("{name}/")
                } else {
                    name
                }
            })
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return same(Some(format!("no file matches {typed}")));
    }
    let mut done = if names.len() == 1 {
        names[0].clone()
    } else {
        common_prefix(names.iter().map(String::as_str))
    };
    // The only match, a file, for :import: a space, ready for the next.
    let rest = collect(cursor, chars.len());
    if names.len() == 1 && !done.ends_with('/') && cmd == "import" && !rest.starts_with(' ') {
        done.push(' ');
    }
    let mut out = collect(0, start) + dir + &done;
    let at = out.chars().count();
    out.push_str(&rest);
    let note = (names.len() > 1).then(|| {
        let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
        let more = names.len().saturating_sub(8);
        let mut n = format!("{} files: {}", names.len(), shown.join("  "));
        if more > 0 {
            n.push_str(&format!("  … {more} more"));
        }
        n
    });
    Completed {
        line: out,
        cursor: at,
        note,
    }
}

/// Keys while the palette is open: type, complete (tab), run (enter).
pub(crate) fn on_action(app: &mut App, input: Input, action: Action) -> Vec<Effect> {
    match action {
        Action::Back => {
            app.overlays.pop();
            app.palette_note = None;
            vec![]
        }
        Action::Select => {
            app.overlays.pop();
            app.palette_note = None;
            run::command(app, input.value())
        }
        Action::NextPane => {
            let c = complete(input.value(), input.cursor());
            if let Some(Overlay::Palette(i)) = app.overlays.last_mut() {
                *i = Input::new(c.line).with_cursor(c.cursor);
            }
            app.palette_note = c.note;
            vec![]
        }
        Action::Text(k) => {
            if let Some(Overlay::Palette(i)) = app.overlays.last_mut() {
                edit_input(i, k);
            }
            app.palette_note = None;
            vec![]
        }
        Action::Paste(s) => {
            if let Some(Overlay::Palette(i)) = app.overlays.last_mut() {
                crate::tui::popups::form::paste_input(i, &s);
            }
            app.palette_note = None;
            vec![]
        }
        _ => vec![],
    }
}
