-- Issue 22: the file keeps no full ID number for the search. The full numbers' index of
-- schema 12 (search_key.ids, household_id_search) goes: the principal's and the aid
-- officer's search by a full number (or its hidden digits, or a birth date) reads a TEMP
-- table their session fills from the members when it first needs it (search::open_full_ids),
-- held in memory only (SQLCipher's temp store) and gone when the store drops. The pages the
-- old index held are overwritten, not only freed.
PRAGMA secure_delete = ON;
DROP TABLE household_id_search;
ALTER TABLE search_key DROP COLUMN ids;
PRAGMA secure_delete = OFF;
