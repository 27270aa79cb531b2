-- Schema 4: the parts of the estate a sync could not read (today only
-- 'reservations': Azure refused them, or a call failed, and the sync was
-- told to import the rest). A row lasts from the first such sync (`since`)
-- until a sync reads the part again; `last` is the latest sync that could
-- not, `why` what it was told.
CREATE TABLE unread (
    part TEXT PRIMARY KEY,
    since TEXT NOT NULL,
    last TEXT NOT NULL,
    why TEXT NOT NULL
);
