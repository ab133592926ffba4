drop table subgraphs.copy_table_state;
drop table subgraphs.copy_state;
drop table active_copies;
