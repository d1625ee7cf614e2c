DROP TABLE clacks_ids;
DROP TABLE clacks_values;
DROP TABLE clacks_entries;
DROP TABLE clacks_objects;
