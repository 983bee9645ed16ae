// Walking, scheduling, per-file jobs, records and sinks.
