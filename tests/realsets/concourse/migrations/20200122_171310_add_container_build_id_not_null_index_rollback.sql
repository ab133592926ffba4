
DROP INDEX containers_build_id_not_null;

