create index if not exists idx_package_tags_artifact_id ON package_tags(package_tag_artifact_id);
