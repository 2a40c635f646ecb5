-- The people and phone triggers of migration 0028 kept `campaign_data` with an upsert. SQLite compiles an
-- upsert's DO UPDATE to abort on a constraint error whatever the outer statement's conflict clause, so
-- every multi-row insert into persons or phones kept a statement journal: each table and index page the
-- statement touched was copied out first, in case it had to undo itself halfway — 2.4 journal writes a
-- row in a 100,000-row import (strace), most of its system time. A plain UPDATE follows the outer
-- statement's `OR FAIL`, so an import (which runs `INSERT OR FAIL` with foreign-key checks off, see
-- `Store::write_sqlite_import`) needs no statement journal at all.
--
-- A plain UPDATE needs the campaign's row to exist: every campaign now gets it when it is created.
INSERT INTO campaign_data (campaign_id, generation, dnc_generation, people)
    SELECT id, 1, 1, (SELECT COUNT(*) FROM persons p WHERE p.campaign_id = o.id) FROM organizations o
    WHERE kind = 'campaign' AND NOT EXISTS (SELECT 1 FROM campaign_data d WHERE d.campaign_id = o.id);
CREATE TRIGGER organizations_campaign_data AFTER INSERT ON organizations WHEN NEW.kind = 'campaign' BEGIN
    INSERT OR IGNORE INTO campaign_data (campaign_id, generation, dnc_generation, people) VALUES (NEW.id, 1, 1, 0);
END;

DROP TRIGGER persons_insert_data;
DROP TRIGGER persons_update_data;
DROP TRIGGER phones_insert_data;
DROP TRIGGER phones_update_data;
CREATE TRIGGER persons_insert_data AFTER INSERT ON persons BEGIN
    UPDATE campaign_data SET generation = generation + 1, people = people + 1 WHERE campaign_id = NEW.campaign_id;
END;
CREATE TRIGGER persons_update_data AFTER UPDATE ON persons BEGIN
    UPDATE campaign_data SET generation = generation + 1 WHERE campaign_id = NEW.campaign_id;
END;
CREATE TRIGGER phones_insert_data AFTER INSERT ON phones BEGIN
    UPDATE campaign_data SET generation = generation + 1 WHERE campaign_id = NEW.campaign_id;
END;
CREATE TRIGGER phones_update_data AFTER UPDATE ON phones BEGIN
    UPDATE campaign_data SET generation = generation + 1 WHERE campaign_id = NEW.campaign_id;
END;
