//! Where a table's columns go in a width, and how a cell is cut or
//! shortened to fit: pure functions of a [`Table`], never the whole app.

use crate::safe::plain;
use crate::tui::data::Table;

/// Where a table's columns go in a width: which are shown (in table order)
/// and how wide each is.
///
/// - Every column has a minimum (`Column::width`, or less when nothing in
///   it is that long, never less than its title) and a need (its longest cell or title). When all
///   needs fit, cells print in full. When they don't, the table turns
///   *compact*: dates print as `11-27 09:00` (a date of another year as
///   `2027-03-16`), deployment types as `Reg` / `Glob` / `DZ`, renewal
///   settings as `auto` / `off` (see [`compact_cell`]).
/// - When all minimums fit, and the first column and the essential ones
///   (`drop` 0) still get their need, every column is shown; the room beyond the
///   minimums goes to the columns short of their need, in order: the first
///   column (what the row is: an id), then the most essential
///   (`Column::drop` 0, then 1, ...); growing columns (free text: messages,
///   warnings, names) take what is left.
/// - Otherwise (narrow windows) the first column stays and the others form a strip, most
///   essential first; from the scroll position on, the strip's columns
///   print in full (up to a third of the width; free text at its
///   minimum) while they fit, and the
///   next one takes what is left if its minimum fits there: fewer columns,
///   but legible. Each step right (`>`) brings in at least the next column
///   in full, giving up as few of the leading ones as it can; `<` steps
///   back.
/// - Text cut short ends in `…` (an id loses its middle: see [`fit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnLayout {
    /// (column index, width), in table order.
    pub shown: Vec<(usize, u16)>,
    pub compact: bool,
    /// Columns not shown at this offset.
    pub hidden: usize,
    /// The scroll offset in force (clamped) and the largest useful one.
    pub offset: usize,
    pub max_offset: usize,
}
/// Whole cells with a compact form: the three deployment types, and the
/// renewal settings that are not a number.
fn compact_word(s: &str) -> Option<&'static str> {
    Some(match s {
        "Regional" => "Reg",
        "Global" => "Glob",
        "Data Zone" => "DZ",
        "autorenew" => "auto",
        "don't renew" => "off",
        _ => return None,
    })
}
/// A cell's compact form: a leading `YYYY-MM-DD[ HH:MM]` loses its year
/// when it is `year` (`11-27 09:00`), else its time (`2027-03-16`); a
/// deployment type (`Reg`, `Glob`, `DZ`) and a renewal setting (`auto`,
/// `off`) are abbreviated. Anything else is kept.
pub fn compact_cell(s: &str, year: i32) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if let Some(c) = compact_word(s) {
        return Cow::Borrowed(c);
    }
    let (prefix, rest) = match s.strip_prefix("ref. ") {
        Some(r) => ("ref. ", r),
        None => ("", s),
    };
    let b = rest.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let is_date = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b.len() == 10 || b[10] == b' ');
    if !is_date {
        return Cow::Borrowed(s);
    }
    let has_time = b.len() >= 16
        && b[10] == b' '
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && (b.len() == 16 || b[16] == b' ');
    let same_year = rest[0..4].parse::<i32>().is_ok_and(|y| y == year);
    let out = if same_year {
        format!("{prefix}{}", &rest[5..])
    } else if has_time {
        format!("{prefix}{}{}", &rest[..10], &rest[16..])
    } else {
        return Cow::Borrowed(s);
    };
    Cow::Owned(out)
}
/// The widest cell (or title) of each column: in full, and compact.
pub(crate) fn column_needs(t: &Table, year: i32) -> (Vec<u16>, Vec<u16>) {
    let n = t.columns.len();
    let mut full: Vec<u16> = t
        .columns
        .iter()
        .map(|c| c.title.chars().count() as u16)
        .collect();
    let mut compact = full.clone();
    // Every row on every frame: counted without building the compact forms.
    for r in &t.rows {
        for (i, cell) in r.cells.iter().enumerate().take(n) {
            let cell = plain(cell);
            let cell = cell.as_ref();
            let w = cell.chars().count();
            full[i] = full[i].max(w as u16);
            compact[i] = compact[i].max(compact_len(cell, w, year) as u16);
        }
    }
    (full, compact)
}
/// The length of [`compact_cell`]'s form of `s` (`len` characters long).
pub(crate) fn compact_len(s: &str, len: usize, year: i32) -> usize {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_digit() => {}
        Some(b'r' | b'R' | b'G' | b'D' | b'a' | b'd') => {
            if s.starts_with("ref. ") {
                return compact_cell(s, year).chars().count();
            }
            return compact_word(s).map_or(len, str::len);
        }
        _ => return len,
    }
    compact_cell(s, year).chars().count()
}
/// Lays out `t`'s columns in `width` at scroll offset `offset` (see
/// [`ColumnLayout`]); `year` is the year of the app's now.
pub fn layout_columns(t: &Table, width: u16, offset: usize, year: i32) -> ColumnLayout {
    layout_with(t, &column_needs(t, year), width, offset)
}
pub(crate) fn layout_with(
    t: &Table,
    (full, short): &(Vec<u16>, Vec<u16>),
    width: u16,
    offset: usize,
) -> ColumnLayout {
    let cols = &t.columns;
    let n = cols.len();
    if n == 0 {
        return ColumnLayout {
            shown: vec![],
            compact: false,
            hidden: 0,
            offset: 0,
            max_offset: 0,
        };
    }
    let gaps = |k: usize| k.saturating_sub(1) as u16;
    let compact = full.iter().sum::<u16>() + gaps(n) > width;
    let need = if compact { short.clone() } else { full.clone() };
    // A column's minimum holds its title whole.
    let min_w: Vec<u16> = (0..n)
        .map(|i| {
            cols[i]
                .width
                .min(need[i])
                .max(cols[i].title.chars().count() as u16)
                .max(1)
        })
        .collect();
    // Widths from a starting set: up to each column's need, the first
    // column (what the row is) first, then the most essential; free text
    // (growing columns) takes what is left, evenly.
    let distribute = |start: &[(usize, u16)]| -> Vec<u16> {
        let set: Vec<usize> = start.iter().map(|c| c.0).collect();
        let mut w: Vec<u16> = start.iter().map(|c| c.1).collect();
        let mut extra = width.saturating_sub(w.iter().sum::<u16>() + gaps(set.len()));
        let mut order: Vec<usize> = (0..set.len()).filter(|&k| !cols[set[k]].grow).collect();
        order.sort_by_key(|&k| (set[k] != 0, cols[set[k]].drop, set[k]));
        for k in order {
            let more = need[set[k]].saturating_sub(w[k]).min(extra);
            w[k] += more;
            extra -= more;
        }
        let growing: Vec<usize> = (0..set.len()).filter(|&k| cols[set[k]].grow).collect();
        if !growing.is_empty() {
            let each = extra / growing.len() as u16;
            let mut left = extra - each * growing.len() as u16;
            for &k in &growing {
                w[k] += each + u16::from(left > 0);
                left = left.saturating_sub(1);
            }
        }
        w
    };
    // Nothing essential (the first column, `drop` 0 but free text) cut.
    let whole = |start: &[(usize, u16)]| {
        start
            .iter()
            .zip(distribute(start))
            .all(|(&(i, _), w)| cols[i].grow || (i != 0 && cols[i].drop > 0) || w >= need[i])
    };
    let mut strip: Vec<usize> = (1..n).collect();
    strip.sort_by_key(|&i| (cols[i].drop, i));
    // The most columns: the strip's longest run at minimum widths, used
    // when nothing essential is cut for it (every column, when all fit).
    let squeezed = {
        let mut used = min_w[0];
        let mut set = vec![(0, min_w[0])];
        for &i in &strip {
            if used + 1 + min_w[i] > width {
                break;
            }
            used += 1 + min_w[i];
            set.push((i, min_w[i]));
        }
        set.sort_unstable();
        set
    };
    // Columns in a strip print in full (up to a third of the width; free
    // text at its minimum), so fewer but legible columns show; the next
    // one takes what is left when its minimum fits there.
    let want = |i: usize| {
        if cols[i].grow {
            min_w[i]
        } else {
            need[i].min(width / 3).max(min_w[i])
        }
    };
    let first = want(0).min(min_w[0].max(width / 2)).min(width);
    let room = width.saturating_sub(first);
    // The columns shown from strip position `o` with their widths, and the
    // position after those shown in full.
    let window = |o: usize| -> (Vec<(usize, u16)>, usize) {
        let mut used = 0u16;
        let mut out = vec![(0, first)];
        for &i in &strip[o..] {
            if used + 1 + want(i) > room {
                break;
            }
            used += 1 + want(i);
            out.push((i, want(i)));
        }
        let end = o + out.len() - 1;
        if let Some(&i) = strip.get(end) {
            let left = room.saturating_sub(used + 1);
            if left >= min_w[i] {
                out.push((i, left.min(want(i))));
            }
        }
        out.sort_unstable();
        (out, end)
    };
    // The scroll positions: the first shows the most it can, each step
    // right at least one more column of the strip in full, giving up as
    // few of the leading ones as it can.
    let mut steps: Vec<Vec<(usize, u16)>> = Vec::new();
    let mut end = if whole(&squeezed) {
        let e = squeezed.len() - 1;
        steps.push(squeezed);
        e
    } else {
        let (w0, e) = window(0);
        steps.push(w0);
        e
    };
    let mut o = 0;
    while end < strip.len() {
        o += 1;
        while o < strip.len() && window(o).1 <= end {
            o += 1;
        }
        if o >= strip.len() {
            break;
        }
        let (wo, e) = window(o);
        steps.push(wo);
        end = e;
    }
    let offset = offset.min(steps.len() - 1);
    let max_offset = steps.len() - 1;
    let start = steps.swap_remove(offset);
    let set: Vec<usize> = start.iter().map(|c| c.0).collect();
    let mut w = distribute(&start);
    // A first column wider than the window is cut to it.
    if set.len() == 1 {
        w[0] = w[0].min(width);
    }
    let hidden = n - set.len();
    let shown: Vec<(usize, u16)> = set.into_iter().zip(w).collect();
    ColumnLayout {
        shown,
        compact,
        hidden,
        offset,
        max_offset,
    }
}
/// `s` in `w` characters, padded on the right (or the left when
/// right-aligned). Cut text ends in `…`; an id (one word with `-` or `/`,
/// such as `aoai-eastus2-prod`) loses its middle instead, since ids often
/// differ only at their end (`aoai-…2-prod`, `aoai-…legacy`).
pub fn fit(s: &str, w: usize, right: bool) -> String {
    let len = s.chars().count();
    if len > w {
        if w == 0 {
            return String::new();
        }
        let id = !s.contains(' ') && s.contains(['-', '/']);
        if id && w >= 7 {
            let head = (w - 1) / 2;
            let tail = w - 1 - head;
            let mut out: String = s.chars().take(head).collect();
            out.push('…');
            out.extend(s.chars().skip(len - tail));
            return out;
        }
        let mut out: String = s.chars().take(w - 1).collect();
        out.push('…');
        out
    } else if right {
        format!("{s:>w$}")
    } else {
        format!("{s:<w$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::data::{Column, Row};

    #[test]
    fn compact_forms() {
        assert_eq!(compact_cell("2026-11-27 09:00", 2026), "11-27 09:00");
        assert_eq!(compact_cell("2027-03-16 11:00", 2026), "2027-03-16");
        assert_eq!(compact_cell("2026-03-16", 2026), "03-16");
        assert_eq!(compact_cell("2025-03-16", 2026), "2025-03-16");
        assert_eq!(compact_cell("ref. 2026-12-01", 2026), "ref. 12-01");
        assert_eq!(compact_cell("2026-11-27 09:00 x", 2026), "11-27 09:00 x");
        assert_eq!(compact_cell("Data Zone", 2026), "DZ");
        assert_eq!(compact_cell("Regional", 2026), "Reg");
        assert_eq!(compact_cell("Global", 2026), "Glob");
        assert_eq!(compact_cell("don't renew", 2026), "off");
        assert_eq!(compact_cell("gpt-4o 2024-05-13", 2026), "gpt-4o 2024-05-13");
        assert_eq!(compact_cell("2026-11-2", 2026), "2026-11-2");
        for c in [
            "2026-11-27 09:00",
            "2027-03-16 11:00",
            "ref. 2026-12-01",
            "Data Zone",
            "don't renew",
            "autorenew",
            "gpt-4o",
            "",
        ] {
            let n = c.chars().count();
            assert_eq!(
                compact_len(c, n, 2026),
                compact_cell(c, 2026).chars().count(),
                "{c}"
            );
        }
        assert_eq!(fit("abcdef", 4, false), "abc…");
        assert_eq!(fit("aoai-eastus2-prod", 12, false), "aoai-…2-prod");
        assert_eq!(fit("gpt-4o-mini 2024-07-18", 12, false), "gpt-4o-mini…");
        assert_eq!(fit("ab", 4, true), "  ab");
    }

    fn table(cols: &[(&'static str, u16, u8, bool)], cells: &[&str]) -> Table {
        Table {
            columns: cols
                .iter()
                .map(|&(title, width, drop, grow)| Column {
                    title,
                    width,
                    right: false,
                    drop,
                    grow,
                })
                .collect(),
            rows: vec![Row {
                key: "k".into(),
                cells: cells.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            }],
            empty: String::new(),
            footer: None,
        }
    }

    #[test]
    fn widths_go_by_need_ids_first() {
        let t = table(
            &[
                ("Id", 6, 0, false),
                ("Model", 6, 1, false),
                ("Note", 6, 2, true),
            ],
            &["deployment-1", "gpt-4o 2024-05-13", "free text here"],
        );
        // Wide: the id and the model in full, the rest to the note.
        let l = layout_columns(&t, 60, 0, 2026);
        assert_eq!(l.shown, vec![(0, 12), (1, 17), (2, 29)]);
        assert_eq!(l.hidden, 0);
        // Narrower: the id first, then the model; the note at its minimum.
        let l = layout_columns(&t, 30, 0, 2026);
        assert_eq!(l.shown, vec![(0, 12), (1, 10), (2, 6)]);
    }

    #[test]
    fn narrow_windows_scroll_through_every_column() {
        let t = table(
            &[
                ("Id", 10, 0, false),
                ("A", 10, 0, false),
                ("B", 10, 1, false),
                ("C", 10, 2, false),
                ("D", 10, 3, false),
            ],
            &[
                "id-0123456",
                "a-01234567",
                "b-01234567",
                "c-01234567",
                "d-01234567",
            ],
        );
        let first = layout_columns(&t, 32, 0, 2026);
        assert_eq!(first.shown, vec![(0, 10), (1, 10), (2, 10)]);
        assert_eq!(first.hidden, 2);
        let mut seen = std::collections::BTreeSet::new();
        for o in 0..=first.max_offset {
            let l = layout_columns(&t, 32, o, 2026);
            assert_eq!(l.shown[0].0, 0, "the id stays");
            assert!(l.shown.iter().all(|&(i, w)| w >= t.columns[i].width));
            seen.extend(l.shown.iter().map(|c| c.0));
        }
        assert_eq!(seen.len(), 5, "every column can be reached");
        // Past the end stays at the end.
        assert_eq!(
            layout_columns(&t, 32, 99, 2026),
            layout_columns(&t, 32, first.max_offset, 2026)
        );
    }
}
