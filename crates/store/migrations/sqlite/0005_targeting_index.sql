-- One narrow covering index for the most common targeting (party, county, birth year) replaces three
-- single-column ones: counts read the index, not the wide person rows, and imports maintain one index
-- instead of three.
DROP INDEX persons_party;
DROP INDEX persons_birth_year;
DROP INDEX persons_county;
CREATE INDEX persons_targeting ON persons (campaign_id, party, county, birth_year);
