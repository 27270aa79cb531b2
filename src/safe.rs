//! Text from an estate (ids, names, notes) is the user's data, and may be
//! hostile: an id holding an escape sequence can retitle a terminal or
//! write to its clipboard, and a CSV cell starting with `=` is a formula to
//! a spreadsheet. Every writer goes through these functions:
//!
//! - text for a terminal: [`plain`] (one value) and [`plain_lines`] (a whole
//!   document) show each control character visibly, as `\u{1b}`;
//! - JSON: serde_json escapes C0 controls; [`json_safe`] escapes the rest
//!   (DEL, C1, bidirectional overrides) as `\u00XX`, which JSON allows
//!   anywhere in a string, so the value read back is unchanged;
//! - CSV: [`csv_text`] (through [`write_record`]) makes control characters
//!   visible and prefixes a text cell that a spreadsheet would take as a
//!   formula with `'` (OWASP's advice on CSV injection); a number is never
//!   prefixed, so a credit stays `-2400.00`.

use std::borrow::Cow;

/// True for a character a terminal may act on rather than show: the C0
/// and C1 controls, DEL, and the bidirectional embeddings, overrides and
/// isolates (which reorder what follows them on screen).
pub fn is_hostile(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn visible(c: char, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

fn neutralise(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_hostile(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hostile(c) && !keep(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One value for a terminal: every control character (newlines and tabs
/// included) shown as `\u{..}`. Widths are measured on the result.
pub fn plain(s: &str) -> Cow<'_, str> {
    neutralise(s, |_| false)
}

/// A whole text document for a terminal: as [`plain`], but its line breaks
/// stay line breaks.
pub fn plain_lines(s: &str) -> Cow<'_, str> {
    neutralise(s, |c| c == '\n')
}

/// JSON text with every DEL, C1 control and bidirectional override that
/// serde_json leaves raw written as a `\u` escape. Such characters only
/// occur inside JSON strings, where the escape means the same character.
pub fn json_safe(s: String) -> String {
    if !s.chars().any(is_hostile) {
        return s;
    }
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hostile(c) && !matches!(c, '\n' | '\r' | '\t') {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// True for a plain decimal number (`12`, `-2400.00`): never prefixed.
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// One CSV cell: control characters shown visibly, and a text cell that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return prefixed with
/// `'` so that a spreadsheet shows it rather than evaluating it.
pub fn csv_text(s: &str) -> Cow<'_, str> {
    let risky = s
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && !is_number(s) {
        Cow::Owned(format!("'{}", plain(s)))
    } else {
        plain(s)
    }
}

/// Writes one CSV record, every cell through [`csv_text`]: the one way
/// ptudesk writes CSV.
pub fn write_record<W: std::io::Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    for c in cells {
        w.write_field(csv_text(c.as_ref()).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(plain("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
        assert_eq!(plain("x\ny"), "x\\u{a}y");
        assert_eq!(plain_lines("x\ny\u{9b}"), "x\ny\\u{9b}");
        assert_eq!(plain("\u{202e}abc"), "\\u{202e}abc");
        assert!(matches!(plain("plain text é"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw() {
        let raw = serde_json::to_string("a\u{1b}\u{7f}\u{9b}\u{202e}").unwrap();
        let safe = json_safe(raw);
        assert!(!safe.chars().any(is_hostile), "{safe}");
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "a\u{1b}\u{7f}\u{9b}\u{202e}");
    }

    #[test]
    fn formulas_are_prefixed_and_numbers_are_not() {
        for (cell, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+SUM(1,1)", "'+SUM(1,1)"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\tx", "'\\u{9}x"),
            ("\rx", "'\\u{d}x"),
            ("-", "'-"),
            ("-2400.00", "-2400.00"),
            ("-5", "-5"),
            ("12.5", "12.5"),
            ("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_text(cell), want, "{cell:?}");
        }
        assert!(!is_number("-"));
        assert!(!is_number("1."));
        assert!(!is_number("1e3"));
    }
}
