drop function lookup_ancestor_block(varchar, bigint);
