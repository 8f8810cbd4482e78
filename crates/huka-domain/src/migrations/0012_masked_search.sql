-- The search text holds ID numbers masked as every masked view shows them (masking):
-- region and last four characters. The full number is matched on member.resident_id, and
-- only for readers who may see it (search::household_filter); outside a teacher's care an
-- ID number, its hidden digits or a birth date find nothing. The body is the one
-- search::reindex_household writes.
UPDATE search_key SET body = coalesce((
    SELECT concat_ws(' ', h.household_number, h.head_name, h.town, h.village, h.grp, h.phone,
               (SELECT group_concat(m.name || ' ' ||
                       CASE WHEN length(m.resident_id) = 18 THEN substr(m.resident_id, 1, 6) || '********' || substr(m.resident_id, 15) ELSE '' END, ' ')
                  FROM member m WHERE m.household_id = h.id AND m.deleted_at IS NULL))
      FROM household h WHERE h.id = search_key.household_id AND h.deleted_at IS NULL), '');
INSERT INTO household_search (household_search) VALUES ('rebuild');
