-- Issue 22: the fields only the holders of the second key read in full — the full ID and
-- national student numbers, the birth date, the health and disability note — are stored
-- sealed under that key (`sealed`: XChaCha20-Poly1305, the record and column as associated
-- data), with a keyed digest of each number for uniqueness and matching. The clear columns
-- keep only what a teacher is shown: the masked number (or ''), no birth date (its year in
-- `birth_year`), no health text (`has_health_note`). This migration moves no value (SQL has no
-- key): an existing database's rows are sealed by a local pass at its first open by a holder
-- (`field_sealing` marks when that was done; NULL: rows may still hold clear values).
ALTER TABLE member ADD COLUMN resident_id_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE member ADD COLUMN resident_id_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE member ADD COLUMN birth_date_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE member ADD COLUMN birth_year INTEGER;
ALTER TABLE member ADD COLUMN health_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE member ADD COLUMN has_health_note INTEGER NOT NULL DEFAULT 0;

ALTER TABLE student ADD COLUMN national_student_number_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE student ADD COLUMN national_student_number_digest TEXT NOT NULL DEFAULT '';

ALTER TABLE registration ADD COLUMN resident_id_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE registration ADD COLUMN resident_id_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE registration ADD COLUMN national_student_number_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE registration ADD COLUMN national_student_number_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE registration ADD COLUMN birth_date_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE registration ADD COLUMN birth_year INTEGER;

-- Uniqueness moves from the clear number (now masked: two people may share a masked form) to
-- the digest. A teacher's laptop holds rows with no digest (it cannot compute one): '' is
-- never unique.
DROP INDEX member_resident_id_alive;
DROP INDEX registration_resident_id_alive;
CREATE UNIQUE INDEX member_resident_id_digest_alive ON member (resident_id_digest)
    WHERE deleted_at IS NULL AND resident_id_digest <> '';
CREATE UNIQUE INDEX registration_resident_id_digest_alive ON registration (resident_id_digest)
    WHERE deleted_at IS NULL AND resident_id_digest <> '';

CREATE TABLE field_sealing (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    sealed_at TEXT
);
INSERT INTO field_sealing (id, sealed_at) VALUES (1, NULL);
