//! Rendering rated results for people (tables that fit 80 columns) and for
//! scripts (JSON, CSV). Rendering only rounds; it never computes money.

pub mod changes;
pub mod focus;
pub mod forecast;
pub mod imports;
pub mod notices;
pub mod plans;
pub mod recommendations;
pub mod tables;

use crate::safe;

/// Wraps `text` into lines of at most `width` characters, each prefixed
/// with `indent`; control characters are shown visibly ([`safe::plain`]).
pub fn wrap(text: &str, indent: &str, width: usize) -> Vec<String> {
    let text = safe::plain(text);
    let avail = width.saturating_sub(indent.chars().count()).max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = if line.is_empty() {
            word.chars().count()
        } else {
            line.chars().count() + 1 + word.chars().count()
        };
        if needed > avail && !line.is_empty() {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines
}

/// Cuts `s` to at most `n` characters, marking the cut with `~`; control
/// characters are shown visibly ([`safe::plain`]) before measuring.
pub fn fit(s: &str, n: usize) -> String {
    let s = safe::plain(s);
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('~');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_fits() {
        let lines = wrap("one two three four five six", "  ", 14);
        assert_eq!(lines, vec!["  one two", "  three four", "  five six"]);
        assert!(lines.iter().all(|l| l.len() <= 14));
        assert_eq!(fit("abcdef", 4), "abc~");
        assert_eq!(fit("abc", 4), "abc");
    }
}
