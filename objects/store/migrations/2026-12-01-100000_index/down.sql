DROP TABLE clacks_index_values;
DROP TABLE clacks_index_objects;
