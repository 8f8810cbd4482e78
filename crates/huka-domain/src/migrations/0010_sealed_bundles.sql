-- Schema 10: what the county keeps of each bundle besides its numbers: whether it came
-- sealed to the county (format 2) or plain (format 1, 未加密), the heads of the school's audit
-- chains it reported, and whether those chains failed to extend the school's earlier bundle
-- (history rewritten).
ALTER TABLE county_bundle ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE county_bundle ADD COLUMN audit TEXT NOT NULL DEFAULT '[]';
ALTER TABLE county_bundle ADD COLUMN history_rewritten INTEGER NOT NULL DEFAULT 0;
