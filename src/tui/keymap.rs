//! Key bindings: the defaults below, overridden per action by `[keys]` in
//! the config file (`action = ["key", ...]` replaces that action's keys).
//! One list feeds the key lookup, the bottom bar and the `?` help, so the
//! hints always show the user's real bindings.
//!
//! A key may serve two actions only where they never apply together: each
//! action works in some modes (the panes it works in, with no popup open,
//! or a confirmation), and two actions sharing a key must share no mode.
//! `a` is acknowledge in Notifications and apply in the Planner; binding
//! `refund = ["j"]` is refused at start, since `j` moves down in the
//! Reservations pane where refund works too. Text fields (filter, palette,
//! forms) take typed keys as text whatever the keymap says.

use super::action::{Action, Command, Pane};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

/// A key with its modifiers (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn plain(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    /// The key a terminal event carries.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let code = match ev.code {
            // Some terminals send Shift-Tab as Tab with Shift.
            KeyCode::Tab if ev.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            c => c,
        };
        Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses the config file's spelling: "q", "Q", "?", "enter", "esc",
    /// "tab", "backtab", "up", "down", "left", "right", "pageup",
    /// "pagedown", "home", "end", "f1".."f12", "space", "backspace",
    /// "delete", "ctrl-c", "alt-x".
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut rest = s;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let code = if rest.chars().count() == 1 {
            let c = rest.chars().next().expect("one char");
            KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
        } else {
            match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().expect("checked"))
                }
                _ => {
                    return Err(format!(
                        "unknown key {s:?}: expected a character, enter, esc, tab, backtab, up, down, left, right, pageup, pagedown, home, end, space, backspace, delete, f1..f12, with ctrl- or alt- before it if needed"
                    ));
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    /// The spelling shown in the help and the bottom bar.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "shift-tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::Backspace => "backspace".into(),
            KeyCode::Delete => "del".into(),
            KeyCode::F(n) => format!("f{n}"),
            other => format!("{other:?}").to_lowercase(),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        s.push_str(&base);
        s
    }
}

/// The shipped bindings.
pub const DEFAULTS: &[(&str, &[&str])] = &[
    ("quit", &["q", "ctrl-c"]),
    ("help", &["?", "f1"]),
    ("palette", &[":"]),
    ("filter", &["/"]),
    ("back", &["esc"]),
    ("up", &["k", "up"]),
    ("down", &["j", "down"]),
    ("page_up", &["pageup", "ctrl-b"]),
    ("page_down", &["pagedown", "ctrl-f"]),
    ("top", &["g", "home"]),
    ("bottom", &["G", "end"]),
    ("select", &["enter"]),
    ("next_pane", &["tab", "right"]),
    ("prev_pane", &["backtab", "left"]),
    ("pane_overview", &["1"]),
    ("pane_quota", &["2"]),
    ("pane_deployments", &["3"]),
    ("pane_commitments", &["4"]),
    ("pane_reservations", &["5"]),
    ("pane_notifications", &["6"]),
    ("pane_forecast", &["7"]),
    ("pane_planner", &["8"]),
    ("column_cursor_left", &["h"]),
    ("column_cursor_right", &["l"]),
    ("sort", &["o"]),
    ("sort_reverse", &["O"]),
    ("columns_left", &["<"]),
    ("columns_right", &[">"]),
    ("undo", &["u"]),
    ("reload", &["ctrl-r"]),
    ("add_ptu", &["+"]),
    ("set_renewal", &["r"]),
    ("new_reservation", &["n"]),
    ("change_scope", &["s"]),
    ("refund", &["x"]),
    ("resize", &["e"]),
    ("delete", &["d"]),
    ("acknowledge", &["a"]),
    ("toggle_acknowledged", &["A"]),
    ("info", &["i"]),
    ("toggle_basis", &["b"]),
    ("range_prev", &["["]),
    ("range_next", &["]"]),
    ("range_this_month", &["t"]),
    ("plan", &["p"]),
    ("plan_discontinue", &["D"]),
    ("apply_plan", &["a"]),
    ("capacity", &["c"]),
    ("regions_down", &["J"]),
    ("regions_up", &["K"]),
    ("confirm", &["y"]),
];

/// Former action names still read from the config file: (old, new). A
/// user's `[keys]` written before a rename keeps working.
pub const ALIASES: &[(&str, &str)] = &[
    // `sort_next` cycled the sort column; `sort` sorts by the column cursor.
    ("sort_next", "sort"),
];

/// The config file's `[keys]` with former names read as today's; naming
/// one action under both names is refused.
fn resolve_aliases(
    overrides: &BTreeMap<String, Vec<String>>,
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    for (name, keys) in overrides {
        let (name, old) = match ALIASES.iter().find(|(old, _)| old == name) {
            Some((old, new)) => (new.to_string(), Some(*old)),
            None => (name.clone(), None),
        };
        if out.insert(name.clone(), keys.clone()).is_some() {
            return Err(format!(
                "keys.{}: the same action as keys.{name}; keep one of them",
                old.unwrap_or(&name)
            ));
        }
    }
    Ok(out)
}

