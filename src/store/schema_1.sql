-- Schema 1: the estate, one table per kind of object, and the audit log.
-- Each object is stored as its snapshot JSON document (`doc`), with its key
-- and its place in the list (`ord`).

CREATE TABLE settings (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE billing_accounts (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE management_groups (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE prices (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE quotas (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE resources (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE deployments (
    key TEXT PRIMARY KEY,
    ord INTEGER NOT NULL,
    doc TEXT NOT NULL,
    resource TEXT NOT NULL REFERENCES resources(key) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX deployments_resource ON deployments(resource);
CREATE TABLE commitments (
    key TEXT PRIMARY KEY,
    ord INTEGER NOT NULL,
    doc TEXT NOT NULL,
    resource TEXT NOT NULL REFERENCES resources(key) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX commitments_resource ON commitments(resource);
CREATE TABLE reservations (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE managed_compute (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);

-- Every change (an import, an edit, an undo) and what it did to each object.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    source TEXT NOT NULL,
    summary TEXT NOT NULL,
    undoes INTEGER REFERENCES changes(id),
    undone_by INTEGER REFERENCES changes(id)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    change INTEGER NOT NULL REFERENCES changes(id),
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    before TEXT,
    before_ord INTEGER,
    after TEXT
);
CREATE INDEX audit_change ON audit(change);
