alter table subgraphs.subgraph_manifest
      drop column history_blocks;
