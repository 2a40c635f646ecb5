-- A person's `extra` (the file's columns Clearline has no field for) is a JSON array of values aligned
-- with its batch's `extra_columns` (a JSON array of names; trailing empty values are left out), instead
-- of an object repeating every name on every row: the names were half of a stored NC row. Rows written
-- before this migration keep an object, and their batch has no `extra_columns`.
ALTER TABLE import_batches ADD COLUMN extra_columns TEXT;
