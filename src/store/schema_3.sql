-- Schema 3: an acknowledgement remembers the notification's level (a
-- measure that does not move with the check's instant or horizon); it
-- returns when the level grows. Older rows have none and compare their cost.
ALTER TABLE acks ADD COLUMN level TEXT;
