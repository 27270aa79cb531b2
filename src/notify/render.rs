//! A [`Report`] in each channel's format.
//!
//! - Slack: `text` (the notification line) and Block Kit `blocks`: a
//!   `header` (plain text, at most 150 characters), the summary, then a
//!   `section` of `plain_text` per notification (at most 3,000
//!   characters), `context` lines for what was cut; at most 50 blocks.
//! - Teams: `{"type":"message","attachments":[{"contentType":
//!   "application/vnd.microsoft.card.adaptive","content":{AdaptiveCard 1.4}}]}`,
//!   every text a `TextRun` (which reads no Markdown).
//! - Email: plain text and HTML (every value escaped).

use super::{Report, Section};
use crate::domain::notice::Severity;
use serde_json::{Value, json};

/// Notifications a message shows before "and N more": Slack and Teams,
/// one run.
pub const CHAT_ITEMS: usize = 20;
/// The same for email, which is read at length.
pub const EMAIL_ITEMS: usize = 50;
/// The most a Teams message may weigh, in bytes of JSON: Teams refuses a
/// message over about 28 KB, card included; this leaves room for what the
/// workflow adds.
pub const TEAMS_BYTES: usize = 25_000;
/// Slack's limits (Block Kit reference).
pub const SLACK_BLOCKS: usize = 50;
pub const SLACK_SECTION_CHARS: usize = 3000;
pub const SLACK_HEADER_CHARS: usize = 150;

/// How many items each of `sections` sections may show in Slack, so that
/// the header, the summary, and each section's heading and "more" line fit
/// in 50 blocks.
pub fn slack_cap(sections: usize) -> usize {
    let sections = sections.max(1);
    CHAT_ITEMS.min((SLACK_BLOCKS - 2 - 2 * sections) / sections)
}

/// Cuts `s` to `n` characters, marking the cut with an ellipsis.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// Slack mrkdwn's three reserved characters as entities (ptudesk's own
/// words only go through mrkdwn; the estate's text is `plain_text`).
pub fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn plain(text: &str, max: usize) -> Value {
    json!({"type": "plain_text", "text": clip(text, max), "emoji": false})
}

/// The Slack message: `{"text": ..., "blocks": [...]}`.
pub fn slack(r: &Report) -> Value {
    let mut blocks = vec![
        json!({"type": "header", "text": plain(&r.subject, SLACK_HEADER_CHARS)}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(&slack_escape(&r.summary), SLACK_SECTION_CHARS)}}),
    ];
    for s in &r.sections {
        if let Some(h) = &s.heading {
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}*", slack_escape(h))}}));
        }
        for it in &s.items {
            blocks.push(json!({"type": "section", "text": plain(&it.text(), SLACK_SECTION_CHARS)}));
        }
        if let Some(m) = &s.more {
            blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(&slack_escape(m), SLACK_SECTION_CHARS)}]}));
        }
    }
    // The caps keep within the limit; a message over it would be refused
    // whole, so it is cut rather than sent.
    if blocks.len() > SLACK_BLOCKS {
        blocks.truncate(SLACK_BLOCKS - 1);
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": "(cut to Slack's 50 blocks: `ptudesk check` lists everything)"}]}));
    }
    json!({
        "text": clip(&slack_escape(&format!("{}. {}", r.subject, r.summary)), SLACK_SECTION_CHARS),
        "blocks": blocks,
    })
}

/// Text a Teams client shows as written: `{{` (the start of an Adaptive
/// Card DATE/TIME function) is broken with a zero-width space.
fn teams_text(s: &str) -> String {
    s.replace("{{", "{\u{200b}{")
}

fn run(text: &str) -> Value {
    json!({"type": "TextRun", "text": teams_text(text)})
}

fn rich(inlines: Vec<Value>) -> Value {
    json!({"type": "RichTextBlock", "inlines": inlines})
}

fn teams_section(s: &Section, body: &mut Vec<Value>) {
    if let Some(h) = &s.heading {
        let mut r = run(h);
        r["weight"] = json!("Bolder");
        body.push(
            json!({"type": "RichTextBlock", "inlines": [r], "separator": true, "spacing": "Large"}),
        );
    }
    for it in &s.items {
        let mut tag = run(&it.tag);
        tag["weight"] = json!("Bolder");
        tag["color"] = json!(match (it.tag.as_str(), it.severity) {
            ("FIXED", _) => "Good",
            (_, Severity::Critical) => "Attention",
            (_, Severity::Warning) => "Warning",
            (_, Severity::Info) => "Default",
        });
        let mut items = vec![rich(vec![tag, run(&format!("  {}", it.head))])];
        items.extend(it.lines.iter().map(|l| rich(vec![run(l)])));
        body.push(json!({"type": "Container", "separator": true, "items": items}));
    }
    if let Some(m) = &s.more {
        let mut r = run(m);
        r["isSubtle"] = json!(true);
        body.push(rich(vec![r]));
    }
}

/// The Teams message: an Adaptive Card 1.4 in a message envelope.
pub fn teams(r: &Report) -> Value {
    let mut title = run(&r.subject);
    title["weight"] = json!("Bolder");
    title["size"] = json!("Medium");
    let mut body = vec![rich(vec![title]), rich(vec![run(&r.summary)])];
    for s in &r.sections {
        teams_section(s, &mut body);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": {"width": "Full"},
                "body": body,
            }
        }]
    })
}

