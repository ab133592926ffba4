
DROP INDEX successful_build_outputs_rerun_of_idx;

