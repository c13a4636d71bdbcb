"""The course: datasets, experiments, the migration table, the lessons."""
