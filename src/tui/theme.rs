//! Colours by role, from the config file's `[colors]` over the defaults.
//! `NO_COLOR` (any value) turns colour off: roles keep only their
//! modifiers (bold, reversed), so the screen stays readable.

use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;

/// The roles the config file may colour.
pub const ROLES: &[(&str, &str)] = &[
    ("accent", "cyan"),
    ("header", "yellow"),
    ("selected", "blue"),
    ("ok", "green"),
    ("info", "cyan"),
    ("warning", "yellow"),
    ("critical", "red"),
    ("dim", "darkgray"),
    ("hourly", "red"),
    ("commitment", "blue"),
    ("reservation", "green"),
    ("managed_compute", "magenta"),
];

/// Resolved styles.
#[derive(Debug, Clone)]
pub struct Theme {
    pub color: bool,
    colors: BTreeMap<String, Color>,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::new(&BTreeMap::new(), false).expect("defaults are valid")
    }
}

fn parse_color(s: &str) -> Result<Color, String> {
    s.parse::<Color>().map_err(|_| {
        format!("unknown colour {s:?}: expected a name (red, lightblue, darkgray, ...), an index 0-255 or #rrggbb")
    })
}

impl Theme {
    pub fn new(overrides: &BTreeMap<String, String>, no_color: bool) -> Result<Theme, String> {
        let mut colors = BTreeMap::new();
        for (role, default) in ROLES {
            colors.insert(
                role.to_string(),
                parse_color(default).expect("default colour"),
            );
        }
        for (role, value) in overrides {
            if !colors.contains_key(role) {
                let known: Vec<&str> = ROLES.iter().map(|r| r.0).collect();
                return Err(format!(
                    "colors.{role}: unknown role; the roles are {}",
                    known.join(", ")
                ));
            }
            colors.insert(
                role.clone(),
                parse_color(value).map_err(|e| format!("colors.{role}: {e}"))?,
            );
        }
        Ok(Theme {
            color: !no_color,
            colors,
        })
    }

    /// `NO_COLOR` set to anything non-empty.
    pub fn no_color_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    /// The foreground colour of a role (plain when colour is off).
    pub fn fg(&self, role: &str) -> Style {
        match (self.color, self.colors.get(role)) {
            (true, Some(c)) => Style::default().fg(*c),
            _ => Style::default(),
        }
    }

    pub fn bold(&self, role: &str) -> Style {
        self.fg(role).add_modifier(Modifier::BOLD)
    }

    /// The selected row: reversed, in the selection colour when there is colour.
    pub fn selected(&self) -> Style {
        match (self.color, self.colors.get("selected")) {
            (true, Some(c)) => Style::default()
                .bg(*c)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            _ => Style::default().add_modifier(Modifier::REVERSED),
        }
    }

    pub fn header(&self) -> Style {
        self.bold("header")
    }

    pub fn dim(&self) -> Style {
        if self.color {
            self.fg("dim")
        } else {
            Style::default()
        }
    }
}
