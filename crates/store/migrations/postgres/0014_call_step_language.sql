-- The language each script step was shown in: a caller who switches language mid-call leaves the steps
-- on screen and enters them again in the other language, so the switch and its moment are on record.
ALTER TABLE call_steps ADD COLUMN language TEXT;
