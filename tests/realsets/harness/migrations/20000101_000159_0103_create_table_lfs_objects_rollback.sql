DROP INDEX lfs_objects_oid;

DROP TABLE IF EXISTS lfs_objects;