//! Daily cost as stacked bars (the Forecast pane's chart): a widget over
//! the rated periods and the theme, never the whole app.

use crate::domain::time::Time;
use crate::rating::Period;
use crate::tui::data::{self, money};
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Daily cost as stacked bars: hourly, commitment, reservation, managed
/// compute. Heights are drawn from the core's daily figures in eighths of
/// a row: a cell the stack fills shows the glyph of the part that fills
/// most of it (`█ ▓ ▒ ░`), the top cell a lower block (`▁`..`▇`) in that
/// part's colour; a day that costs anything shows at least `▁`. A day's
/// negative parts (refund credits) draw as nothing. The day holding `now`
/// is marked `┊` above its bar, with `now` beside it.
pub struct StackedBars<'a> {
    pub periods: &'a [Period],
    pub theme: &'a Theme,
    pub now: Time,
}
/// A stack's cells from the bottom: for each row, the part that fills most
/// of it and how many eighths of it are filled (8 but for the top one).
/// `tops` are the parts' cumulative heights in eighths.
pub fn stack_cells(tops: &[u32], rows: u16) -> Vec<Option<(usize, u32)>> {
    (0..rows as u32)
        .map(|row| {
            let (lo, hi) = (row * 8, row * 8 + 8);
            let mut best: Option<(usize, u32)> = None;
            let mut below = 0u32;
            let mut filled = 0u32;
            for (j, &top) in tops.iter().enumerate() {
                let a = below.max(lo);
                let b = top.min(hi);
                if b > a {
                    filled += b - a;
                    if best.is_none_or(|(_, n)| b - a > n) {
                        best = Some((j, b - a));
                    }
                }
                below = below.max(top);
            }
            best.map(|(j, _)| (j, filled))
        })
        .collect()
}
impl Widget for StackedBars<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let label_w: u16 = 13;
        if area.width <= label_w + 4 || area.height < 4 || self.periods.is_empty() {
            return;
        }
        let plot_h = area.height - 1;
        let plot_w = area.width - label_w;
        let parts = |p: &Period| -> [Decimal; 4] {
            [p.hourly, p.commitment, p.reservation, p.managed_compute].map(|x| x.max(Decimal::ZERO))
        };
        let n = self.periods.len();
        let per_col = n.div_ceil(plot_w as usize).max(1);
        let cols: Vec<(Time, Time, [Decimal; 4])> = self
            .periods
            .chunks(per_col)
            .map(|ch| {
                let mut acc = [Decimal::ZERO; 4];
                for p in ch {
                    for (a, x) in acc.iter_mut().zip(parts(p)) {
                        *a += x;
                    }
                }
                (ch[0].start, ch[ch.len() - 1].end, acc)
            })
            .collect();
        let max = cols
            .iter()
            .map(|c| c.2.iter().copied().sum::<Decimal>())
            .max()
            .unwrap_or_default();
        let bar_w = (plot_w as usize / cols.len()).max(1) as u16;
        let gap = if bar_w >= 3 { 1 } else { 0 };
        let styles = [
            ("hourly", '█'),
            ("commitment", '▓'),
            ("reservation", '▒'),
            ("managed_compute", '░'),
        ];
        const LOWER: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
        // Y axis labels.
        let top = if per_col > 1 {
            format!("{} /{per_col}d", money(max))
        } else {
            money(max)
        };
        buf.set_string(
            area.x,
            area.y,
            format!("{top:>w$}", w = label_w as usize - 1),
            self.theme.dim(),
        );
        buf.set_string(
            area.x,
            area.y + plot_h - 1,
            format!("{:>w$}", "$0", w = label_w as usize - 1),
            self.theme.dim(),
        );
        if max <= Decimal::ZERO {
            buf.set_string(
                area.x + label_w,
                area.y + plot_h / 2,
                "no cost in this range",
                self.theme.dim(),
            );
            return;
        }
        let eighths = u32::from(plot_h) * 8;
        // Heights for drawing only (the figures themselves are the core's).
        let scale = |v: Decimal| -> u32 {
            (v * Decimal::from(eighths) / max)
                .round()
                .to_u32()
                .unwrap_or(0)
                .min(eighths)
        };
        let right = area.x + area.width;
        let mut now_x: Option<u16> = None;
        for (k, (start, end, vals)) in cols.iter().enumerate() {
            let x0 = area.x + label_w + k as u16 * bar_w;
            if x0 >= right {
                break;
            }
            if *start <= self.now && self.now < *end {
                now_x = Some(x0);
            }
            let mut cum = Decimal::ZERO;
            let mut tops = [0u32; 4];
            for (j, v) in vals.iter().enumerate() {
                cum += *v;
                tops[j] = scale(cum);
            }
            // Anything at all shows: the largest part's colour, one eighth.
            if cum > Decimal::ZERO && tops[3] == 0 {
                let j = (0..4).max_by_key(|&j| vals[j]).unwrap_or(0);
                for t in tops.iter_mut().skip(j) {
                    *t = 1;
                }
            }
            for (level, cell) in stack_cells(&tops, plot_h).into_iter().enumerate() {
                let Some((j, filled)) = cell else { continue };
                let glyph = if filled >= 8 {
                    styles[j].1
                } else {
                    LOWER[filled.max(1) as usize - 1]
                };
                let y = area.y + plot_h - 1 - level as u16;
                for dx in 0..bar_w.saturating_sub(gap) {
                    let x = x0 + dx;
                    if x < right {
                        buf.set_string(x, y, glyph.to_string(), self.theme.fg(styles[j].0));
                    }
                }
            }
        }
        // The day holding now: a dotted line above its bar, `now` beside it.
        if let Some(x) = now_x {
            for dy in 0..plot_h {
                let y = area.y + dy;
                if let Some(c) = buf.cell_mut((x, y))
                    && c.symbol() == " "
                {
                    c.set_symbol("┊").set_style(self.theme.fg("accent"));
                }
            }
            let free = (x + 1..(x + 4).min(right))
                .all(|x| buf.cell((x, area.y)).is_some_and(|c| c.symbol() == " "));
            if free && x + 4 <= right {
                buf.set_string(x + 1, area.y, "now", self.theme.fg("accent"));
            }
        }
        // X axis: first, middle and last day.
        let y = area.y + plot_h;
        let last_x = area.x + label_w + (cols.len() as u16).saturating_sub(1) * bar_w;
        let first = data::day(cols[0].0);
        let end = data::day(cols[cols.len() - 1].0);
        buf.set_string(area.x + label_w, y, &first, self.theme.dim());
        let end_x = last_x
            .min(area.x + area.width - end.len() as u16)
            .max(area.x + label_w + first.len() as u16 + 1);
        if end_x + (end.len() as u16) <= area.x + area.width {
            buf.set_string(end_x, y, &end, self.theme.dim());
        }
        let mid = cols.len() / 2;
        let mid_x = area.x + label_w + mid as u16 * bar_w;
        let mid_s = data::day(cols[mid].0);
        if mid_x > area.x + label_w + first.len() as u16 + 1
            && mid_x + mid_s.len() as u16 + 1 < end_x
        {
            buf.set_string(mid_x, y, mid_s, self.theme.dim());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_in_eighths() {
        // One part 1.5 rows high: a full cell, then half a cell.
        assert_eq!(
            stack_cells(&[12], 3),
            vec![Some((0, 8)), Some((0, 4)), None]
        );
        // Two parts: the cell goes to the part filling most of it.
        assert_eq!(stack_cells(&[3, 14], 2), vec![Some((1, 8)), Some((1, 6))]);
        assert_eq!(stack_cells(&[0, 0], 2), vec![None, None]);
    }
}
