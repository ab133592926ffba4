alter table subgraphs.subgraph_deployment
  drop column graft_block_hash,
  drop column graft_block_number,
  drop column graft_base;
