-- The object store: portable SQL, run as is on SQLite and PostgreSQL.
-- clacks_objects: every object, whatever backends hold it (type, extensions, revision).
CREATE TABLE clacks_objects (
  uuid TEXT PRIMARY KEY NOT NULL,
  dn TEXT NOT NULL UNIQUE,
  parent TEXT NOT NULL,
  object_type TEXT NOT NULL,
  extensions TEXT NOT NULL,
  revision BIGINT NOT NULL
);
CREATE INDEX clacks_objects_parent ON clacks_objects (parent);
-- clacks_entries: the embedded entry store (LDAP-backed objects when no LDAP server is
-- configured): the DN tree and each entry's object classes.
CREATE TABLE clacks_entries (
  uuid TEXT PRIMARY KEY NOT NULL,
  dn TEXT NOT NULL UNIQUE,
  object_classes TEXT NOT NULL
);
-- clacks_values: attribute values, per object and store ('SQL' backend, 'LDAP' entry store),
-- each value JSON-encoded in its backend type.
CREATE TABLE clacks_values (
  uuid TEXT NOT NULL,
  store TEXT NOT NULL,
  attribute TEXT NOT NULL,
  position INTEGER NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (uuid, store, attribute, position)
);
-- clacks_ids: the ID pools of GenerateIDs / GetNextID (uidNumber, gidNumber).
CREATE TABLE clacks_ids (
  pool TEXT PRIMARY KEY NOT NULL,
  next_id BIGINT NOT NULL
);
