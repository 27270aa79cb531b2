-- Schema 6: the digests sent, one per channel and period ("daily:2026-11-22",
-- "weekly:2026-W47"), each with the notifications it reported (a JSON list
-- of id, kind, subject, severity, level and cost): the next period's digest
-- says what is new, what got worse and what was fixed since.
CREATE TABLE digests (
    target TEXT NOT NULL,
    period TEXT NOT NULL,
    at TEXT NOT NULL,
    items TEXT NOT NULL,
    PRIMARY KEY (target, period)
);
