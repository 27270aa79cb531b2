-- Schema 2: notification state: acknowledgements, and what was sent where.

CREATE TABLE acks (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    until TEXT,
    note TEXT NOT NULL DEFAULT '',
    -- The cost and severity when acknowledged: the notification returns if either grows.
    cost TEXT NOT NULL,
    severity TEXT NOT NULL
);
CREATE TABLE sent (
    id TEXT NOT NULL,
    target TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (id, target)
);
