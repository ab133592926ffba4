DROP INDEX IF EXISTS index_gc_manifest_review_queue2;
