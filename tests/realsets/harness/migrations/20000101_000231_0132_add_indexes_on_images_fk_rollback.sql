drop index if exists idx_artifacts_artifact_image_id;
drop index if exists idx_bandwidth_stats_image_id;