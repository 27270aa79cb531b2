-- Schema 5: the service capacity Azure reported per model, region and
-- deployment type (`modelCapacities`), each row dated by its `as_of`.
CREATE TABLE model_capacities (key TEXT PRIMARY KEY, ord INTEGER NOT NULL, doc TEXT NOT NULL);
