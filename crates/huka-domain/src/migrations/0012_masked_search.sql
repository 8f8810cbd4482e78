-- The search text anyone may search (search_key.body) holds ID numbers masked as every masked
-- view shows them (masking): region and last four characters. The full numbers move to
-- search_key.ids with their own trigram index, household_id_search, which search consults
-- only for readers who may see them (search::household_filter): outside a teacher's care an
-- ID number, its hidden digits or a birth date find nothing. Both are the ones
-- search::reindex_household writes.
ALTER TABLE search_key ADD COLUMN ids TEXT NOT NULL DEFAULT '';
CREATE VIRTUAL TABLE household_id_search USING fts5 (
    ids, content = 'search_key', content_rowid = 'key', tokenize = 'trigram'
);
UPDATE search_key SET
    body = coalesce((
        SELECT concat_ws(' ', h.household_number, h.head_name, h.town, h.village, h.grp, h.phone,
                   (SELECT group_concat(m.name || ' ' ||
                           CASE WHEN length(m.resident_id) = 18 THEN substr(m.resident_id, 1, 6) || '********' || substr(m.resident_id, 15) ELSE '' END, ' ')
                      FROM member m WHERE m.household_id = h.id AND m.deleted_at IS NULL))
          FROM household h WHERE h.id = search_key.household_id AND h.deleted_at IS NULL), ''),
    ids = coalesce((
        SELECT (SELECT group_concat(m.resident_id, ' ') FROM member m
                 WHERE m.household_id = h.id AND m.deleted_at IS NULL AND m.resident_id <> '')
          FROM household h WHERE h.id = search_key.household_id AND h.deleted_at IS NULL), '');
INSERT INTO household_search (household_search) VALUES ('rebuild');
INSERT INTO household_id_search (household_id_search) VALUES ('rebuild');
