"""Hardcover's GraphQL API, within its request budget.

- `client`: `HardcoverClient`, which paces, retries, caches and counts every request;
- `queries`: the operations in tasks/queries/ and how several lookups share one request;
- `budget`: the rate-limit buckets learned from the response headers;
- `cache`: `HcCache`, answers already paid for, kept in `hc_requests`;
- `errors`: `HardcoverError` and its kinds (`BudgetExhausted` stops a run to resume later).
"""
