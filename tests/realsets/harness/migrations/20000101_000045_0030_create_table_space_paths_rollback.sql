-- we fallback to the non-deleted paths table (risk that new entries are missing)
DROP TABLE space_paths;