/// The Teams message of the report `at(cap)` for the largest `cap` up to
/// [`CHAT_ITEMS`] whose JSON stays within [`TEAMS_BYTES`] (one item at
/// least): long messages show fewer notifications, the rest counted in
/// "and N more".
pub fn teams_within(at: impl Fn(usize) -> Report) -> String {
    let mut cap = CHAT_ITEMS;
    loop {
        let body = crate::safe::json_safe(teams(&at(cap)).to_string());
        if body.len() <= TEAMS_BYTES || cap == 1 {
            return body;
        }
        cap -= 1;
    }
}

/// The email's plain text part.
pub fn email_text(r: &Report) -> String {
    let mut s = format!("{}\n\n{}\n", r.subject, r.summary);
    for sec in &r.sections {
        if let Some(h) = &sec.heading {
            s.push_str(&format!("\n{h}\n{}\n", "=".repeat(h.chars().count())));
        }
        for it in &sec.items {
            s.push('\n');
            s.push_str(&format!("{}  {}\n", it.tag, it.head));
            for l in &it.lines {
                s.push_str(&format!("  {l}\n"));
            }
        }
        if let Some(m) = &sec.more {
            s.push_str(&format!("\n{m}\n"));
        }
    }
    s
}

/// HTML's five special characters as entities.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The email's HTML part: inline styles only (mail clients drop style sheets).
pub fn email_html(r: &Report) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: sans-serif; font-size: 14px;\">\n",
    );
    s.push_str(&format!(
        "<h2>{}</h2>\n<p>{}</p>\n",
        html_escape(&r.subject),
        html_escape(&r.summary)
    ));
    for sec in &r.sections {
        if let Some(h) = &sec.heading {
            s.push_str(&format!("<h3>{}</h3>\n", html_escape(h)));
        }
        for it in &sec.items {
            let colour = match (it.tag.as_str(), it.severity) {
                ("FIXED", _) => "#107c10",
                (_, Severity::Critical) => "#a4262c",
                (_, Severity::Warning) => "#8a6d00",
                (_, Severity::Info) => "#444444",
            };
            s.push_str(&format!(
                "<div style=\"margin: 12px 0; padding-left: 8px; border-left: 4px solid {colour};\">\n<b style=\"color: {colour};\">{}</b> {}<br>\n",
                html_escape(&it.tag),
                html_escape(&it.head)
            ));
            for l in &it.lines {
                s.push_str(&format!("{}<br>\n", html_escape(l)));
            }
            s.push_str("</div>\n");
        }
        if let Some(m) = &sec.more {
            s.push_str(&format!("<p><i>{}</i></p>\n", html_escape(m)));
        }
    }
    s.push_str("</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::Item;

    fn report(items: usize, sections: usize, text: &str) -> Report {
        Report {
            subject: "s".repeat(400),
            summary: "<!channel> & co".into(),
            sections: (0..sections)
                .map(|k| Section {
                    heading: Some(format!("H{k}")),
                    items: (0..items)
                        .map(|_| Item {
                            severity: Severity::Critical,
                            tag: "CRITICAL".into(),
                            head: text.into(),
                            lines: vec![text.repeat(50)],
                        })
                        .collect(),
                    more: Some("and 3 more".into()),
                })
                .collect(),
        }
    }

    #[test]
    fn slack_keeps_to_block_kit_limits_and_escapes_its_own_mrkdwn() {
        for sections in 1..=3 {
            let cap = slack_cap(sections);
            let v = slack(&report(cap, sections, "*x* <y> & _z_"));
            let blocks = v["blocks"].as_array().unwrap();
            assert!(blocks.len() <= SLACK_BLOCKS, "{}", blocks.len());
            assert_eq!(blocks.len(), 2 + sections * (cap + 2), "no cut needed");
            let head = blocks[0]["text"]["text"].as_str().unwrap();
            assert_eq!(head.chars().count(), SLACK_HEADER_CHARS);
            for b in blocks {
                if let Some(t) = b["text"]["text"].as_str() {
                    assert!(t.chars().count() <= SLACK_SECTION_CHARS);
                }
            }
            assert_eq!(
                blocks[1]["text"]["text"].as_str().unwrap(),
                "&lt;!channel&gt; &amp; co"
            );
        }
        // Teams: long items mean fewer of them, within the size Teams takes.
        let body = teams_within(|cap| report(cap, 1, &"x".repeat(40)));
        assert!(body.len() <= TEAMS_BYTES, "{}", body.len());
        let v: Value = serde_json::from_str(&body).unwrap();
        let containers = v["attachments"][0]["content"]["body"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "Container")
            .count();
        assert!((1..CHAT_ITEMS).contains(&containers), "{containers}");
        assert!(teams_within(|cap| report(cap, 1, "x")).len() < TEAMS_BYTES);
        // Over the limit, the message is cut, not refused.
        let v = slack(&report(30, 3, "x"));
        assert_eq!(v["blocks"].as_array().unwrap().len(), SLACK_BLOCKS);
    }
}
