-- Schema 15: the household's registered size (家庭人口) as the 建档立卡 system and the aid
-- office's lists give it. It may exceed the members Huka lists (a card lists those the school
-- knows of), so it is kept beside them, not counted from them. NULL: not given.
ALTER TABLE household ADD COLUMN family_size INTEGER;
