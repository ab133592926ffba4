
DROP INDEX unencrypted_private_plans_build_idx;

