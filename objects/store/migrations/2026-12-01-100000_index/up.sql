-- The object index: the searchable attributes of every object, whatever backends hold them,
-- as objects.get shows them (after the in-filters), so objects.search reads nothing else.
-- clacks_index_objects: one row per object, its place in the tree, the revision it was
-- indexed at and its attributes (a JSON object of value lists).
CREATE TABLE clacks_index_objects (
  uuid TEXT PRIMARY KEY NOT NULL,
  dn TEXT NOT NULL,
  parent TEXT NOT NULL,
  object_type TEXT NOT NULL,
  extensions TEXT NOT NULL,
  revision BIGINT NOT NULL,
  attrs TEXT NOT NULL
);
CREATE INDEX clacks_index_objects_parent ON clacks_index_objects (parent);
CREATE INDEX clacks_index_objects_type ON clacks_index_objects (object_type);
-- clacks_index_values: every value as text (as a query compares it), for the lookups a query
-- starts from; `_type` and `_extensions` included.
CREATE TABLE clacks_index_values (
  uuid TEXT NOT NULL,
  attribute TEXT NOT NULL,
  position INTEGER NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (uuid, attribute, position)
);
CREATE INDEX clacks_index_values_lookup ON clacks_index_values (attribute, value);