/// One action and its keys.
#[derive(Debug, Clone)]
pub struct Binding {
    pub action: Action,
    pub name: String,
    pub keys: Vec<Key>,
}

/// The live keymap.
#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
    /// The panes' own commands (`tui::commands::all`): where each works.
    pub commands: Vec<(Action, &'static [Pane])>,
}

impl Keymap {
    /// The defaults with the config file's `[keys]` over them; `commands`
    /// are the panes' own (`tui::commands::all`), saying where each works.
    pub fn new<S>(
        overrides: &BTreeMap<String, Vec<String>>,
        commands: Vec<Command<S>>,
    ) -> Result<Keymap, String> {
        let commands = commands.into_iter().map(|c| (c.action, c.on)).collect();
        let overrides = &resolve_aliases(overrides)?;
        for name in overrides.keys() {
            if Action::from_name(name).is_none() {
                let known: Vec<String> =
                    Action::bindable().iter().filter_map(|a| a.name()).collect();
                return Err(format!(
                    "keys.{name}: unknown action; the actions are {}",
                    known.join(", ")
                ));
            }
        }
        let mut bindings = Vec::new();
        for action in Action::bindable() {
            let name = action.name().expect("bindable");
            let spelled: Vec<String> = match overrides.get(&name) {
                Some(keys) => keys.clone(),
                None => DEFAULTS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, k)| k.iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default(),
            };
            let keys = spelled
                .iter()
                .map(|s| Key::parse(s).map_err(|e| format!("keys.{name}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            bindings.push(Binding { action, name, keys });
        }
        let km = Keymap { bindings, commands };
        km.check_conflicts()?;
        Ok(km)
    }

    /// Where an action works: `None` everywhere, else in these panes (a
    /// list's commands, [`Action::panes`], or a pane's own).
    pub fn panes_of(&self, a: &Action) -> Option<&[Pane]> {
        a.panes().or_else(|| {
            self.commands
                .iter()
                .find(|(c, _)| c.name() == a.name())
                .map(|(_, on)| *on)
        })
    }

    /// The action a key means in a confirmation (the keymap's `confirm`
    /// and `back` keys; Enter also says yes, `n` and `q` also say no).
    pub fn confirm_lookup(&self, key: Key) -> Option<Action> {
        let bound = |name: &str| {
            self.bindings
                .iter()
                .any(|b| b.name == name && b.keys.contains(&key))
        };
        if bound("confirm") || (key.code == KeyCode::Enter && !key.ctrl && !key.alt) {
            return Some(Action::Confirm);
        }
        let no = matches!(
            key.code,
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Char('q')
        ) && !key.ctrl;
        if bound("back") || no {
            return Some(Action::Back);
        }
        None
    }

    /// The action a key means in a pane: a binding for that pane wins over
    /// one that works everywhere.
    pub fn lookup(&self, key: Key, pane: Pane) -> Option<Action> {
        let hits = self
            .bindings
            .iter()
            .filter(|b| b.keys.contains(&key))
            .filter(|b| self.panes_of(&b.action).is_none_or(|ps| ps.contains(&pane)));
        let mut global = None;
        for b in hits {
            if self.panes_of(&b.action).is_some() {
                return Some(b.action.clone());
            }
            global.get_or_insert(b.action.clone());
        }
        global
    }

    /// The keys of an action, as shown ("j/↓").
    pub fn keys_of(&self, name: &str) -> String {
        self.bindings
            .iter()
            .find(|b| b.name == name)
            .map(|b| b.keys.iter().map(Key::label).collect::<Vec<_>>().join("/"))
            .unwrap_or_default()
    }

    /// The first key of an action, as shown.
    pub fn first_key(&self, name: &str) -> Option<String> {
        self.bindings
            .iter()
            .find(|b| b.name == name)
            .and_then(|b| b.keys.first())
            .map(Key::label)
    }
}

impl Keymap {
    /// Refuses one key bound to two actions that apply in the same pane or mode.
    fn check_conflicts(&self) -> Result<(), String> {
        let bindings = &self.bindings;
        for (i, a) in bindings.iter().enumerate() {
            for b in &bindings[i + 1..] {
                let Some(key) = a.keys.iter().find(|k| b.keys.contains(k)) else {
                    continue;
                };
                let (ma, mb) = (
                    modes(&a.action, self.panes_of(&a.action)),
                    modes(&b.action, self.panes_of(&b.action)),
                );
                if let Some(m) = ma.iter().find(|m| mb.contains(m)) {
                    return Err(format!(
                        "keys: {:?} is bound to both {} ({}) and {} ({}), which both work in {}; a key can serve two actions only where they never apply together. Give one of them another key in [keys]",
                        key.label(),
                        a.name,
                        a.action.describe(),
                        b.name,
                        b.action.describe(),
                        mode_words(*m),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Where an action applies, for the conflict check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Pane(Pane),
    Confirm,
}

fn modes(a: &Action, panes: Option<&[Pane]>) -> Vec<Mode> {
    let panes: Vec<Mode> = match panes {
        None => Pane::ALL.iter().map(|p| Mode::Pane(*p)).collect(),
        Some(ps) => ps.iter().map(|p| Mode::Pane(*p)).collect(),
    };
    match a {
        Action::Confirm => vec![Mode::Confirm],
        // Back says no in a confirmation.
        Action::Back => panes.into_iter().chain([Mode::Confirm]).collect(),
        _ => panes,
    }
}

fn mode_words(m: Mode) -> String {
    match m {
        Mode::Pane(p) => format!("the {} pane", p.title()),
        Mode::Confirm => "a confirmation".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::commands::all;

    #[test]
    fn parses_and_labels_keys() {
        assert_eq!(Key::parse("q").unwrap(), Key::plain(KeyCode::Char('q')));
        assert_eq!(Key::parse("G").unwrap(), Key::plain(KeyCode::Char('G')));
        let c = Key::parse("ctrl-c").unwrap();
        assert!(c.ctrl && c.code == KeyCode::Char('c'));
        assert_eq!(Key::parse("enter").unwrap().code, KeyCode::Enter);
        assert_eq!(Key::parse("f5").unwrap().code, KeyCode::F(5));
        assert!(Key::parse("hyper-x").is_err());
        assert_eq!(c.label(), "ctrl-c");
    }

    #[test]
    fn overrides_and_pane_bindings() {
        let km = Keymap::new(&BTreeMap::new(), all()).unwrap();
        let r = Key::plain(KeyCode::Char('r'));
        assert!(matches!(
            km.lookup(r, Pane::Commitments),
            Some(Action::SetRenewal)
        ));
        assert!(km.lookup(r, Pane::Overview).is_none());
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["Q".to_string()]);
        let km = Keymap::new(&o, all()).unwrap();
        assert!(
            km.lookup(Key::plain(KeyCode::Char('q')), Pane::Overview)
                .is_none()
        );
        assert!(matches!(
            km.lookup(Key::plain(KeyCode::Char('Q')), Pane::Overview),
            Some(Action::Quit)
        ));
        o.insert("jump".to_string(), vec!["x".to_string()]);
        assert!(Keymap::new(&o, all()).unwrap_err().contains("keys.jump"));
    }

    #[test]
    fn a_former_action_name_still_binds() {
        // `sort_next` was renamed `sort`: a config naming it keeps working.
        let mut o = BTreeMap::new();
        o.insert("sort_next".to_string(), vec!["S".to_string()]);
        let km = Keymap::new(&o, all()).unwrap();
        assert!(matches!(
            km.lookup(Key::plain(KeyCode::Char('S')), Pane::Deployments),
            Some(Action::Sort)
        ));
        assert!(
            km.lookup(Key::plain(KeyCode::Char('o')), Pane::Deployments)
                .is_none()
        );
        assert_eq!(km.keys_of("sort"), "S");
        // Both names at once say the same thing twice.
        o.insert("sort".to_string(), vec!["o".to_string()]);
        let err = Keymap::new(&o, all()).unwrap_err();
        assert!(
            err.contains("keys.sort_next") && err.contains("keys.sort;"),
            "{err}"
        );
    }

    #[test]
    fn a_key_serves_two_actions_only_where_they_never_meet() {
        // The defaults share `a` between Notifications and the Planner.
        let km = Keymap::new(&BTreeMap::new(), all()).unwrap();
        let a = Key::plain(KeyCode::Char('a'));
        assert!(matches!(
            km.lookup(a, Pane::Notifications),
            Some(Action::Acknowledge)
        ));
        assert!(matches!(
            km.lookup(a, Pane::Planner),
            Some(Action::ApplyPlan)
        ));
        // j moves down in Reservations, where refund works too.
        let mut o = BTreeMap::new();
        o.insert("refund".to_string(), vec!["j".to_string()]);
        let err = Keymap::new(&o, all()).unwrap_err();
        assert!(err.contains("\"j\""), "{err}");
        assert!(err.contains("refund") && err.contains("down"), "{err}");
        assert!(err.contains("Reservations pane"), "{err}");
        // A global key taken by a pane's action collides in that pane.
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["x".to_string()]);
        assert!(Keymap::new(&o, all()).unwrap_err().contains("quit"));
        // Refund on `a`: acknowledge and apply never work in Reservations.
        let mut o = BTreeMap::new();
        o.insert("refund".to_string(), vec!["a".to_string()]);
        let km = Keymap::new(&o, all()).unwrap();
        assert!(matches!(
            km.lookup(a, Pane::Reservations),
            Some(Action::Refund)
        ));
        // Yes on esc would make a confirmation undecidable.
        let mut o = BTreeMap::new();
        o.insert("confirm".to_string(), vec!["esc".to_string()]);
        assert!(
            Keymap::new(&o, all())
                .unwrap_err()
                .contains("a confirmation")
        );
    }
}
