"""Background jobs: what a person started on the task queue, its progress and its result.

The queue itself is django-tasks with its database backend (django-tasks-db): nothing but our
PostgreSQL. A `Job` row is the part a person sees: who started it, the phase and rows done,
the result, and the file it needs or made (stored in the row, so that a worker on another
machine reads it from the database like everything else).
"""
