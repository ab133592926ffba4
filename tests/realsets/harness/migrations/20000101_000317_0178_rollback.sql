DROP TABLE pullreq_label_suggestions;
