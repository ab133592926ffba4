ALTER TABLE usage_metrics
ADD COLUMN usage_metric_pushes INTEGER NOT NULL DEFAULT 0;
