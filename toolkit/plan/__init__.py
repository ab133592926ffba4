"""Building the pull-request migration plan: pending set, lock facts, findings."""
